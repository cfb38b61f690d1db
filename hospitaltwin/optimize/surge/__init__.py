"""Surge capacity planning: which surge beds to open where and when, over demand paths from the twin.

``options`` reads and checks the surge options file; ``data`` turns it, the scenario and the
demand paths into indexed arrays; ``model`` builds and solves the sample-average MIP;
``explain`` says why no plan exists or what a plan does; ``gap`` estimates how far the plan
may be from the best plan for the twin's demand (the SAA optimality gap, on fresh paths);
``surge_policy`` writes the plan as a policy file the twin can run and ``compare`` can judge
on fresh seeds.
"""

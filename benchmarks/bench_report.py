"""Report benchmark: the full report of a 14-day forecast of a 600-bed hospital (target < 20 s).

The forecast directory is generated in the documented format by the report tests' generator
(``tests/report/synthetic.py``): a 600-bed academic hospital in 18 units plus ventilator and
ECLS pools — 38 resources (each unit against physical and staffed beds) x 336 hours, with
daily risks and headline probabilities. The timed part is ``hospitaltwin report`` as a whole
process (start-up, reading, every page, the PDF and one PNG per chart), best of ``--repeat``.

Run: ``python benchmarks/bench_report.py [--repeat 3] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 20.0
sys.path.insert(0, str(ROOT / "tests" / "report"))

import synthetic  # noqa: E402


def main() -> int:


    """Generate the forecast, time the report, return 1 if over the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Write the forecast and report here instead of a temporary folder.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        forecast = synthetic.write_forecast(base / "forecast", synthetic.academic_layout(600), hours=336,
                                            replications=500)
        rows = sum(1 for _ in open(forecast / "forecast.csv", encoding="utf-8")) - 1
        print(f"forecast: {rows} rows ({rows // 336} resources x 336 hours) in {forecast}")
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "hospitaltwin", "report", str(forecast), "--pdf",
                            str(base / "report.pdf"), "--png", str(base / "png")], check=True, cwd=ROOT)
            times.append(time.perf_counter() - start)
        best = min(times)
        print(f"report of a 14-day forecast of a 600-bed hospital: {best:.2f} s best of {args.repeat} "
              f"(target < {TARGET_S:.0f} s)")
        return 0 if best < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())

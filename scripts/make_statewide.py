"""Make the state-wide example: a network layout, its demand, a baseline, a respiratory surge.

Writes, under ``--out`` (default: the repository), for ``--name`` (default ``statewide``):
``layouts/NAME.yaml`` (hospitals with their region, units, ventilator and ECLS pools, ECLS
teams, transfer links with delays and daily limits), ``scenarios/demand/NAME.yaml`` and
``NAME-respiratory.yaml``, ``scenarios/NAME-baseline.yaml`` and
``scenarios/NAME-respiratory-surge.yaml``, and ``samples/NAME-counts.csv``: four weeks of
daily census counts per unit as a command centre receives them, simulated from the baseline
(for ``hospitaltwin sync --counts`` and ``forecast --counts``). ``--hospitals`` scales the
state (40-80 gives 6-8 regions; larger sizes are for benchmarks).

Run from the repository root: ``python scripts/make_statewide.py [--hospitals 60] [--seed 2025]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from statewide_design import design
from statewide_files import counts_csv, demand_yaml, layout_yaml, scenario_yaml

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--hospitals", type=int, default=60, help="hospitals in the state (default 60)"
    )
    parser.add_argument(
        "--regions", type=int, default=None, help="regions (default: 6-8 for 40-80 hospitals)"
    )
    parser.add_argument(
        "--seed", type=int, default=2025, help="seed of the network's layout and sizes"
    )
    parser.add_argument("--name", default="statewide", help="file name stem (default statewide)")
    parser.add_argument(
        "--out", type=Path, default=ROOT, help="folder holding layouts/, scenarios/, samples/"
    )
    parser.add_argument("--no-counts", action="store_true", help="skip the simulated daily counts")
    args = parser.parse_args(argv)
    if args.hospitals < 12:
        parser.error("--hospitals: a state-wide network needs at least 12 hospitals")
    network = design(args.hospitals, args.regions, args.seed)
    made = f"scripts/make_statewide.py --hospitals {args.hospitals} --seed {args.seed}"
    files = {
        f"layouts/{args.name}.yaml": layout_yaml(network, args.name, made),
        f"scenarios/demand/{args.name}.yaml": demand_yaml(
            network, args.name, made, respiratory=False
        ),
        f"scenarios/demand/{args.name}-respiratory.yaml": demand_yaml(
            network, args.name, made, respiratory=True
        ),
        f"scenarios/{args.name}-baseline.yaml": scenario_yaml(
            network, args.name, made, surge=False
        ),
        f"scenarios/{args.name}-respiratory-surge.yaml": scenario_yaml(
            network, args.name, made, surge=True
        ),
    }
    for relative, text in files.items():
        _write(args.out / relative, text)
    if not args.no_counts:
        _write(
            args.out / f"samples/{args.name}-counts.csv",
            counts_csv(args.out / f"scenarios/{args.name}-baseline.yaml"),
        )
    beds = sum(h.beds for h in network.hospitals)
    print(
        f"{len(network.hospitals)} hospitals in {len(network.regions)} regions, {beds} staffed beds, "
        f"{len(network.links)} links -> {args.out}"
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

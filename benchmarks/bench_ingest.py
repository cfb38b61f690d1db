"""Ingest benchmark (run on demand, not part of the test suite).

    python benchmarks/bench_ingest.py [--events 1000000] [--messages 50000]

1. Writes a canonical CSV of about a million events (patients arriving at ED, admitted to a
   ward, some to ICU with a ventilator episode, discharged; no event ids, so every row is
   hashed; 0.1 % deliberate faults and some rows out of order) in a temporary folder.
2. Times a bare ``pandas.read_csv`` of it and the full ingest (read, pseudonymise, validate,
   quality summary, Parquet output), each in its own process so that peak RSS is its own,
   and prints seconds, the ratio, events/s and peak RSS. Targets: < 20 s, < 2 GiB.
3. Writes 50,000 HL7 v2 ADT messages and times the HL7 reader and the full ingest of them
   (target >= 20,000 messages/s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
KEY = b"benchmark-key-0123456789"


def make_csv(path: Path, n_events: int, seed: int = 1) -> int:
    """A canonical CSV of about ``n_events`` events; returns the number written."""
    rng = np.random.default_rng(seed)
    n = int(n_events / 3.4) + 1  # 3 flow events + 15 % with a transfer and 2 equipment events
    arrive = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 365 * 24, n), "h")
    ward = arrive + pd.to_timedelta(rng.exponential(4, n), "h")
    icu = rng.random(n) < 0.15
    t_icu = ward + pd.to_timedelta(rng.exponential(24, n), "h")
    vent_on = t_icu + pd.to_timedelta(rng.exponential(2, n), "h")
    vent_off = vent_on + pd.to_timedelta(rng.exponential(48, n), "h")
    leave = np.where(icu, vent_off, ward) + pd.to_timedelta(rng.exponential(72, n), "h")
    pid = np.char.add("MRN", np.arange(n).astype(str))
    enc = np.char.add("V", np.arange(n).astype(str))
    parts = [_rows(pid, enc, arrive, "arrive", "Emergency Department"),
             _rows(pid, enc, ward, "admit", "Medicine"),
             _rows(pid[icu], enc[icu], t_icu[icu], "transfer", "Medical Intensive Care Unit"),
             _rows(pid[icu], enc[icu], vent_on[icu], "equipment_start", "", "ventilator"),
             _rows(pid[icu], enc[icu], vent_off[icu], "equipment_end", "", "ventilator"),
             _rows(pid, enc, pd.DatetimeIndex(leave), "discharge", "")]
    frame = pd.concat(parts, ignore_index=True).sort_values("timestamp", kind="stable")
    frame = frame.iloc[:n_events].reset_index(drop=True)
    _faults(frame, rng)
    frame.to_csv(path, index=False)
    return len(frame)


def _rows(pid, enc, when, kind, unit, equipment=""):
    return pd.DataFrame({"timestamp": pd.DatetimeIndex(when).strftime("%Y-%m-%dT%H:%M:%S"),
                         "patient_id": pid, "event": kind, "unit": unit,
                         "equipment": equipment, "encounter_id": enc})


def _faults(frame: pd.DataFrame, rng) -> None:
    n = len(frame)
    bad = rng.choice(n, n // 1000, replace=False)
    frame.loc[bad[0::3], "timestamp"] = "not a time"
    frame.loc[bad[1::3], "event"] = "teleport"
    frame.loc[bad[2::3], "unit"] = "Unknown Unit"
    swap = rng.choice(n - 1, n // 200, replace=False)
    a, b = frame.loc[swap].copy(), frame.loc[swap + 1].copy()
    frame.loc[swap], frame.loc[swap + 1] = b.to_numpy(), a.to_numpy()


UNIT_MAP = """units:
  ED: ["Emergency Department"]
  WARD: [Medicine]
  ICU: ["re:.*Intensive Care.*"]
"""

HL7_MSG = ("MSH|^~\\&|ADT1|GOOD HEALTH HOSPITAL|TWIN|GHH|{t}||ADT^{trig}^ADT_A01|MSG{i:08d}|P|2.5.1"
           "\rEVN|{trig}|{t}|||OP^OPERATOR\rPID|1||MRN{p}^^^GHH^MR~{ssn}^^^USSSA^SS||EVERYMAN^ADAM"
           "^A^III||19610615|M||2106-3|2222 HOME STREET^^GREENSBORO^NC^27401-1020|GL|(555) 555-"
           "2004|(555)555-2004||S||PATID12345001^2^M10^ADT1^AN^A|444333333|987654^NC\rNK1|1|NUCLEAR"
           "^NELDA^W|SPO^SPOUSE||||NK^NEXT OF KIN\rPV1|1|I|{unit}^{room}^1^GHH||||004777^ATTEND^AARON"
           "^A|||SUR||||7|A0|||V{p}|||||||||||||||||||||||||{t}\rPV2|||^CHEST PAIN\rAL1|1||^PENICILLIN"
           "||PRODUCES HIVES~RASH\r")


def make_hl7(path: Path, n_messages: int) -> None:
    """``n_messages`` ADT messages: per patient A04 (ED), A01, A02, A03, newline-separated."""
    triggers, units = ("A04", "A01", "A02", "A03"), ("ER", "MED", "ICU", "ICU")
    base = pd.Timestamp("2024-01-01")
    out = []
    for i in range(n_messages):
        p, step = divmod(i, 4)
        t = (base + pd.Timedelta(minutes=37 * p + 600 * step)).strftime("%Y%m%d%H%M%S")
        out.append(HL7_MSG.format(t=t, trig=triggers[step], i=i, p=p, ssn=100000 + p,
                                  unit=units[step], room=100 + p % 50))
    path.write_text("\n".join(m.replace("\r", "\n") for m in out))


def child(task: str, path: str, extra: str) -> None:
    """Run one timed task in this process and print a JSON line with seconds and peak RSS."""
    sys.path.insert(0, str(REPO))
    start = time.perf_counter()
    info: dict = {}
    if task == "read_csv":
        info["rows"] = len(pd.read_csv(path))
    elif task == "read_csv_text":
        info["rows"] = len(pd.read_csv(path, dtype=str, keep_default_na=False))
    elif task == "ingest":
        from hospitaltwin.eventlog.ingest import ingest, write_outputs
        result = ingest([path], KEY, unit_map=extra or None)
        write_outputs(result, Path(path).with_suffix(".parquet"))
        info = result.summary["totals"]
    elif task == "hl7_read":
        from hospitaltwin.eventlog.hl7v2 import read_hl7
        info["events"] = len(read_hl7(Path(path)).events)
    info["seconds"] = time.perf_counter() - start
    info["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(info))


def timed(task: str, path: Path, extra: str = "") -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", task, str(path), extra],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        csv_path, map_path, hl7_path = folder / "events.csv", folder / "units.yaml", folder / "adt.hl7"
        map_path.write_text(UNIT_MAP)
        n = make_csv(csv_path, args.events)
        print(f"canonical CSV: {n:,} events, {csv_path.stat().st_size / 2**20:.0f} MiB")
        bare = timed("read_csv", csv_path)
        text = timed("read_csv_text", csv_path)
        full = timed("ingest", csv_path, str(map_path))
        print(f"  pandas.read_csv      {bare['seconds']:6.2f} s   peak RSS {bare['peak_rss_mib']:6.0f} MiB")
        print(f"  ... dtype=str        {text['seconds']:6.2f} s   peak RSS {text['peak_rss_mib']:6.0f} MiB"
              f"   (every column as text, as a validator reads it)")
        print(f"  hospitaltwin ingest  {full['seconds']:6.2f} s   peak RSS {full['peak_rss_mib']:6.0f} MiB"
              f"   ({n / full['seconds']:,.0f} events/s, {full['seconds'] / bare['seconds']:.1f}x "
              f"read_csv, {full['seconds'] / text['seconds']:.1f}x read_csv as text)")
        print(f"  counts: {json.dumps({k: full[k] for k in ('read', 'accepted', 'quarantined', 'duplicates')})}")
        make_hl7(hl7_path, args.messages)
        reader = timed("hl7_read", hl7_path)
        whole = timed("ingest", hl7_path)
        print(f"HL7 v2: {args.messages:,} messages")
        print(f"  reader               {reader['seconds']:6.2f} s   {args.messages / reader['seconds']:,.0f} messages/s")
        print(f"  full ingest          {whole['seconds']:6.2f} s   {args.messages / whole['seconds']:,.0f} messages/s"
              f"   peak RSS {whole['peak_rss_mib']:6.0f} MiB")


if __name__ == "__main__":
    main()

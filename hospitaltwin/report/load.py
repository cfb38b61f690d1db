"""Find, check and read result directories before anything is drawn or written.

A result directory holds ``manifest.json`` with ``"result_format": 1`` and a ``"kind"``
(``run``, ``forecast``, ``compare``, ``backtest``, ``calibration``, ``roster``, ``surge``,
``network``) plus the files that kind writes (declared in :mod:`hospitaltwin.experiment.result_format`). A calibration may also be a
directory holding only a demand file and its ``*.calibration.json`` summary, as ``calibrate``
writes them. The optimisers' results (``roster``, ``surge``, ``network``) may carry the
solver's ``solve.json`` and an out-of-sample test in the engine (:data:`EVALUATION`: a compare
result directory, or for a network ``evaluation.csv``), read as a compare :class:`Result` of
their own; what is absent is left out of the report, what is present must be readable. Every
problem — no result, a format this version cannot read, a missing file or column, a value
that cannot be read — is raised as one :class:`~hospitaltwin.core.errors.HospitaltwinError`
naming the file and the reason, so a report is either complete or not written at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hospitaltwin.core.errors import HospitaltwinError, quote, shorten
from hospitaltwin.experiment.result_format import (
    CSV_COLUMNS,
    EVALUATION,
    FILES,
    OPTIONAL_COLUMNS,
    OPTIONAL_CSV,
    OPTIONAL_JSON,
    RESULT_FORMAT,
    RUN_TABLES,
)

TABLE_NUMERIC = {"plan": {"day", "beds", "nurses_per_shift"},
                 "moves": {"dispatch_day", "available_day", "devices"},
                 "transfers": {"day", "planned_slots", "expected_transfers", "p95_transfers"}}
NUMERIC = {"mean", "p05", "p25", "p50", "p75", "p95", "capacity", "p_full", "p_full_any", "baseline_mean",
           "policy_mean", "diff_mean", "diff_lo", "diff_hi", "lead_h", "n", "mae", "coverage50", "coverage80",
           "coverage95", "crps", "brier", "bin_lo", "bin_hi", "predicted", "observed", "how", "fitted", "hours",
           "km", "coverage90", "pinball", "lead_day", "density"}
CHOICES = {"kind": {"beds", "staffed_beds", "equipment"}, "better": {"policy", "baseline", "none"},
           "method": {"model", "persistence", "last_week", "hour_of_week", "linear_trend", "ses"}}
MAY_BE_EMPTY = {"moves"}


@dataclass
class Result:
    """One result directory, checked and read.

    Attributes
    ----------
    path : Path
        The directory.
    kind : str
        ``run``, ``forecast``, ``compare``, ``backtest``, ``calibration``, ``roster``, ``surge``
        or ``network``.
    manifest : dict
        ``manifest.json`` (for a bare calibration directory: what is known of it).
    summary : dict
        ``summary.json`` (the calibration summary for a calibration; ``{}`` if none).
    tables : dict of str to DataFrame
        The tables the report uses, by file stem.
    solve : dict
        An optimiser's ``solve.json`` (``{}`` if none).
    evaluation : Result or None
        An optimiser's out-of-sample test, a ``compare`` result (``None`` if none).
    backtests : list of Result
        For a forecast, the backtests of the same scenario given to the same report.
    """

    path: Path
    kind: str
    manifest: dict
    summary: dict = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    solve: dict = field(default_factory=dict)
    evaluation: Result | None = None
    backtests: list[Result] = field(default_factory=list)

    @property
    def scenario(self) -> dict:
        """The resolved scenario of the manifest (``{}`` when it has none)."""
        value = self.manifest.get("scenario")
        return value if isinstance(value, dict) else {}

    @property
    def layout(self) -> dict:
        """The resolved layout (``{}`` when the manifest has none)."""
        value = self.scenario.get("layout")
        return value if isinstance(value, dict) else {}

    @property
    def name(self) -> str:
        """The scenario's name, or the directory's."""
        return str(self.scenario.get("name") or self.summary.get("scenario") or self.path.name)

    @property
    def timezone(self) -> str:
        """The hospital's time zone: the layout's, a calibration's own, else ``UTC``."""
        window = self.summary.get("window") if isinstance(self.summary.get("window"), dict) else {}
        return str(self.layout.get("timezone") or window.get("timezone") or "UTC")

    @property
    def label(self) -> str:
        """``forecast · academic-600`` — what every page of this result is titled with."""
        return f"{self.kind} · {self.name}"


def _why(exc: Exception) -> str:
    """A reader's complaint on one short line (Arrow's and pandas' may span several)."""
    return shorten(" ".join(str(exc).split()), 160)


def read_json(path: Path) -> dict:
    """A JSON object from ``path``; a clear error when it is missing or not an object."""
    if not path.is_file():
        raise HospitaltwinError(f"{path}: missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HospitaltwinError(f"{path}: not valid JSON ({_why(exc)})") from None
    if not isinstance(data, dict):
        raise HospitaltwinError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def read_csv(path: Path, columns: tuple[str, ...], numeric=NUMERIC, choices=CHOICES) -> pd.DataFrame:
    """The named columns of a CSV file, numbers (``numeric``) checked, categories (``choices``) validated."""
    if not path.is_file():
        raise HospitaltwinError(f"{path}: missing")
    wanted, optional = columns, OPTIONAL_COLUMNS.get(path.stem, ())
    try:
        frame = pd.read_csv(path, dtype={c: str for c in wanted if c not in numeric}, keep_default_na=False,
                            na_values={c: ["", "nan", "NaN", "null"] for c in wanted if c in numeric})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise HospitaltwinError(f"{path}: not a readable CSV file ({_why(exc)})") from None
    _require_columns(path, frame.columns, tuple(c for c in wanted if c not in optional))
    columns = tuple(c for c in wanted if c in frame.columns)
    frame = frame.loc[:, list(columns)]
    for column in columns:
        if column in numeric:
            frame[column] = _numbers(path, frame[column], column)
        elif column in choices:
            _check_choices(path, frame[column], column, choices[column])
    return frame


def _numbers(path: Path, values: pd.Series, column: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 2
        raise HospitaltwinError(f"{path}: line {row}: column {column!r} is not a number: {quote(values[bad].iloc[0])}")
    return numbers.astype(float)


def _check_choices(path: Path, values: pd.Series, column: str, allowed: set) -> None:
    unknown = sorted(set(values.unique()) - allowed)
    if unknown:
        raise HospitaltwinError(f"{path}: column {column!r} has {quote(unknown[0])}; expected one of "
                                f"{', '.join(sorted(allowed))}")


def _require_columns(path: Path, present, needed: tuple[str, ...]) -> None:
    missing = [c for c in needed if c not in set(present)]
    if missing:
        raise HospitaltwinError(f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")


def read_parquet(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """The named columns of a Parquet table."""
    if not path.is_file():
        raise HospitaltwinError(f"{path}: missing")
    try:
        schema = pq.read_schema(path)
        _require_columns(path, schema.names, columns)
        return pq.read_table(path, columns=list(columns)).to_pandas()
    except (OSError, ValueError, pa.ArrowException) as exc:  # ArrowInvalid: truncated or not Parquet
        raise HospitaltwinError(f"{path}: not a readable Parquet file ({_why(exc)})") from None


def check_manifest(path: Path) -> dict:
    """``manifest.json`` of a result this version can read."""
    manifest = read_json(path)
    version = manifest.get("result_format")
    if version is None:
        raise HospitaltwinError(f"{path}: no result_format; not a hospitaltwin result")
    if version != RESULT_FORMAT:
        raise HospitaltwinError(f"{path}: result_format {quote(version)} cannot be read by this version of "
                                f"hospitaltwin (it reads format {RESULT_FORMAT}); use a matching version")
    kind = manifest.get("kind")
    if kind not in FILES:
        raise HospitaltwinError(f"{path}: unknown result kind {quote(kind)}; expected one of {', '.join(FILES)}")
    return manifest


def load_result(path: str | Path) -> Result:
    """Check and read one result directory.

    Parameters
    ----------
    path : str or Path
        A result directory (``run``, ``forecast``, ``compare``, ``backtest``, ``roster``,
        ``surge``, ``network``), or a calibration directory.

    Returns
    -------
    Result

    Raises
    ------
    HospitaltwinError
        When the directory holds no result, a result of another format, or a file or column
        the report needs is missing or unreadable.
    """
    path = Path(path)
    if not path.is_dir():
        raise HospitaltwinError(f"{path}: {'not a directory' if path.exists() else 'no such directory'}")
    if not (path / "manifest.json").is_file():
        if sorted(path.glob("*.calibration.json")):
            return _calibration(path, {"result_format": RESULT_FORMAT, "kind": "calibration"})
        raise HospitaltwinError(f"{path}: holds no hospitaltwin result (no manifest.json)")
    manifest = check_manifest(path / "manifest.json")
    if manifest["kind"] == "calibration":
        return _calibration(path, manifest)
    result = Result(path, manifest["kind"], manifest)
    spec = FILES[result.kind]
    if "summary" in spec["json"] or (path / "summary.json").is_file():
        result.summary = read_json(path / "summary.json")
    for stem in spec["csv"]:
        file = path / f"{stem}.csv"
        if stem == "shortage":
            table = read_shortage(file)
        else:
            table = read_csv(file, CSV_COLUMNS[stem], NUMERIC | TABLE_NUMERIC.get(stem, set()),
                             {} if stem in TABLE_NUMERIC else CHOICES)
        result.tables[stem] = table if stem in MAY_BE_EMPTY else _nonempty(table, file)
    for stem in OPTIONAL_CSV.get(result.kind, ()):
        file = path / f"{stem}.csv"
        if file.is_file():
            result.tables[stem] = read_csv(file, CSV_COLUMNS[stem], NUMERIC | TABLE_NUMERIC.get(stem, set()), {})
    for stem in ("solve",):
        if stem in spec["json"] or (stem in OPTIONAL_JSON.get(result.kind, ()) and (path / f"{stem}.json").is_file()):
            result.solve = read_json(path / f"{stem}.json")
    if result.kind in EVALUATION:
        result.evaluation = _evaluation(result, path / EVALUATION[result.kind])
    if result.kind == "run":
        _run_tables(result)
    return result


def read_shortage(path: Path) -> pd.DataFrame:
    """``shortage.csv`` of a network plan: ``hospital`` and pairs ``X_before``, ``X_after`` of numbers."""
    header = read_csv(path, CSV_COLUMNS["shortage"], set(), {})  # the file exists, parses, names hospitals
    pairs = [c[: -len("_before")] for c in pd.read_csv(path, nrows=0).columns if c.endswith("_before")]
    if header.empty:
        raise HospitaltwinError(f"{path}: has a header but no rows")
    if not pairs:
        raise HospitaltwinError(f"{path}: no *_before columns (expected shortage before and after the plan)")
    columns = ("hospital",) + tuple(f"{p}_{w}" for p in pairs for w in ("before", "after"))
    return read_csv(path, columns, set(columns[1:]), {})


def _evaluation(result: Result, where: Path) -> Result | None:
    """An optimiser's out-of-sample test as a compare result; ``None`` when there is none."""
    if where.suffix == ".csv":
        if not where.is_file():
            return None
        table = _nonempty(read_csv(where, CSV_COLUMNS["comparison"]), where)
        manifest = {"result_format": RESULT_FORMAT, "kind": "compare", "scenario": result.scenario}
        policies = list(dict.fromkeys(table["policy"]))
        return Result(where.parent, "compare", manifest, {"policies": policies}, {"comparison": table})
    if not where.is_dir():
        return None
    if (where / "manifest.json").is_file():
        evaluation = load_result(where)
        if evaluation.kind != "compare":
            raise HospitaltwinError(f"{where / 'manifest.json'}: an evaluation must be a compare result, "
                                    f"found kind {quote(evaluation.kind)}")
        return evaluation
    if not (where / "comparison.csv").is_file():
        return None
    table = _nonempty(read_csv(where / "comparison.csv", CSV_COLUMNS["comparison"]), where / "comparison.csv")
    summary = read_json(where / "summary.json") if (where / "summary.json").is_file() else {}
    return Result(where, "compare", {**result.manifest, "kind": "compare"}, summary, {"comparison": table})


def _nonempty(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    if frame.empty:
        raise HospitaltwinError(f"{path}: has a header but no rows")
    return frame


def _run_tables(result: Result) -> None:
    """Census and stays always; equipment when the layout has equipment pools."""
    needed = ["census", "stays"] + (["equipment"] if result.layout.get("equipment") else [])
    for stem in needed:
        file = result.path / f"{stem}.parquet"
        result.tables[stem] = read_parquet(file, RUN_TABLES[stem])
    if "origin" not in result.manifest:
        raise HospitaltwinError(f"{result.path / 'manifest.json'}: no origin (the run's calendar start)")


def _calibration(path: Path, manifest: dict) -> Result:
    """A calibration: its ``*.calibration.json`` summary and the optional diagnostic CSVs."""
    named = manifest.get("summary")
    found = [path / named] if named else sorted(path.glob("*.calibration.json"))
    if not found:
        raise HospitaltwinError(f"{path}: a calibration result needs its *.calibration.json summary")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise HospitaltwinError(f"{path}: several calibration summaries ({names}); one per directory")
    result = Result(path, "calibration", manifest, read_json(found[0]))
    result.manifest.setdefault("inputs", {})
    result.manifest["summary_file"] = found[0].name
    for stem in OPTIONAL_CSV["calibration"]:
        file = path / f"{stem}.csv"
        if file.is_file():
            result.tables[stem] = read_csv(file, CSV_COLUMNS[stem])
    return result


def load_results(paths) -> list[Result]:
    """Every result, checked, before any page is drawn; at least one is needed.

    A forecast is linked to the backtests of its scenario among them, whose reliability its
    pages then show."""
    paths = list(paths)
    if not paths:
        raise HospitaltwinError("no result directory given")
    results = [load_result(p) for p in paths]
    for forecast in (r for r in results if r.kind == "forecast"):
        forecast.backtests = [r for r in results if r.kind == "backtest" and r.name == forecast.name]
    return results

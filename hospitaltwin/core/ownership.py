"""Which files of a folder hospitaltwin wrote: the record in its manifest, checked byte for byte.

A result folder's ``manifest.json`` names its writer (``written_by``) and every file written
with its size, SHA-256 and modification time (``files``). A file is the tool's only while it
still has those bytes (an unchanged size and modification time are taken as proof, sparing a
second read of large tables; otherwise the bytes are hashed again): a result file a planner
edited is theirs from then on, a byte-for-byte copy of a result is still the tool's. A
sub-folder that is itself a result of the tool (an optimiser's ``evaluation/``) belongs to the
folder, and so does the marked staging folder an interrupted write left behind.
:func:`contents` sorts a folder's entries by this rule and :func:`remove_ours` deletes only
what it finds to be the tool's, checking each entry again.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
WRITTEN_BY = "hospitaltwin"
STAGING_MARK = ".hospitaltwin-partial"
"""The file that marks a staging folder (removed when its files are moved into place)."""
MANIFEST_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Contents:
    """A folder's top-level entries: those hospitaltwin wrote and the others."""

    ours: tuple[str, ...]
    foreign: tuple[str, ...]


def _recorded(folder: Path) -> dict[str, dict] | None:
    """What a folder's manifest says hospitaltwin wrote there: file name -> size and SHA-256
    (``None``: the folder has no manifest of the tool's)."""
    path = folder / MANIFEST
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MANIFEST_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("written_by") != WRITTEN_BY
        or not isinstance(data.get("files"), dict)
    ):
        return None
    files = {
        name: stamp
        for name, stamp in data["files"].items()
        if "/" not in name and name not in ("", ".", "..", MANIFEST) and isinstance(stamp, dict)
    }
    return {**files, MANIFEST: {}}


def stamp_of(path: Path) -> dict:
    """A file's size, SHA-256 and modification time, as a manifest records it."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            digest.update(block)
        info = os.fstat(handle.fileno())
    return {"bytes": info.st_size, "sha256": digest.hexdigest(), "modified_ns": info.st_mtime_ns}


def _unchanged(path: Path, stamp: dict) -> bool:
    """Whether ``path`` is still the file the tool wrote: same size and bytes (the modification
    time, kept by the rename that put it in place, spares reading it again); the manifest itself
    is the tool's by its ``written_by``."""
    if not stamp:
        return True
    try:
        info = path.stat()
        if info.st_size != stamp.get("bytes"):
            return False
        if info.st_mtime_ns == stamp.get("modified_ns"):
            return True
        return stamp_of(path)["sha256"] == stamp.get("sha256")
    except OSError:
        return False


def _is_staging(folder: Path) -> bool:
    """A leftover of an interrupted write: a marked folder of plain files."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return False
    return any(e.name == STAGING_MARK for e in entries) and all(
        e.is_file(follow_symlinks=False) for e in entries
    )


def contents(folder: Path) -> Contents:
    """Sort a folder's entries into what belongs to an earlier result of hospitaltwin there and
    what does not. Results inside it (``evaluation/``) belong to it only when the folder is a
    result itself: ``runs/``, holding many results, is nobody's result to replace."""
    recorded = _recorded(folder)
    ours, foreign = [], []
    with os.scandir(folder) as entries:
        for entry in entries:
            (ours if _is_ours(entry, recorded) else foreign).append(entry.name)
    return Contents(tuple(sorted(ours)), tuple(sorted(foreign)))


def _is_ours(entry: os.DirEntry, recorded: dict[str, dict] | None) -> bool:
    if entry.is_symlink():
        return False
    if entry.is_file(follow_symlinks=False):
        return (
            recorded is not None
            and entry.name in recorded
            and _unchanged(Path(entry.path), recorded[entry.name])
        )
    if entry.is_dir(follow_symlinks=False):
        folder = Path(entry.path)
        return _is_staging(folder) or (
            recorded is not None and _recorded(folder) is not None and not contents(folder).foreign
        )
    return False


def remove_ours(folder: Path, names) -> None:
    """Delete entries hospitaltwin wrote (files, nested results, leftovers), checking each again."""
    recorded = _recorded(folder) or {}
    for name in names:
        path = folder / name
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and name in recorded and _unchanged(path, recorded[name]):
                path.unlink()
            elif stat.S_ISDIR(info.st_mode) and _is_staging(path):
                for entry in path.iterdir():
                    entry.unlink()
                path.rmdir()
            elif stat.S_ISDIR(info.st_mode) and _recorded(path) is not None:
                remove_ours(path, contents(path).ours)
                path.rmdir()
        except OSError:
            continue  # gone meanwhile, or something else appeared in it: left alone

"""Write outputs without destroying anything: result folders the tool owns, single files.

Every verb that writes a result folder (``run``, ``compare``, ``forecast``, ``backtest``,
``optimize``, ``calibrate``'s diagnostics, ``report --png``) writes it through
:class:`ResultFolder`. Files are written into a private staging folder (mode 0700, files
0600) and moved into place only when complete, so an interrupted run leaves no half-written
result. The folder's ``manifest.json`` records the files hospitaltwin wrote, and that record
(see :mod:`~hospitaltwin.core.ownership`) is what makes a folder the tool's own:

- a new or empty folder is taken; one holding only an earlier result of the tool (its recorded
  files, nested results such as ``evaluation/``, leftovers of an interrupted write) is
  replaced as a whole;
- a folder holding anything else is refused, naming what is there. With ``force`` the result
  is written beside those files, which are never deleted or overwritten (a name clash is
  refused too); only the tool's own earlier files are replaced;
- a path that is a file, a device, a pipe or a symbolic link is refused.

:func:`output_file` does the same for single files (a PDF, a demand file): written under a
temporary name with mode 0600 and renamed, never onto a device or a folder. :func:`safe_name`
turns a user's text (a scenario's ``name``) into one safe path part for default folder names.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from hospitaltwin.core.errors import HospitaltwinError, quote
from hospitaltwin.core.ownership import (
    MANIFEST,
    STAGING_MARK,
    WRITTEN_BY,
    Contents,
    contents,
    remove_ours,
    stamp_of,
)

NAME_CHARS = 80
SHOWN = 5


def safe_name(text: str, fallback: str = "result") -> str:
    """``text`` as one safe path part: no separators, ``..``, control characters or leading dots.

    Parameters
    ----------
    text : str
        A user's text, e.g. a scenario's ``name``.
    fallback : str
        Used when nothing usable is left.

    Returns
    -------
    str
        Letters, digits and ``._+-`` only (other runs of characters become ``-``), at most
        80 characters, never starting with a dot.

    Examples
    --------
    >>> safe_name("../../etc/x")
    'etc-x'
    >>> safe_name("ICU + 10 beds")
    'ICU-+-10-beds'
    """
    cleaned = re.sub(r"[^\w.+-]+", "-", str(text)).strip(".-_")[:NAME_CHARS].strip(".-_")
    return cleaned or fallback


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISREG, "a file"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a folder"


def _listed(names: tuple[str, ...]) -> str:
    shown = ", ".join(quote(n) for n in names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def check_folder(out: str | Path, force: bool = False) -> Contents:
    """Check that a result may be written into ``out``; raise a clear error if not.

    Parameters
    ----------
    out : str or Path
        The result folder (it need not exist).
    force : bool
        Accept a folder holding files hospitaltwin did not write (they are left alone).

    Returns
    -------
    Contents
        What the folder holds now (empty when it does not exist).

    Raises
    ------
    HospitaltwinError
        When ``out`` is a file, device, pipe, socket or symbolic link, or holds files the tool
        did not write and ``force`` is not given.
    """
    out = Path(out)
    try:
        info = out.lstat()
    except FileNotFoundError:
        return Contents((), ())
    except OSError as exc:
        raise HospitaltwinError(
            f"{out}: cannot be used as a result folder ({exc.strerror or exc})"
        ) from None
    if not stat.S_ISDIR(info.st_mode):
        hint = (
            "; give the folder it points to"
            if stat.S_ISLNK(info.st_mode)
            else "; results are written into a folder"
        )
        raise HospitaltwinError(f"{out}: is {_kind(info.st_mode)}, not a folder{hint}")
    found = contents(out)
    if found.foreign and not force:
        listed = _listed(found.foreign)
        raise HospitaltwinError(
            f"{out}: holds files that are not part of a hospitaltwin result ({listed}); choose a "
            "new or empty folder, or give --force to write beside them (they are never deleted)"
        )
    return found


def _real(path: Path) -> Path:
    """``path`` with its parent folders resolved (symbolic links, ``..``) but not its last part."""
    if path.name in ("", ".", ".."):
        return Path(os.path.realpath(path))
    return Path(os.path.realpath(path.parent)) / path.name


def _beneath(folder: Path) -> bool:
    """Whether the working directory is ``folder`` or inside it (it cannot be swapped away)."""
    try:
        Path.cwd().resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError):
        return False


def make_folder(path: Path) -> None:
    """Create ``path`` and any missing parents, each readable by its owner only."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise HospitaltwinError(
                f"{folder}: cannot create the folder ({exc.strerror or exc})"
            ) from None


class ResultFolder:
    """A result folder being written: files go into :attr:`path`, :meth:`commit` puts them in place.

    Parameters
    ----------
    out : str or Path
        The result folder.
    force : bool
        Write beside files the tool did not write instead of refusing (see the module).

    Raises
    ------
    HospitaltwinError
        From :func:`check_folder`, before anything is written.

    Examples
    --------
    >>> with ResultFolder(out) as folder:                       # doctest: +SKIP
    ...     write_json(folder.path / "summary.json", summary)
    ...     write_json(folder.path / "manifest.json", manifest)
    """

    def __init__(self, out: str | Path, force: bool = False):
        self.out, self.force = Path(out), force
        self.real = _real(self.out)
        found = check_folder(self.out, force)
        self.in_place = bool(found.foreign) or (self.real.exists() and _beneath(self.real))
        base = self.real if self.in_place else self.real.parent
        make_folder(base)
        self.path = Path(
            tempfile.mkdtemp(
                prefix=f".{self.real.name[:40] or 'result'}.", suffix=".partial", dir=base
            )
        )
        (self.path / STAGING_MARK).touch(mode=0o600)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    def commit(self) -> Path:
        """Record the files written, make them private and move them into place; return ``out``.

        The folder is checked again first: files put there during the run are refused (or,
        with ``force``, written beside) like any others.
        """
        try:
            found = check_folder(self.out, self.force)
            names = self._seal()
            if self.in_place or found.foreign:
                self._write_beside(names, found)
            else:
                self._swap(found)
        except BaseException:
            self.discard()
            raise
        return self.out

    def discard(self) -> None:
        """Remove what was staged (after a failure); the folder is left as it was."""
        shutil.rmtree(self.path, ignore_errors=True)

    def _seal(self) -> list[str]:
        (self.path / STAGING_MARK).unlink()
        names = sorted(p.name for p in self.path.iterdir() if p.name != MANIFEST)
        manifest = self.path / MANIFEST
        data = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
        data.update(
            written_by=WRITTEN_BY, files={name: stamp_of(self.path / name) for name in names}
        )
        manifest.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        for path in self.path.iterdir():
            path.chmod(0o600)
        return names

    def _swap(self, found: Contents) -> None:
        if not found.ours:
            os.replace(self.path, self.real)  # a new or empty folder: one atomic rename
            return
        old = Path(
            tempfile.mkdtemp(
                prefix=f".{self.real.name[:40]}.", suffix=".replaced", dir=self.real.parent
            )
        )
        os.replace(self.real, old)
        os.replace(self.path, self.real)
        remove_ours(old, contents(old).ours)
        try:
            old.rmdir()
        except OSError:
            raise HospitaltwinError(
                f"{self.out}: written; files that appeared in it meanwhile were kept in {old}"
            ) from None

    def _write_beside(self, names: list[str], found: Contents) -> None:
        clash = tuple(n for n in names + [MANIFEST] if n in found.foreign)
        if clash:
            raise HospitaltwinError(
                f"{self.out}: would overwrite files hospitaltwin did not write "
                f"({_listed(clash)}); nothing was written"
            )
        for name in names:
            target = self.real / name
            if target.is_dir() and not target.is_symlink():
                remove_ours(self.real, (name,))
            os.replace(self.path / name, target)
        stale = tuple(
            n for n in found.ours if n not in names and n != MANIFEST and n != self.path.name
        )
        remove_ours(self.real, stale)
        os.replace(self.path / MANIFEST, self.real / MANIFEST)
        self.path.rmdir()


def check_file(path: str | Path) -> Path:
    """Check that ``path`` may be written as a file: absent, or a regular file (not a device).

    Raises
    ------
    HospitaltwinError
        When ``path`` is a folder, a device, a pipe or a socket.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise HospitaltwinError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise HospitaltwinError(f"{path}: is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise HospitaltwinError(
            f"{path}: is {_kind(info.st_mode)}, not a regular file; it is left alone"
        )
    return path


@contextmanager
def output_file(path: str | Path) -> Iterator[Path]:
    """Write one file atomically: yield a private temporary path, rename it to ``path`` on success.

    The temporary file is created with mode 0600 beside ``path`` (so the rename is atomic and
    the result stays private); after a failure it is removed and ``path`` is left as it was.

    Raises
    ------
    HospitaltwinError
        From :func:`check_file`, before anything is written.
    """
    path = check_file(Path(os.path.abspath(path)))
    make_folder(path.parent)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        check_file(path)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)

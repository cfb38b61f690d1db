"""User-facing errors: every problem names where it is (file, key path or line) and why.

Code anywhere in hospitaltwin raises :class:`HospitaltwinError` (or a subclass) for anything a
user can fix; the CLI prints its message and exits non-zero instead of showing a traceback.
:class:`Problem` is one located complaint; :class:`ConfigError` carries a list of them so a
user sees every problem in a file at once, not one per run.
"""

from __future__ import annotations

from dataclasses import dataclass


class HospitaltwinError(Exception):
    """An error the user can act on; its message is printed as is, without a traceback."""


@dataclass(frozen=True)
class Problem:
    """One located problem: ``file: key.path (line N): reason``."""

    file: str
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or "<inline>"
        if self.path:
            where += f": {self.path}"
        if self.line is not None:
            where += f" (line {self.line})"
        return f"{where}: {self.reason}"


class ConfigError(HospitaltwinError):
    """One or more problems in the files a user wrote."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

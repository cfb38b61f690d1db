"""User-facing errors: every problem names where it is (file, key path or line) and why.

Code anywhere in hospitaltwin raises :class:`HospitaltwinError` (or a subclass) for anything a
user can fix; the CLI prints its message and exits non-zero instead of showing a traceback.
:class:`Problem` is one located complaint; :class:`ConfigError` carries a list of them so a
user sees every problem in a file at once, not one per run. Whatever a message quotes from a
user's input goes through :func:`quote` (or :func:`shorten`): control characters escaped and at
most a few dozen characters, so a 10 MB field or a terminal escape sequence is never echoed.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

ECHO_CHARS = 60
"""How many characters of a user's value a message quotes."""
LINE_CHARS = 400
"""How long one located problem (file, key path and reason) may be when printed."""

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = ECHO_CHARS


def shorten(text: str, limit: int = LINE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out.

    Parameters
    ----------
    text : str
        A message, or a part of one, that may hold a user's input.
    limit : int
        Characters kept.

    Returns
    -------
    str
        ``text`` itself when short enough, else its start and ``… (N more characters)``.
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def quote(value: object, limit: int = ECHO_CHARS) -> str:
    """A user's value as a message may show it: quoted, escaped, at most ``limit`` characters.

    Strings are quoted with their control characters and escape sequences escaped (a name
    holding ``\\x1b[2J`` cannot clear a terminal); other values are shown as Python shows them,
    with long containers abbreviated. Use it wherever a message quotes what a user wrote.

    Examples
    --------
    >>> quote("ICU")
    "'ICU'"
    >>> quote("x" * 100, limit=5)
    "'xxxxx'… (95 more characters)"
    """
    if isinstance(value, str):
        head = repr(value[:limit])
        return head if len(value) <= limit else f"{head}… ({len(value) - limit} more characters)"
    try:
        return shorten(_REPR.repr(value), limit)
    except ValueError:  # an integer too long to print
        return f"<{type(value).__name__} too long to show>"


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
            where += f": {_printable(shorten(self.path, ECHO_CHARS * 2))}"
        if self.line is not None:
            where += f" (line {self.line})"
        return shorten(f"{where}: {_printable(self.reason)}")


def _printable(text: str) -> str:
    """``text`` with control characters escaped (a key path or reason quoting a user's input)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ConfigError(HospitaltwinError):
    """One or more problems in the files a user wrote."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

"""Keeping identifiers out of every column: pseudonyms for ids, masks for identifying free text.

Ingest calls :meth:`Masker.protect` on every frame a reader returns, before validation, so
that no raw identifier reaches an output file, a quarantine file, the store, a log line or an
error message. The live MLLP feed calls :meth:`Masker.protect_record` on each message's record,
which applies the same rule (:meth:`Masker.rule`) to one row:

- ``patient_id``, ``encounter_id`` and ``event_id`` become keyed pseudonyms
  (:mod:`hospitaltwin.eventlog.pseudonym`); the same id and key always give the same
  pseudonym, so ingest stays idempotent.
- Free text (``unit`` and ``from_unit`` when no unit map covers them, ``equipment``,
  ``source``, ``acuity``, ``event``) is kept only when it reads like vocabulary. A value that
  *looks like an identifier* becomes ``masked-`` and 16 hex digits of a keyed hash: equal
  values keep equal masks, so a masked category still counts as one category. A value looks
  like an identifier when it equals a raw patient or encounter id of the input of four or
  more characters (or has one as a word), has a word with four or more digits (record
  numbers, phone numbers, dates), holds an ``@``, or is longer than :data:`MAX_TEXT`
  characters. Names that a unit map covers are replaced by layout unit ids, a closed
  vocabulary.

:meth:`Masker.quarantine` applies the same rule to every text cell of quarantined rows (an
unreadable timestamp included, unless it is shaped like a date) and to every value quoted in
a reason, keeping file, line, problem and reason readable. Names of people in free text are
not recognised: map units with ``--map`` to keep unit names to the layout's vocabulary.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Container

import pandas as pd

from hospitaltwin.eventlog.mapping import UnitMap
from hospitaltwin.eventlog.pseudonym import DIGITS, PSEUDONYM_COLUMNS
from hospitaltwin.eventlog.schema import STRING_DTYPE, map_distinct

#: Longest free text kept as it is.
MAX_TEXT = 64
#: Shortest raw id looked for in free text.
MIN_ID_LENGTH = 4
MASK_PREFIX = "masked-"
FREE_TEXT = ("equipment", "source", "acuity", "event")
UNIT_COLUMNS = ("unit", "from_unit")
#: Every column :meth:`Masker.protect` changes.
PROTECTED = (*PSEUDONYM_COLUMNS, *FREE_TEXT, *UNIT_COLUMNS)
_MASKED = re.compile(r"masked-[0-9a-f]{16}")
_DIGITS = re.compile(r"\d")
_WORDS = re.compile(r"[^\s,;:/|()\[\]{}<>'\"=+*#]+")
_DATE_LIKE = re.compile(r"[+-]?\d{1,6}-\d{1,2}-\d{1,2}(?:[T ][\d:.,]+)?(?:Z|[+-]\d\d:?\d\d)?",
                        re.IGNORECASE)
_QUOTED = re.compile(r"'([^'\n]*)'")


def looks_identifying(value: str, ids: Container[str] = frozenset()) -> bool:
    """Whether free text may identify someone (see the module doc); ``ids`` are raw ids, of
    which those shorter than :data:`MIN_ID_LENGTH` are ignored."""
    if _MASKED.fullmatch(value):
        return False
    if len(value) > MAX_TEXT or "@" in value or _is_id(value, ids) or _is_id(value.strip(), ids):
        return True
    for word in _WORDS.findall(value):
        if _is_id(word, ids) or len(_DIGITS.findall(word)) >= 4:
            return True
        if any(_is_id(part, ids) for part in re.split(r"[-_.]", word)):
            return True
    return False


def _is_id(text: str, ids: Container[str]) -> bool:
    return len(text) >= MIN_ID_LENGTH and text in ids


class Masker:
    """Pseudonymises ids and masks identifying free text with one key (see the module doc).

    Parameters
    ----------
    key : bytes
        The pseudonymisation key.
    ids : set of str, or any container of str
        The raw patient and encounter ids of the inputs (kept in memory only). Ids shorter
        than :data:`MIN_ID_LENGTH` are too common as words (``ED``) to be looked for.
    """

    def __init__(self, key: bytes, ids: Container[str]) -> None:
        self.key = key
        self.ids = ids
        self._keyed = hmac.new(key, b"text\x00", hashlib.sha256)
        self._ids = {column: hmac.new(key, domain + b"\x00", hashlib.sha256)
                     for column, domain in PSEUDONYM_COLUMNS.items()}
        self._masks: dict[str, str] = {}

    def mask(self, value: str) -> str:
        """``value``, or its mask when it looks like an identifier."""
        known = self._masks.get(value)
        if known is None:
            known = self._masks[value] = self._mask(value)
        return known

    def _mask(self, value: str) -> str:
        if not looks_identifying(value, self.ids):
            return value
        digest = self._keyed.copy()
        digest.update(value.encode("utf-8", errors="surrogatepass"))
        return MASK_PREFIX + digest.hexdigest()[:16]

    def rule(self, column: str, units: UnitMap) -> Callable[[str], str] | None:
        """What a (stripped, non-blank) value of ``column`` becomes; None: kept as it is.

        Ids become pseudonyms; free text is masked where it looks like an identifier; unit
        names too, unless ``units`` maps them (validation then replaces them by layout ids).
        """
        if column in self._ids:
            return self._pseudonym(self._ids[column])
        if column in FREE_TEXT or (column in UNIT_COLUMNS and units.identity):
            return self.mask
        if column in UNIT_COLUMNS:
            return lambda name: name if units.lookup(name) is not None else self.mask(name)
        return None

    @staticmethod
    def _pseudonym(keyed) -> Callable[[str], str]:
        def one(value: str) -> str:
            digest = keyed.copy()
            digest.update(value.encode("utf-8", errors="surrogatepass"))
            return digest.hexdigest()[:DIGITS]
        return one

    def text(self, values: pd.Series) -> pd.Series:
        """A column of free text with identifying values masked (each distinct value once)."""
        return map_distinct(values, self.mask)

    def shown(self, values: pd.Series) -> pd.Series:
        """Text to quote in a reason: date-shaped values as they are, others masked."""
        return map_distinct(values, self._shown_one)

    def _shown_one(self, value: str) -> str:
        return value if _DATE_LIKE.fullmatch(value.strip()) else self.mask(value)

    def protect(self, frame: pd.DataFrame, units: UnitMap) -> pd.DataFrame:
        """A reader's frame with ids pseudonymised and identifying free text masked.

        Unit names that ``units`` maps are left for validation to replace by layout ids.
        """
        out = frame.copy()
        for column in PROTECTED:
            if column in out:
                out[column] = map_distinct(out[column], self.rule(column, units))
        return out

    def protect_record(self, record: dict, units: UnitMap) -> dict:
        """One reader record protected as :meth:`protect` protects a frame's row.

        Values must be stripped text, None when blank (as a reader's frame holds them).
        """
        out = dict(record)
        for column in PROTECTED:
            if out.get(column) is not None:
                out[column] = self.rule(column, units)(out[column])
        return out

    def quarantine(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Quarantined rows with every identifying text cell and quoted value masked."""
        out = frame.copy()
        if out.empty:
            return out
        for column in out.columns:
            if column in ("source_file", "source_line", "problem", "patient_id",
                          "encounter_id", "event_id"):
                continue
            values = out[column].astype(STRING_DTYPE)
            if column == "reason":
                out[column] = map_distinct(values, self._reason)
            else:
                out[column] = self.shown(values)
        return out

    def _reason(self, text: str) -> str:
        return _QUOTED.sub(lambda m: "'" + self._shown_one(m.group(1)) + "'", text)

"""HL7 acknowledgements (original mode): ``MSA-1`` AA, AE or AR, ``MSA-2`` the message's MSH-10.

For a message that parses, the ACK is built by python-hl7 (``Message.create_ack``: the
sender and receiver swapped, the trigger event, processing id and version copied, a new
control id) and MSA-3 carries the reason of an AE or AR. A block that is not HL7 at all gets
an ACK built here with the standard separators and an empty MSA-2, since there is no control
id to echo. Reasons never contain an identifier: they are the store's quarantine reasons,
which ingest has already redacted, or a fixed text.
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime

import hl7

_ids = itertools.count(1)
MAX_TEXT = 80  # MSA-3 is an ST of up to 80 characters


def _control_id() -> str:
    return f"HT{os.getpid()}{next(_ids):09d}"


def build_ack(text: str, code: str, reason: str | None = None) -> str:
    """The ACK (segments separated by CR) of a received block ``text``."""
    try:
        message = hl7.parse(text.replace("\r\n", "\r").replace("\n", "\r").strip("\r"))
        ack = message.create_ack(ack_code=code, message_id=_control_id())
    except Exception:  # noqa: BLE001  (python-hl7 raises many types on broken input)
        return plain_ack(code, reason)
    if reason:
        ack.segment("MSA").assign_field(message.escape(reason[:MAX_TEXT]), 3)
    return str(ack)


def plain_ack(code: str, reason: str | None = None, control_id: str = "") -> str:
    """An ACK with standard separators, for a block that is not HL7."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    text = "".join(c for c in (reason or "")[:MAX_TEXT] if c not in "|^~\\&\r\n")
    return "\r".join([f"MSH|^~\\&|HOSPITALTWIN||||{stamp}||ACK|{_control_id()}|P|2.5",
                      f"MSA|{code}|{control_id}|{text}"])

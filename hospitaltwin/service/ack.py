"""HL7 acknowledgements (original mode): ``MSA-1`` AA, AE or AR, ``MSA-2`` the message's MSH-10.

For a message that parses, the ACK is python-hl7's (``Message.create_ack``: the sender and
receiver swapped, the trigger event, processing id and version copied, a new control id) and
MSA-3 carries the reason of an AE or AR. Parsing a whole message with python-hl7 costs about
a millisecond, more than storing it; so, as the HL7 reader does for its fields, the same ACK
is first built directly from the MSH segment's text (:func:`direct_ack`), which declines a
segment with escape sequences or an odd shape, and a property test holds the two to the same
answers. A block that is not HL7 at all gets
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
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    direct = direct_ack(text, code, reason, _control_id(), stamp)
    if direct is not None:
        return direct
    return library_ack(text, code, reason)


def direct_ack(text: str, code: str, reason: str | None, control_id: str,
               stamp: str) -> str | None:
    """The ACK python-hl7 would build, from the MSH text; None when python-hl7 must."""
    msh = text.split("\r", 1)[0].split("\n", 1)[0]
    if not msh.startswith("MSH") or len(msh) < 8:
        return None
    sep = msh[3]
    end = msh.find(sep, 4)
    enc = msh[4:end] if end > 0 else ""
    if len(enc) != 4 or sep in enc or sep.isalnum() or enc[2] in msh[end:]:
        return None
    if reason and any(c in reason for c in (sep, *enc, "\r", "\n")):
        return None
    fields = msh.split(sep)

    def get(n: int) -> str:  # MSH-n
        return fields[n - 1] if n - 1 < len(fields) else ""

    kind = get(9).split(enc[1], 1)[0].split(enc[0])
    trigger = kind[1] if len(kind) > 1 else ""
    head = [f"MSH{sep}{enc}", get(5), get(6), get(3), get(4), stamp, "",
            f"ACK{enc[0]}{trigger}{enc[0]}ACK", control_id, get(11), get(12)]
    msa = ["MSA", code, get(10)] + ([reason[:MAX_TEXT]] if reason else [])
    return sep.join(head) + "\r" + sep.join(msa) + "\r"


def library_ack(text: str, code: str, reason: str | None = None,
                control_id: str | None = None) -> str:
    """The ACK built by python-hl7 (any well-formed message)."""
    try:
        message = hl7.parse(text.replace("\r\n", "\r").replace("\n", "\r").strip("\r"))
        ack = message.create_ack(ack_code=code, message_id=control_id or _control_id())
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

"""ACKs: the direct build from the MSH text equals python-hl7's ``create_ack``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hospitaltwin.service.ack import build_ack, direct_ack, library_ack, plain_ack
from tests.service.adt import START, message

STAMP, CONTROL = "20250303120000", "HT1"
field = st.text(alphabet="ABCXYZ019 .-_", max_size=8)
special = st.sampled_from(["", "A\\F\\B", "X&Y", "Q~R", "^"])


@settings(max_examples=300, deadline=None)
@given(app=field, facility=field | special, receiver=field, trigger=st.sampled_from(
    ["A01", "A03", "", "A08^ADT_A01"]), control=field | special, version=field,
    processing=st.sampled_from(["P", "T", ""]), code=st.sampled_from(["AA", "AE", "AR"]),
    reason=st.none() | st.sampled_from(["bad timestamp '2025139945'", "unmapped unit 'X|Y'"]),
    tail=st.sampled_from(["", "|", "|||AL|NE"]))
def test_direct_ack_is_the_library_ack(app, facility, receiver, trigger, control, version,
                                       processing, code, reason, tail):
    text = (f"MSH|^~\\&|{app}|{facility}|{receiver}|GEN|20250303060000||ADT^{trigger}|{control}|"
            f"{processing}|{version}{tail}\rEVN|A01|20250303060000\rPID|1||MRN1")
    direct = direct_ack(text, code, reason, CONTROL, STAMP)
    expected = library_ack(text, code, reason, CONTROL)
    expected = expected.replace(expected.split("|")[6], STAMP, 1)  # python-hl7 stamps now
    if direct is not None:
        assert direct == expected


def test_acks_echo_the_control_id_and_carry_the_reason():
    text = message("A01", "C123", START, "MRN1", "ICU")
    ok = build_ack(text, "AA").split("\r")
    assert ok[0].startswith("MSH|^~\\&|TWIN|GEN|EPIC|GEN|") and "|ACK^A01^ACK|" in ok[0]
    assert ok[1] == "MSA|AA|C123"
    error = build_ack(text, "AE", "bad timestamp '2025139945'").split("\r")
    assert error[1] == "MSA|AE|C123|bad timestamp '2025139945'"
    assert direct_ack(text, "AA", None, CONTROL, STAMP) is not None  # the usual, fast path
    assert plain_ack("AR", "not HL7|x").split("\r")[1] == "MSA|AR||not HL7x"
    assert build_ack("not an HL7 message", "AR", "no MSH").split("\r")[1] == "MSA|AR||no MSH"

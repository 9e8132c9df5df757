"""The protocol core frame by frame: what a charger sends, what the session says to do about it."""

from __future__ import annotations

import itertools

import orjson
import pytest

from steppe.ocpp.errors import ErrorKind, OcppError, wire_code
from steppe.ocpp.rpc import Call, FrameError, encode_error, parse_frame
from steppe.ocpp.session import (
    CallAnswered,
    CallFailed,
    Ignored,
    IncomingCall,
    Reply,
    RpcSession,
    SessionBusy,
)
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import SUPPORTED_SUBPROTOCOLS, OcppVersion

REGISTRY = SchemaRegistry()
BOOT16 = {"chargePointVendor": "V", "chargePointModel": "M"}
METER = {
    "connectorId": 1,
    "meterValue": [{"timestamp": "2026-11-01T08:30:00Z", "sampledValue": [{"value": "10"}]}],
}


def session(version: OcppVersion = OcppVersion.V16, **kwargs: object) -> RpcSession:
    ids = (f"srv-{n}" for n in itertools.count(1))
    return RpcSession(version, REGISTRY, new_id=lambda: next(ids), **kwargs)  # type: ignore[arg-type]


def frame(*parts: object) -> str:
    return orjson.dumps(list(parts)).decode()


def error_of(event: object) -> list[object]:
    assert type(event) is Reply, event
    decoded = orjson.loads(event.text)
    assert decoded[0] == 4
    return list(decoded)


def test_subprotocols_are_offered_newest_first() -> None:
    """When a charger offers several, 2.1 is preferred to 2.0.1, and 2.0.1 to 1.6."""
    assert SUPPORTED_SUBPROTOCOLS == ("ocpp2.1", "ocpp2.0.1", "ocpp1.6")
    assert OcppVersion.from_subprotocol("ocpp1.6") is OcppVersion.V16


def test_a_valid_call_is_handed_on_and_its_answer_is_encoded() -> None:
    """A valid BootNotification becomes an IncomingCall; the answer is a CALLRESULT with its id."""
    s = session()
    event = s.receive(frame(2, "m-1", "BootNotification", BOOT16))
    assert type(event) is IncomingCall and event.action == "BootNotification"
    answer = {"status": "Accepted", "currentTime": "2026-01-01T00:00:00Z", "interval": 300}
    assert orjson.loads(s.answer(event, answer)) == [3, "m-1", answer]


def test_a_resent_frame_gets_the_same_answer_without_being_handled_again() -> None:
    """Same message id and content after a lost reply: the cached answer, not a second handling."""
    s = session()
    raw = frame(2, "m-1", "Heartbeat", {})
    first = s.receive(raw)
    assert type(first) is IncomingCall
    text = s.answer(first, {"currentTime": "2026-01-01T00:00:00Z"})
    again = s.receive(raw)
    assert again == Reply(text)
    other = s.receive(frame(2, "m-1", "Heartbeat", {"x": 1}))  # same id, other content
    assert type(other) is Reply and error_of(other)[2] == "FormationViolation"


@pytest.mark.parametrize(
    ("raw", "v16_code", "v201_code", "message_id"),
    [
        ("not json", "FormationViolation", "RpcFrameworkError", "-1"),
        ('{"a": 1}', "FormationViolation", "RpcFrameworkError", "-1"),
        ("[2]", "FormationViolation", "RpcFrameworkError", "-1"),
        ('[2, 5, "Heartbeat", {}]', "FormationViolation", "RpcFrameworkError", "-1"),
        ('[2, "m", "Heartbeat"]', "FormationViolation", "RpcFrameworkError", "m"),
        ('[2, "m", "Heartbeat", []]', "FormationViolation", "FormatViolation", "m"),
        ('[7, "m", "Heartbeat", {}]', "FormationViolation", "MessageTypeNotSupported", "m"),
    ],
)
def test_unreadable_frames_get_the_code_each_version_names(
    raw: str, v16_code: str, v201_code: str, message_id: str
) -> None:
    """Broken frames are answered with a CALLERROR; the id is -1 when it could not be read."""
    for version, code in ((OcppVersion.V16, v16_code), (OcppVersion.V201, v201_code)):
        answer = error_of(session(version).receive(raw))
        assert answer[1] == message_id and answer[2] == code, (version, answer)


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ({"chargePointVendor": "V"}, ErrorKind.OCCURRENCE_CONSTRAINT),
        ({"chargePointVendor": 7, "chargePointModel": "M"}, ErrorKind.TYPE_CONSTRAINT),
        ({"chargePointVendor": "V" * 21, "chargePointModel": "M"}, ErrorKind.PROPERTY_CONSTRAINT),
        ({**BOOT16, "surprise": True}, ErrorKind.FORMAT),
    ],
)
def test_schema_failures_name_the_rule_that_failed(
    payload: dict[str, object], kind: ErrorKind
) -> None:
    """Missing, mistyped, too long and unknown fields each get their own OCPP code."""
    answer = error_of(session().receive(frame(2, "m-9", "BootNotification", payload)))
    assert answer[1] == "m-9" and answer[2] == wire_code(kind, OcppVersion.V16)
    assert "BootNotification" in answer[3]


@pytest.mark.parametrize("as_bytes", [False, True], ids=["text", "binary"])
def test_integers_beyond_64_bits_are_refused_before_they_reach_storage(as_bytes: bool) -> None:
    """A connectorId of 2**63 is a PropertyConstraintViolation, not an internal error; 2**63 - 1
    and 19 digits inside a string are not refused."""

    def status(connector: int, info: str = "") -> str | bytes:
        payload = {"connectorId": connector, "errorCode": "NoError", "status": "Available"}
        if info:
            payload["info"] = info
        raw = frame(2, "m-2", "StatusNotification", payload)
        return raw.encode() if as_bytes else raw

    answer = error_of(session().receive(status(2**63)))
    assert answer[2] == "PropertyConstraintViolation"
    assert "64-bit" in answer[3]
    assert type(session().receive(status(2**63 - 1))) is IncomingCall
    assert type(session().receive(status(1, info="9" * 25))) is IncomingCall


def test_unknown_actions_pass_through_for_the_dispatcher_to_refuse() -> None:
    """An action no schema knows is handed on (the dispatcher answers NotImplemented)."""
    event = session().receive(frame(2, "m-3", "MakeCoffee", {}))
    assert type(event) is IncomingCall and event.action == "MakeCoffee"


def test_one_outgoing_call_in_flight_and_its_answer_is_matched() -> None:
    """A second call waits until the first is answered; the answer is validated and matched."""
    s = session()
    pending, text = s.start_call("ClearCache", {})
    assert orjson.loads(text) == [2, "srv-1", "ClearCache", {}]
    with pytest.raises(SessionBusy):
        s.start_call("ClearCache", {})
    assert type(s.receive(frame(3, "other", {"status": "Accepted"}))) is Ignored
    answered = s.receive(frame(3, pending.message_id, {"status": "Accepted"}))
    assert answered == CallAnswered("srv-1", "ClearCache", {"status": "Accepted"})
    assert s.pending is None
    s.start_call("ClearCache", {})  # free again


def test_a_callerror_or_an_invalid_answer_fails_the_call() -> None:
    """The charger's CALLERROR, or a CALLRESULT breaking the schema, fails the call in flight."""
    s = session()
    pending, _ = s.start_call("ClearCache", {})
    failed = s.receive(frame(4, pending.message_id, "NotSupported", "no", {}))
    assert type(failed) is CallFailed and failed.code == "NotSupported"
    pending, _ = s.start_call("ClearCache", {})
    failed = s.receive(frame(3, pending.message_id, {"status": "Maybe"}))
    assert type(failed) is CallFailed and failed.code == "PropertyConstraintViolation"


def test_a_cancelled_call_frees_the_slot_and_its_late_answer_is_ignored() -> None:
    """When the transport stops waiting (its deadline passed), the call is cancelled: the next
    one may start, and the first call's answer arriving late is ignored, not taken for the
    second's."""
    s = session()
    first, _ = s.start_call("ClearCache", {})
    with pytest.raises(SessionBusy):
        s.start_call("ClearCache", {})
    s.cancel_pending()
    second, _ = s.start_call("ClearCache", {})
    late = s.receive(frame(3, first.message_id, {"status": "Accepted"}))
    assert type(late) is Ignored and first.message_id in late.reason
    assert s.pending == second
    answered = s.receive(frame(3, second.message_id, {"status": "Rejected"}))
    assert answered == CallAnswered(second.message_id, "ClearCache", {"status": "Rejected"})


def test_outgoing_payloads_are_checked_against_the_schema() -> None:
    """Steppe never sends a charger a payload its schema refuses."""
    with pytest.raises(OcppError) as refused:
        session().start_call("Reset", {"type": "Sideways"})
    assert refused.value.kind is ErrorKind.PROPERTY_CONSTRAINT
    with pytest.raises(OcppError):
        session().start_call("RequestStartTransaction", {})  # not a 1.6 action


def test_frames_round_trip_and_errors_carry_minus_one_without_an_id() -> None:
    """parse_frame reads what the encoders write; an unreadable id becomes "-1"."""
    assert parse_frame(frame(2, "a", "Heartbeat", {})) == Call("a", "Heartbeat", {})
    assert orjson.loads(encode_error(None, "GenericError", "x"))[1] == "-1"
    with pytest.raises(FrameError):
        parse_frame(frame(2, "x" * 37, "Heartbeat", {}))


def test_an_empty_answer_is_judged_by_its_own_action_every_time() -> None:
    """The verdict on `{}` is remembered only for actions whose answer schema accepts it: an
    empty BootNotification answer (status and interval required) is refused each time, an
    empty MeterValues answer is accepted each time."""
    s = session()
    for attempt in range(3):
        boot = s.receive(frame(2, f"b-{attempt}", "BootNotification", BOOT16))
        assert type(boot) is IncomingCall
        with pytest.raises(OcppError) as refused:
            s.answer(boot, {})
        assert refused.value.kind is ErrorKind.OCCURRENCE_CONSTRAINT
        meter = s.receive(frame(2, f"m-{attempt}", "MeterValues", METER))
        assert type(meter) is IncomingCall
        assert orjson.loads(s.answer(meter, {})) == [3, f"m-{attempt}", {}]

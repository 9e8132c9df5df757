"""OCPP 2.1's two new frames, CALLRESULTERROR (5) and SEND (6): for 2.1 only."""

from __future__ import annotations

import itertools

import orjson
import pytest

from steppe.ocpp.session import CallFailed, Ignored, IncomingCall, Reply, RpcSession
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion

REGISTRY = SchemaRegistry()
STREAM = {"id": 1, "pending": 0, "basetime": "2026-11-02T08:00:00Z", "data": [{"t": 0, "v": "7"}]}


def session(version: OcppVersion) -> RpcSession:
    ids = (f"srv-{n}" for n in itertools.count(1))
    return RpcSession(version, REGISTRY, new_id=lambda: next(ids))


def frame(*parts: object) -> str:
    return orjson.dumps(list(parts)).decode()


def test_a_21_send_is_handled_and_never_answered() -> None:
    """A valid SEND becomes a call marked `send`; an invalid one is dropped, not answered."""
    s = session(OcppVersion.V21)
    event = s.receive(frame(6, "s-1", "NotifyPeriodicEventStream", STREAM))
    assert type(event) is IncomingCall and event.send and event.payload == STREAM
    broken = s.receive(frame(6, "s-2", "NotifyPeriodicEventStream", {"id": "x"}))
    assert type(broken) is Ignored and "invalid SEND" in broken.reason
    assert type(s.receive(frame(6, "s-3", "NotifyPeriodicEventStream"))) is Ignored


def test_a_21_callresulterror_is_taken_without_an_answer() -> None:
    """The station saying it could not use one of our answers is noted, never answered."""
    event = session(OcppVersion.V21).receive(frame(5, "m-1", "FormatViolation", "bad", {}))
    assert type(event) is Ignored and "FormatViolation" in event.reason


def test_a_bad_answer_from_a_21_station_is_told_with_a_callresulterror() -> None:
    """An invalid CALLRESULT fails our call and, in 2.1 only, goes back as CALLRESULTERROR."""
    for version, told in ((OcppVersion.V21, True), (OcppVersion.V201, False)):
        s = session(version)
        pending, _ = s.start_call(
            "GetTariffs" if told else "ClearCache", {"evseId": 0} if told else {}
        )
        failed = s.receive(frame(3, pending.message_id, {"status": 7}))
        assert type(failed) is CallFailed
        if told:
            assert failed.reply is not None
            assert orjson.loads(failed.reply)[:3] == [
                5,
                pending.message_id,
                "TypeConstraintViolation",
            ]
        else:
            assert failed.reply is None


@pytest.mark.parametrize(
    ("version", "code"),
    [(OcppVersion.V16, "FormationViolation"), (OcppVersion.V201, "MessageTypeNotSupported")],
)
@pytest.mark.parametrize("kind", [5, 6])
def test_older_versions_answer_types_5_and_6_as_before(
    version: OcppVersion, code: str, kind: int
) -> None:
    """1.6 and 2.0.1 do not know types 5 and 6: answered with the CALLERROR they always got."""
    raw = (
        frame(kind, "m", "NotifyPeriodicEventStream", STREAM)
        if kind == 6
        else frame(kind, "m", "X", "y", {})
    )
    event = session(version).receive(raw)
    assert type(event) is Reply
    assert orjson.loads(event.text)[:3] == [4, "m", code]

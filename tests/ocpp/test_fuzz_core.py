"""Property tests over the protocol core: whatever arrives, parse_frame and RpcSession.receive
answer with their documented results and nothing else."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from steppe.ocpp.rpc import Call, CallError, CallResult, FrameError, parse_frame
from steppe.ocpp.session import CallAnswered, CallFailed, Ignored, IncomingCall, Reply, RpcSession
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion
from tests.fuzzing import WIRE_CODES, frames

BOUNDED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REGISTRY = SchemaRegistry()


@BOUNDED
@given(raw=frames)
def test_parse_frame_returns_a_frame_or_raises_frame_error(raw: str | bytes) -> None:
    """parse_frame never raises anything but FrameError, and a FrameError names its kind."""
    try:
        frame = parse_frame(raw)
    except FrameError as error:
        assert error.description
        assert error.message_id is None or len(error.message_id) <= 36
        return
    assert type(frame) in (Call, CallResult, CallError)
    assert len(frame.message_id) <= 36


@pytest.mark.parametrize("version", list(OcppVersion))
@BOUNDED
@given(raw=frames)
def test_session_receive_answers_only_with_documented_events(
    version: OcppVersion, raw: str | bytes
) -> None:
    """receive() never raises; a Reply is a well-formed CALLERROR with a code of that version."""
    session = RpcSession(version, REGISTRY)
    event = session.receive(raw)
    assert type(event) in (IncomingCall, Reply, Ignored, CallAnswered, CallFailed)
    if type(event) is Reply:
        message_type, message_id, code, description, details = orjson.loads(event.text)
        assert message_type == 4
        assert isinstance(message_id, str) and 1 <= len(message_id) <= 36
        assert code in WIRE_CODES[version]
        assert isinstance(description, str)
        assert isinstance(details, dict)
    elif type(event) is IncomingCall:
        assert isinstance(event.payload, dict)
        assert isinstance(event.action, str)
    else:
        assert type(event) is Ignored  # nothing is in flight, so nothing can be answered


@BOUNDED
@given(raw=frames)
def test_session_with_a_call_in_flight_settles_it_only_with_its_own_id(raw: str | bytes) -> None:
    """With Steppe's call in flight, a random frame settles it only if it carries that id."""
    session = RpcSession(OcppVersion.V16, REGISTRY, new_id=lambda: "ours")
    session.start_call("Reset", {"type": "Soft"})
    event = session.receive(raw)
    if type(event) in (CallAnswered, CallFailed):
        assert event.message_id == "ours"  # type: ignore[union-attr]
        assert session.pending is None
    else:
        assert session.pending is not None

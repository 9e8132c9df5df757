"""One charger's RPC state, free of I/O: what came in, what to answer, the call in flight.

The transport feeds every received frame to `receive()` and acts on the event it returns:

    IncomingCall   a valid CALL to hand to the dispatcher; answer with `answer()` or `fail()`;
                   with `send` set, a 2.1 SEND: handled the same way, and never answered
    Reply          send `text` now (a CALLERROR for a bad frame, or the cached answer to a resend)
    CallAnswered   the CALLRESULT to Steppe's own call in flight
    CallFailed     the CALLERROR to Steppe's own call in flight (or an invalid CALLRESULT; in
                   2.1, `reply` is then the CALLRESULTERROR to send back)
    Ignored        nothing to do; `reason` says why (logged by the transport), e.g. a 2.1
                   CALLRESULTERROR (the station could not use one of Steppe's answers)

Steppe's own calls go out with `start_call()`: one in flight at a time (OCPP-J section 4.1.1).
How long to wait for the answer is the transport's to decide (it has the clock and the timer);
when it gives up, or the connection goes, it calls `cancel_pending()` and a late answer is then
ignored.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from steppe.errors import ProtocolError
from steppe.ocpp.errors import ErrorKind, OcppError, wire_code
from steppe.ocpp.rpc import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    FrameError,
    Send,
    encode_call,
    encode_error,
    encode_result,
    encode_result_error,
    parse_frame,
)
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion

# Integers the database can hold (signed 64-bit); JSON allows any size.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
# Only an integer of 19 or more digits can be outside that range, and only then is the payload
# walked. To find a run of 19 digits, every byte of the frame becomes "0" (an ASCII digit) or
# " " (anything else) and the run is searched for as a plain substring: a fifth of the cost of a
# regular expression over the frame, which was a fifth of the OCPP layer's time per message.
_DIGIT_BYTES = bytes(0x30 if 0x30 <= c <= 0x39 else 0x20 for c in range(256))
_NINETEEN_DIGITS = b"0" * 19


def _long_digit_run(raw: str | bytes) -> bool:
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    return _NINETEEN_DIGITS in data.translate(_DIGIT_BYTES)


def _oversized_int(value: object) -> bool:
    if type(value) is int:
        return not _INT_MIN <= value <= _INT_MAX
    if type(value) is dict:
        return any(_oversized_int(v) for v in value.values())
    if type(value) is list:
        return any(_oversized_int(v) for v in value)
    return False


@dataclass(frozen=True, slots=True)
class IncomingCall:
    message_id: str
    action: str
    payload: dict[str, Any]
    raw: str | bytes
    send: bool = False  # a 2.1 SEND: handled, never answered


@dataclass(frozen=True, slots=True)
class Reply:
    text: str


@dataclass(frozen=True, slots=True)
class CallAnswered:
    message_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallFailed:
    message_id: str
    action: str
    code: str
    description: str
    details: dict[str, Any]
    reply: str | None = None  # 2.1: the CALLRESULTERROR telling the station its answer was bad


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


Event = IncomingCall | Reply | CallAnswered | CallFailed | Ignored


@dataclass(frozen=True, slots=True)
class PendingCall:
    message_id: str
    action: str


class SessionBusy(ProtocolError):
    """Steppe already has a call in flight to this charger."""


def _uuid() -> str:
    return str(uuid.uuid4())


class RpcSession:
    """The RPC state of one connection."""

    __slots__ = (
        "_new_id",
        "_replay_size",
        "_replies",
        "pending",
        "registry",
        "v21",
        "version",
    )

    def __init__(
        self,
        version: OcppVersion,
        registry: SchemaRegistry,
        *,
        new_id: Callable[[], str] = _uuid,
        replay_size: int = 4,
    ) -> None:
        self.version = version
        self.v21 = version is OcppVersion.V21  # CALLRESULTERROR and SEND frames exist
        self.registry = registry
        self.pending: PendingCall | None = None
        self._new_id = new_id
        self._replay_size = replay_size
        # message id -> (raw frame, answer): a charger that lost our answer resends the same frame.
        self._replies: OrderedDict[str, tuple[str | bytes, str]] = OrderedDict()

    # -- incoming ---------------------------------------------------------------------------------

    def receive(self, raw: str | bytes) -> Event:
        """What to do about one received frame. Never raises."""
        try:
            frame = parse_frame(raw, v21=self.v21)
        except FrameError as exc:
            if not exc.answerable_in(v21=self.v21):
                return Ignored(f"malformed frame, not to be answered: {exc.description}")
            code = wire_code(exc.kind, self.version)
            return Reply(encode_error(exc.message_id, code, exc.description))
        if type(frame) is Call:
            return self._incoming(frame, raw)
        if type(frame) is CallResult:
            return self._result(frame)
        if type(frame) is Send:
            return self._send(frame, raw)
        if type(frame) is CallResultError:
            return Ignored(
                f"the station could not use Steppe's answer {frame.message_id!r}: "
                f"{frame.code} {frame.description}"
            )
        assert type(frame) is CallError
        return self._error(frame)

    def _send(self, send: Send, raw: str | bytes) -> Event:
        """A 2.1 SEND: checked like a CALL, but a bad one is dropped (nothing is answered)."""
        registry = self.registry
        if not registry.knows(self.version, send.action):
            return Ignored(f"SEND of unknown action {send.action}")
        try:
            registry.validate_request(self.version, send.action, send.payload)
        except OcppError as error:
            return Ignored(f"invalid SEND {send.action}: {error.description}")
        return IncomingCall(send.message_id, send.action, send.payload, raw, send=True)

    def _incoming(self, call: Call, raw: str | bytes) -> Event:
        cached = self._replies.get(call.message_id)
        if cached is not None and cached[0] == raw:
            return Reply(cached[1])
        registry = self.registry
        if registry.knows(self.version, call.action):
            try:
                registry.validate_request(self.version, call.action, call.payload)
            except OcppError as error:
                return Reply(self._error_text(call, error))
        if _long_digit_run(raw) and _oversized_int(call.payload):
            too_big = OcppError(
                ErrorKind.PROPERTY_CONSTRAINT, "an integer is outside the signed 64-bit range"
            )
            return Reply(self._error_text(call, too_big))
        return IncomingCall(call.message_id, call.action, call.payload, raw)

    def _result(self, result: CallResult) -> Event:
        pending = self.pending
        if pending is None or pending.message_id != result.message_id:
            return Ignored(f"CALLRESULT {result.message_id!r} answers no call in flight")
        self.pending = None
        try:
            self.registry.validate_response(self.version, pending.action, result.payload)
        except OcppError as error:
            code = wire_code(error.kind, self.version)
            reply = None
            if self.v21:
                reply = encode_result_error(result.message_id, code, error.description)
            return CallFailed(
                result.message_id,
                pending.action,
                code,
                f"invalid answer: {error.description}",
                {},
                reply,
            )
        return CallAnswered(result.message_id, pending.action, result.payload)

    def _error(self, error: CallError) -> Event:
        pending = self.pending
        if pending is None or pending.message_id != error.message_id:
            return Ignored(f"CALLERROR {error.message_id!r} answers no call in flight")
        self.pending = None
        return CallFailed(
            error.message_id, pending.action, error.code, error.description, error.details
        )

    def answer(self, call: IncomingCall, payload: dict[str, Any]) -> str:
        """The CALLRESULT frame for `call`; raises OcppError if `payload` breaks the schema."""
        if self.registry.knows(self.version, call.action):
            self.registry.validate_response(self.version, call.action, payload)
        return self._remember(call.message_id, call.raw, encode_result(call.message_id, payload))

    def fail(self, call: IncomingCall, error: OcppError) -> str:
        """The CALLERROR frame for `call` (not replayed: a resend is handled afresh)."""
        return self._error_text(call, error)

    def _error_text(self, call: Call | IncomingCall, error: OcppError) -> str:
        code = wire_code(error.kind, self.version)
        return encode_error(call.message_id, code, error.description, error.details)

    def _remember(self, message_id: str, raw: str | bytes, text: str) -> str:
        replies = self._replies
        replies[message_id] = (raw, text)
        if len(replies) > self._replay_size:
            replies.popitem(last=False)
        return text

    # -- outgoing ---------------------------------------------------------------------------------

    def start_call(self, action: str, payload: dict[str, Any]) -> tuple[PendingCall, str]:
        """Begin Steppe's own call: the pending call and the frame to send.

        Raises SessionBusy while another call is in flight (until it is answered or cancelled)
        and OcppError if `payload` breaks the schema of `action`.
        """
        if self.pending is not None:
            raise SessionBusy(f"{self.pending.action} is still in flight")
        if not self.registry.knows(self.version, action):
            raise OcppError(
                ErrorKind.NOT_SUPPORTED, f"OCPP {self.version.value} has no action {action}"
            )
        self.registry.validate_request(self.version, action, payload)
        pending = PendingCall(self._new_id(), action)
        self.pending = pending
        return pending, encode_call(pending.message_id, action, payload)

    def cancel_pending(self) -> None:
        """Forget the call in flight (the transport stopped waiting for it, or the connection
        closed): its answer, if it still comes, is ignored, and the next call may start."""
        self.pending = None

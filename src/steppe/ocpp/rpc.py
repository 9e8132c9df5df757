"""OCPP-J frames: CALL [2, id, action, payload], CALLRESULT [3, id, payload],
CALLERROR [4, id, code, description, details], and from OCPP 2.1 on CALLRESULTERROR
[5, id, code, description, details] (the answer to a CALLRESULT that could not be used) and
SEND [6, id, action, payload] (a message that gets no answer). Parsing and serialising, nothing
else."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import orjson

from steppe.errors import ProtocolError
from steppe.ocpp.errors import ErrorKind

# OCPP message ids are at most 36 characters (a UUID); longer ones are refused.
MAX_MESSAGE_ID = 36
# The id a CALLERROR carries when the message id could not be read (OCPP 2.0.1 4.2.3).
UNKNOWN_ID = "-1"


class MessageType(IntEnum):
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    CALLRESULTERROR = 5  # OCPP 2.1
    SEND = 6  # OCPP 2.1


@dataclass(frozen=True, slots=True)
class Call:
    message_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallError:
    message_id: str
    code: str
    description: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Send:
    """An OCPP 2.1 SEND: like a CALL, but never answered."""

    message_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResultError:
    """An OCPP 2.1 CALLRESULTERROR: the peer could not use our CALLRESULT to its call."""

    message_id: str
    code: str
    description: str
    details: dict[str, Any] = field(default_factory=dict)


Frame = Call | CallResult | CallError | Send | CallResultError


class FrameError(ProtocolError):
    """A frame that is not valid OCPP-J.

    `message_id` is the id when it could be read (else None) and `message_type` the type number
    when it could be read: a broken CALLRESULT or CALLERROR (and in 2.1 a broken
    CALLRESULTERROR or SEND: see `answerable_in`) is not answered, anything else is.
    """

    def __init__(
        self,
        kind: ErrorKind,
        description: str,
        *,
        message_id: str | None = None,
        message_type: int | None = None,
    ) -> None:
        super().__init__(description)
        self.kind = kind
        self.description = description
        self.message_id = message_id
        self.message_type = message_type

    @property
    def answerable(self) -> bool:
        return self.message_type not in (MessageType.CALLRESULT, MessageType.CALLERROR)

    def answerable_in(self, *, v21: bool) -> bool:
        """Whether to answer: in 2.1, a broken CALLRESULTERROR or SEND is not answered either
        (before 2.1 those types are unknown, and answered as such)."""
        unanswered = (MessageType.CALLRESULTERROR, MessageType.SEND)
        return self.answerable and not (v21 and self.message_type in unanswered)


def parse_frame(raw: str | bytes, *, v21: bool = False) -> Frame:
    """The frame in `raw`, or FrameError saying what is wrong with it. Types 5 and 6 are frames
    only when `v21` (the connection speaks OCPP 2.1); before, they are not supported."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise FrameError(ErrorKind.RPC_FRAMEWORK, "frame is not valid JSON") from None
    if type(data) is not list or not data:
        raise FrameError(ErrorKind.RPC_FRAMEWORK, "frame is not a non-empty JSON array")
    kind = data[0]
    if type(kind) is not int:
        raise FrameError(ErrorKind.RPC_FRAMEWORK, "message type is not an integer")
    message_id = data[1] if len(data) > 1 else None
    if type(message_id) is not str or not message_id or len(message_id) > MAX_MESSAGE_ID:
        raise FrameError(
            ErrorKind.RPC_FRAMEWORK,
            f"message id must be a string of 1-{MAX_MESSAGE_ID} characters",
            message_type=kind,
        )
    if kind == MessageType.CALL or (v21 and kind == MessageType.SEND):
        if len(data) != 4:
            raise FrameError(
                ErrorKind.RPC_FRAMEWORK,
                f"a {MessageType(kind).name} has 4 elements: [{kind}, id, action, payload]",
                message_id=message_id,
                message_type=kind,
            )
        action, payload = data[2], data[3]
        if type(action) is not str or not action:
            raise FrameError(
                ErrorKind.RPC_FRAMEWORK,
                "action is not a string",
                message_id=message_id,
                message_type=kind,
            )
        if type(payload) is not dict:
            raise FrameError(
                ErrorKind.FORMAT,
                "payload is not a JSON object",
                message_id=message_id,
                message_type=kind,
            )
        if kind == MessageType.SEND:
            return Send(message_id, action, payload)
        return Call(message_id, action, payload)
    if kind == MessageType.CALLRESULT:
        if len(data) != 3 or type(data[2]) is not dict:
            raise FrameError(
                ErrorKind.RPC_FRAMEWORK,
                "a CALLRESULT is [3, id, {payload}]",
                message_id=message_id,
                message_type=kind,
            )
        return CallResult(message_id, data[2])
    if kind == MessageType.CALLERROR or (v21 and kind == MessageType.CALLRESULTERROR):
        if (
            len(data) != 5
            or type(data[2]) is not str
            or type(data[3]) is not str
            or type(data[4]) is not dict
        ):
            raise FrameError(
                ErrorKind.RPC_FRAMEWORK,
                f"a {MessageType(kind).name} is [{kind}, id, code, description, {{details}}]",
                message_id=message_id,
                message_type=kind,
            )
        if kind == MessageType.CALLRESULTERROR:
            return CallResultError(message_id, data[2], data[3], data[4])
        return CallError(message_id, data[2], data[3], data[4])
    raise FrameError(
        ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED,
        f"message type {kind} is not 2, 3, 4, 5 or 6"
        if v21
        else f"message type {kind} is not 2, 3 or 4",
        message_id=message_id,
        message_type=kind,
    )


def encode_call(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([2, message_id, action, payload]).decode()


def encode_result(message_id: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([3, message_id, payload]).decode()


def encode_result_error(
    message_id: str, code: str, description: str, details: dict[str, Any] | None = None
) -> str:
    """An OCPP 2.1 CALLRESULTERROR frame: the peer's CALLRESULT could not be used."""
    return orjson.dumps([5, message_id, code, description[:255], details or {}]).decode()


def encode_error(
    message_id: str | None, code: str, description: str, details: dict[str, Any] | None = None
) -> str:
    """A CALLERROR frame; an unreadable message id is sent as "-1"."""
    return orjson.dumps(
        [4, message_id or UNKNOWN_ID, code, description[:255], details or {}]
    ).decode()

"""Validation against the official OCA JSON schemas shipped in the `ocpp` package.

Each schema is compiled once (fastjsonschema turns it into Python code) on first use, or all at
once by `warm()`, and then runs inline in the event loop: no thread hop per message. Where a
native check agrees with it, that check runs first and fastjsonschema only for what it refuses
(ocpp/quick_check.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import fastjsonschema

from steppe.ocpp.errors import ErrorKind, OcppError
from steppe.ocpp.quick_check import QuickCheck, compile_quick
from steppe.ocpp.versions import OcppVersion

Validator = Callable[[dict[str, Any]], Any]

# How each failed JSON-schema rule is named in OCPP.
_RULE_KINDS = {
    "type": ErrorKind.TYPE_CONSTRAINT,
    "required": ErrorKind.OCCURRENCE_CONSTRAINT,
    "minItems": ErrorKind.OCCURRENCE_CONSTRAINT,
    "maxItems": ErrorKind.OCCURRENCE_CONSTRAINT,
    "additionalProperties": ErrorKind.FORMAT,
}

# Real chargers often send date-times without seconds or zone; Steppe reads those as UTC (see
# timestamps.py), so the format check accepts them rather than refusing the whole message.
_FORMATS = {
    "date-time": r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$",
}

_SCHEMA_DIRS = {OcppVersion.V16: "v16", OcppVersion.V201: "v201", OcppVersion.V21: "v21"}


def _request_file(version: OcppVersion, action: str, sends: frozenset[str]) -> str:
    """The schema file of a request; 1.6 and 2.1's SEND messages have no "Request" suffix."""
    if version is OcppVersion.V16 or action in sends:
        return f"{action}.json"
    return f"{action}Request.json"


class SchemaRegistry:
    """Compiled validators for every action of every supported version."""

    def __init__(self) -> None:
        self._dirs: dict[OcppVersion, Traversable] = {
            version: files("ocpp") / name / "schemas" for version, name in _SCHEMA_DIRS.items()
        }
        self._sends: dict[OcppVersion, frozenset[str]] = {
            version: self._list_sends(version) for version in OcppVersion
        }
        self._actions: dict[OcppVersion, frozenset[str]] = {
            version: self._list_actions(version) | self._sends[version] for version in OcppVersion
        }
        self._compiled: dict[tuple[OcppVersion, str], Validator | None] = {}
        # By (version, action): the hot path looks its validators up without building names.
        self._requests: dict[tuple[OcppVersion, str], Validator | None] = {}
        self._responses: dict[tuple[OcppVersion, str], Validator | None] = {}
        # Actions whose schema accepts an empty answer: most answers to a charger are `{}`, and
        # the verdict on `{}` cannot change, so it is reached once per action, not per message.
        self._empty_answer_ok: set[tuple[OcppVersion, str]] = set()

    def _list_actions(self, version: OcppVersion) -> frozenset[str]:
        names = [entry.name for entry in self._dirs[version].iterdir()]
        if version is OcppVersion.V16:
            return frozenset(
                n.removesuffix(".json")
                for n in names
                if n.endswith(".json") and not n.endswith("Response.json")
            )
        suffix = "Request.json"
        return frozenset(n.removesuffix(suffix) for n in names if n.endswith(suffix))

    def _list_sends(self, version: OcppVersion) -> frozenset[str]:
        """2.1's messages sent without an answer (SEND frames): a schema with no Request or
        Response suffix."""
        if version is OcppVersion.V16:
            return frozenset()
        return frozenset(
            n.removesuffix(".json")
            for n in (entry.name for entry in self._dirs[version].iterdir())
            if n.endswith(".json") and not n.endswith(("Request.json", "Response.json"))
        )

    def sends(self, version: OcppVersion) -> frozenset[str]:
        """The actions `version` sends as SEND frames (unanswered); none before 2.1."""
        return self._sends[version]

    def actions(self, version: OcppVersion) -> frozenset[str]:
        return self._actions[version]

    def knows(self, version: OcppVersion, action: str) -> bool:
        """Whether `action` is a message of `version` (whatever Steppe does with it)."""
        return action in self._actions[version]

    def _validator(self, version: OcppVersion, file_name: str) -> Validator | None:
        key = (version, file_name)
        try:
            return self._compiled[key]
        except KeyError:
            pass
        path = self._dirs[version] / file_name
        validator: Validator | None = None
        if path.is_file():
            schema = json.loads(path.read_text(encoding="utf-8"))
            full: Validator = fastjsonschema.compile(schema, formats=_FORMATS)
            validator = _with_quick_check(full, compile_quick(schema, _FORMATS))
        self._compiled[key] = validator
        return validator

    def warm(self) -> int:
        """Compile every schema now (at start-up) rather than on first use; returns how many."""
        for version in OcppVersion:
            for action in self._actions[version]:
                self._validator(version, _request_file(version, action, self._sends[version]))
                self._validator(version, f"{action}Response.json")
        return sum(1 for v in self._compiled.values() if v is not None)

    def validate_request(self, version: OcppVersion, action: str, payload: dict[str, Any]) -> None:
        """Raise the OcppError naming what is wrong with a request payload."""
        key = (version, action)
        try:
            validator = self._requests[key]
        except KeyError:
            validator = self._requests[key] = self._validator(
                version, _request_file(version, action, self._sends[version])
            )
        if validator is not None:
            _run(validator, payload, action)

    def validate_response(self, version: OcppVersion, action: str, payload: dict[str, Any]) -> None:
        """Raise the OcppError naming what is wrong with a response payload."""
        key = (version, action)
        if not payload and key in self._empty_answer_ok:
            return
        try:
            validator = self._responses[key]
        except KeyError:
            validator = self._responses[key] = self._validator(version, f"{action}Response.json")
        if validator is not None:
            _run(validator, payload, action)
        if not payload:
            self._empty_answer_ok.add(key)


def _with_quick_check(full: Validator, quick: QuickCheck | None) -> Validator:
    """`full` behind the native yes/no check where there is one (ocpp/quick_check.py)."""
    if quick is None:
        return full

    def validate(payload: dict[str, Any]) -> None:
        if not quick(payload):
            full(payload)  # raises, naming the rule; or accepts what the quick check did not

    return validate


def _run(validator: Validator, payload: dict[str, Any], action: str) -> None:
    try:
        validator(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        kind = _RULE_KINDS.get(exc.rule or "", ErrorKind.PROPERTY_CONSTRAINT)
        message = exc.message.replace("data", "payload", 1)
        raise OcppError(kind, f"{action}: {message}"[:255]) from None
    except fastjsonschema.JsonSchemaException as exc:  # pragma: no cover - schema bug
        raise OcppError(ErrorKind.FORMAT, f"{action}: {exc}"[:255]) from None

"""A compiled yes/no check in front of the schema validators, for the schemas where it agrees.

fastjsonschema turns each OCPP schema into Python code: it names the rule a payload breaks (the
CALLERROR's code and text come from it), but walking a MeterValues with it costs more than
anything else Steppe does with the message. jsonschema-rs answers "valid or not" in native code
several times faster. A payload it accepts is accepted; one it refuses goes to fastjsonschema,
whose verdict and words stand. So Steppe never refuses what fastjsonschema accepts, and accepts
nothing more only where the two agree, which is why the quick check is used only for schemas
made of keywords whose meaning both implement alike (tested on generated and mutated payloads
for every such schema):

- no `default` (fastjsonschema fills defaults into the payload, which handlers then rely on);
- no `multipleOf` (floating-point remainders may be judged differently);
- no format but `date-time`, checked by both with Steppe's own pattern (`validation._FORMATS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jsonschema_rs

QuickCheck = Callable[[Any], bool]

# Keywords both validators implement alike for draft-04/06 schemas; annotations are ignored.
_AGREED = frozenset(
    {
        "$schema",
        "$id",
        "$ref",
        "id",
        "title",
        "description",
        "comment",
        "$comment",
        "javaType",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "additionalItems",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "enum",
        "definitions",
        "format",
    }
)
_SUBSCHEMA_MAPS = ("properties", "definitions", "patternProperties")


def _agreed(schema: object, formats: frozenset[str]) -> bool:
    """Whether every keyword in `schema` and its subschemas is one both validators share."""
    if not isinstance(schema, dict):
        return True
    if not _AGREED.issuperset(schema):
        return False
    if "format" in schema and schema["format"] not in formats:
        return False
    for key in _SUBSCHEMA_MAPS:
        for sub in (schema.get(key) or {}).values():
            if not _agreed(sub, formats):
                return False
    items = schema.get("items")
    subschemas = items if isinstance(items, list) else [items]
    for key in ("additionalProperties", "additionalItems"):
        if isinstance(schema.get(key), dict):
            subschemas.append(schema[key])
    return all(_agreed(sub, formats) for sub in subschemas)


def compile_quick(schema: dict[str, Any], formats: dict[str, str]) -> QuickCheck | None:
    """The native yes/no check for `schema`, or None where it might not agree."""
    if not _agreed(schema, frozenset(formats)):
        return None
    checks = {name: _format_check(re.compile(pattern).match) for name, pattern in formats.items()}
    validator = jsonschema_rs.validator_for(schema, formats=checks, validate_formats=True)
    is_valid: QuickCheck = validator.is_valid
    return is_valid


def _format_check(match: Callable[[str], re.Match[str] | None]) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        return match(value) is not None

    return check

"""The native quick check never accepts what fastjsonschema refuses: for every OCPP schema that
gets one, payloads generated from the schema and then broken in one place are put to both."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC
from importlib.resources import files
from typing import Any

import fastjsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steppe.ocpp.quick_check import compile_quick
from steppe.ocpp.validation import _FORMATS
from tests.fuzzing import json_values

DELETE = object()


def from_schema(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Any:
    """Payloads valid against `schema`, for the keywords the quick check is allowed to see."""
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: from_schema(root["definitions"][name], root))
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": k}, root) for k in kind])
    if kind == "object" or (kind is None and "properties" in schema):
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: from_schema(v, root) for k, v in properties.items() if k in required},
            optional={k: from_schema(v, root) for k, v in properties.items() if k not in required},
        )
    if kind == "array":
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 3), low + 3)
        return st.lists(from_schema(schema.get("items", {}), root), min_size=low, max_size=high)
    if kind == "string":
        if schema.get("format") == "date-time":
            return st.datetimes(timezones=st.just(UTC)).map(lambda t: t.isoformat())
        return st.text(max_size=min(schema.get("maxLength", 12), 12))
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**40)), schema.get("maximum", 2**40))
    if kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.integers(low, high) | st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return json_values


def _schemas() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for version in ("v16", "v201"):
        for entry in sorted((files("ocpp") / version / "schemas").iterdir(), key=str):
            if entry.name.endswith(".json"):
                found.append((f"{version}/{entry.name}", json.loads(entry.read_text())))
    return found


SCHEMAS = _schemas()
QUICK = [(name, schema) for name, schema in SCHEMAS if compile_quick(schema, _FORMATS)]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _mutated(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return {} if new is DELETE else new
    out = copy.deepcopy(value)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    if new is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return out


# Wrong in type, range, length, format or presence for most nodes of most schemas.
WRONG = (
    DELETE,
    None,
    True,
    0,
    -1,
    1.5,
    2**63,
    "",
    "x" * 600,
    "not a date",
    "2026-11-01 08:30",
    "2026-11-01T08:30:00+0500",
    [],
    [{}],
    {},
)


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _accepted(full: Any, payload: Any) -> bool:
    try:
        full(copy.deepcopy(payload))
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def test_most_schemas_get_the_quick_check_and_the_hot_ones_do() -> None:
    names = {name for name, _ in QUICK}
    assert len(QUICK) >= 0.8 * len(SCHEMAS)
    for hot in ("MeterValues", "StatusNotification", "Heartbeat", "StartTransaction"):
        assert f"v16/{hot}.json" in names
    # fastjsonschema fills in its defaults (measurand, location, ...), which handlers may rely
    # on: that schema keeps fastjsonschema alone.
    assert "v201/TransactionEventRequest.json" not in names


@pytest.mark.parametrize(("name", "schema"), QUICK, ids=[name for name, _ in QUICK])
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_the_quick_check_accepts_nothing_fastjsonschema_refuses(
    name: str, schema: dict[str, Any], data: st.DataObject
) -> None:
    full = fastjsonschema.compile(schema, formats=_FORMATS)
    quick = compile_quick(schema, _FORMATS)
    assert quick is not None
    valid = data.draw(from_schema(schema), label="valid")
    if _accepted(full, valid):  # the generator's date-times may be ones Steppe refuses
        assert quick(valid), f"{name}: a valid payload takes the slow way"
    paths = list(_paths(valid))
    # Every node replaced by each of a fixed set of wrong values, and one random replacement.
    candidates = [(path, new) for path in paths for new in WRONG]
    candidates += [
        (path, {**node, "unexpected": 1})
        for path in paths
        if isinstance(node := _at(valid, path), dict)
    ]
    candidates.append(
        (data.draw(st.sampled_from(paths), label="path"), data.draw(json_values, label="new"))
    )
    for path, new in candidates:
        broken = _mutated(valid, path, new)
        if quick(broken):
            assert _accepted(full, broken), f"{name}: quick check accepted {broken!r}"

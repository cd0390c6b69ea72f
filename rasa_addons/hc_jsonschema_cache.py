"""Loaded into the Rasa server process (Python 3.11 env): cache the checked jsonschema validator.

Rasa 3.6 validates every action-server response with `jsonschema.validate(result, spec)`, and
`validate` first checks the (constant) spec against its metaschema on every call. Profiled under
load that was the largest single cost of a turn with a custom action (docs/benchmarks.md). This
replaces `jsonschema.validate` with the same check done by one cached validator per schema; errors
are raised exactly as before (the best-matching ValidationError).

The response schema lists the events as `oneOf` some 20 alternatives, each fixing `event` to one
name, so every event was checked against all of them: 2 ms for a form validation setting 10 slots.
For a schema of that shape (checked when first seen) a valid response is confirmed event by event,
each against the one alternative its name selects (the others cannot match: their `event`
differs); anything that does not pass so is checked by the full validator, which raises its error.

`make setup` copies this module into .venv-rasa with a .pth line that imports it at start-up; the
Rasa image (deploy/Dockerfile.rasa) installs it the same way.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema

_original_validate = jsonschema.validate


@functools.lru_cache(maxsize=64)
def _checked_validator(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@functools.lru_cache(maxsize=64)
def _event_by_event(schema_json: str) -> tuple[Any, dict[str, Any]] | None:
    """For a schema shaped like Rasa's action response (`events`: an array of objects, each one
    of alternatives told apart by the constant `event`): a validator of everything but the events'
    contents, and one validator per event name (the common part and that alternative). None for
    any other shape."""
    schema = json.loads(schema_json)
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        events = schema["properties"]["events"]
        item = events["items"]
        alternatives = item["oneOf"]
        if set(schema) - {"type", "properties"} or set(events) != {"type", "items"}:
            return None
        if set(item) - {"type", "properties", "required", "oneOf"} or events["type"] != "array":
            return None
        if "event" not in item["required"]:
            return None
        common = {key: value for key, value in item.items() if key != "oneOf"}
        by_event: dict[str, Any] = {}
        for alternative in alternatives:
            name = alternative["properties"]["event"]["const"]
            if not isinstance(name, str) or name in by_event:
                return None
            by_event[name] = validator_class({"allOf": [common, alternative]})
    except (KeyError, TypeError):
        return None
    outline = dict(schema, properties=dict(schema["properties"], events={"type": "array"}))
    return validator_class(outline), by_event


def _valid_event_by_event(instance: Any, outline: Any, by_event: dict[str, Any]) -> bool:
    if not isinstance(instance, dict) or not outline.is_valid(instance):
        return False
    for event in instance.get("events") or ():
        name = event.get("event") if isinstance(event, dict) else None
        check = by_event.get(name) if isinstance(name, str) else None
        if check is None or not check.is_valid(event):
            return False
    return True


def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    if cls is not None or args or kwargs:
        return _original_validate(instance, schema, cls, *args, **kwargs)
    schema_json = json.dumps(schema, sort_keys=True)
    validator = _checked_validator(schema_json)  # raises SchemaError for a bad schema, as before
    shortcut = _event_by_event(schema_json)
    if shortcut is not None and _valid_event_by_event(instance, *shortcut):
        return None
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error
    return None


jsonschema.validate = validate

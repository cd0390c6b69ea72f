"""Loaded into the Rasa server process (Python 3.10 env): cache the checked jsonschema validator.

Rasa 3.6 validates every action-server response with `jsonschema.validate(result, spec)`, and
`validate` first checks the (constant) spec against its metaschema on every call. Profiled under
load that was the largest single cost of a turn with a custom action (docs/benchmarks.md). This
replaces `jsonschema.validate` with the same check done by one cached validator per schema; errors
are raised exactly as before (the best-matching ValidationError).

`make setup` copies this module into .venv-rasa with a .pth line that imports it at start-up. The
deployment (deploy/docker-compose.yml) mounts this folder into the official rasa/rasa:3.6.21
image on PYTHONPATH, where sitecustomize.py imports it.
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


def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    if cls is not None or args or kwargs:
        return _original_validate(instance, schema, cls, *args, **kwargs)
    validator = _checked_validator(json.dumps(schema, sort_keys=True))
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error
    return None


jsonschema.validate = validate

"""Imported by Python at start-up when this folder is on PYTHONPATH (the Rasa container)."""

import hc_jsonschema_cache  # noqa: F401  (patches jsonschema.validate on import)

"""Imported by Python at start-up when this folder is on PYTHONPATH (the Rasa container)."""

import hc_event_types  # noqa: F401  (event classes by name, cached; applied on Rasa's import)
import hc_jsonschema_cache  # noqa: F401  (patches jsonschema.validate on import)
import hc_slash_messages  # noqa: F401  (slash messages skip the NLU models; applied on Rasa's import)

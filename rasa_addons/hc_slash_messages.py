"""Loaded into the Rasa server process (Python 3.11 env): slash messages skip the NLU models.

A message such as `/inform{"zip_code":"02108"}` names its intent and entities itself; the IVR sends
every keypad answer so, and chat buttons send their payloads so. Rasa 3.6 still runs the whole NLU
pipeline on it (featurizers, DIETClassifier, ResponseSelector, FallbackClassifier) and then its last
component, RegexMessageHandler, discards all of that: for a text that unpacks it returns a new
message built from the text and the domain alone (`YAMLStoryReader.unpack_regex_message`), whose
only properties are text, intent, intent_ranking and entities. Under the voice benchmark the
pipeline was about a quarter of the Rasa server's CPU (docs/benchmarks.md).

This builds that same message directly when RegexMessageHandler is the model's NLU output and the
text unpacks (it starts with `/`, matches Rasa's pattern and names an intent of the domain);
anything else, speech and typed text included, goes through the graph exactly as before. It
assumes no pipeline component rewrites the message text (none of Rasa's own does, nor any in
config.yml). tests/rasa/test_slash_messages.py compares both paths on the trained model.

Importing this module only registers the patch; it is applied when Rasa imports
`rasa.core.processor` (hc_import_hooks). `make setup` copies the addons into .venv-rasa with .pth
lines that import them at start-up, and the Rasa image (deploy/Dockerfile.rasa) the same way.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from hc_import_hooks import when_imported


def unpacked_slash_message(processor: Any, text: Any) -> Any:
    """The message RegexMessageHandler would return for this text, or None to run the graph."""
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.nlu.constants import INTENT_NAME_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    if not isinstance(text, str) or not text.strip().startswith("/"):
        return None
    match = YAMLStoryReader._regex_message_pattern().match(text.strip())
    if match is None or match.group(INTENT_NAME_KEY).strip() not in processor.domain.intents:
        return None  # the graph runs (and warns) as before
    if not _regex_handler_is_nlu_output(processor, RegexMessageHandler):
        return None
    original = Message({TEXT: text})
    unpacked = YAMLStoryReader.unpack_regex_message(
        original, processor.domain, entity_extractor_name=RegexMessageHandler.__name__
    )
    return None if unpacked is original else unpacked


def _regex_handler_is_nlu_output(processor: Any, handler: type) -> bool:
    known = getattr(processor, "_hc_regex_handler_is_nlu_output", None)
    if known is None:
        metadata = processor.model_metadata
        node = metadata.predict_schema.nodes.get(metadata.nlu_target)
        known = node is not None and node.uses is handler and node.fn == "process"
        processor._hc_regex_handler_is_nlu_output = known
    return known


def patch(module: ModuleType) -> None:
    from rasa.shared.nlu.constants import (
        ENTITIES,
        INTENT,
        INTENT_NAME_KEY,
        PREDICTED_CONFIDENCE_KEY,
        TEXT,
    )

    processor_class = module.MessageProcessor
    parse_with_graph = processor_class._parse_message_with_graph
    if hasattr(parse_with_graph, "graph"):
        return  # patched already

    def _parse_message_with_graph(
        self: Any, message: Any, tracker: Any, only_output_properties: bool = True
    ) -> dict[str, Any]:
        unpacked = unpacked_slash_message(self, message.text)
        if unpacked is None:
            return parse_with_graph(self, message, tracker, only_output_properties)
        # The dictionary MessageProcessor._parse_message_with_graph builds from the graph's output.
        parse_data: dict[str, Any] = {
            TEXT: "",
            INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0},
            ENTITIES: [],
        }
        parse_data.update(unpacked.as_dict(only_output_properties=only_output_properties))
        return parse_data

    _parse_message_with_graph.graph = parse_with_graph  # the original, for tests
    processor_class._parse_message_with_graph = _parse_message_with_graph


when_imported("rasa.core.processor", patch)

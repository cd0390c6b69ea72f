"""Slash messages (keypad answers, buttons) skip the NLU models in the Rasa server, same result."""

import subprocess

from tests.rasa_stack import REPO, require_rasa

CHECK = """
import json, sys
assert "rasa" not in sys.modules, "the .pth line must not import Rasa (TensorFlow) at start-up"
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker
import hc_slash_messages

patched = MessageProcessor._parse_message_with_graph
assert patched.__module__ == "hc_slash_messages", patched.__module__
processor = Agent.load(sys.argv[1]).processor
tracker = DialogueStateTracker.from_events("check", [])
shortcut = {
    "/check_balance", "/deny", "/faq", "/talk_to_agent", "  /affirm  ", "/ affirm",
    '/inform{"account_number":"1000000001"}', '/inform{"zip_code":"02108"}',
    '/inform{"date_of_birth":"1985-04-12"}', '/inform{"amount": "12.50"}', "/check_balance@0.5",
    '/inform{"nope":"x"}', "/inform{not json", '/inform{"zip_code":"02108"}trailing',
}
graph = {"what's my balance", "hello", "/", "//affirm", "/no_such_intent", "/faq/late_payment",
         "/affirm and more"}
for text in sorted(shortcut | graph):
    message = UserMessage(text, sender_id="check")
    skips = hc_slash_messages.unpacked_slash_message(processor, message.text) is not None
    assert skips == (text in shortcut), text
    if not skips:
        continue  # the patched method runs the graph itself
    for only_output in (True, False):
        fast = patched(processor, message, tracker, only_output)
        full = patched.graph(processor, message, tracker, only_output)
        assert json.dumps(fast, sort_keys=True, default=str) == json.dumps(
            full, sort_keys=True, default=str
        ), (text, fast, full)
print("ok")
"""


def test_slash_messages_parse_exactly_as_through_the_nlu_graph():
    model = require_rasa()
    python = REPO / ".venv-rasa" / "bin" / "python"
    out = subprocess.run(
        [str(python), "-c", CHECK, str(model)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")

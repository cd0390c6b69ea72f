"""The Rasa server finds event classes by name from a cache, exactly as its full scan does."""

import subprocess

from tests.rasa_stack import REPO, require_rasa

CHECK = """
import sys
assert "rasa" not in sys.modules, "the .pth line must not import Rasa (TensorFlow) at start-up"
from rasa.shared.core import events
from rasa.shared.utils.common import all_subclasses

resolve = events.Event.resolve_by_type
assert resolve.__module__ == "hc_event_types", resolve.__module__


def outcome(lookup, name, default):
    try:
        return lookup(name, default)
    except ValueError as exc:
        return str(exc)


names = sorted({cls.type_name for cls in all_subclasses(events.Event)})
assert "slot" in names and "user" in names, names
for name in [*names, "topic", "no_such_event"]:
    for default in (None, events.SlotSet):
        for _ in range(2):  # the second time from the cache
            assert outcome(resolve, name, default) == outcome(resolve.scan, name, default), name


# A class defined after the lookups were cached: the answers stay the full scan's. The scan lists
# Event's direct subclasses before theirs, so this one now comes before BotUttered ("bot").
assert resolve("bot") is events.BotUttered


class OtherBot(events.Event):
    type_name = "bot"

    def __eq__(self, other):
        return self is other

    def as_story_string(self):
        return None


assert resolve.scan("bot") is OtherBot
assert resolve("bot") is OtherBot
print("ok")
"""


def test_event_classes_are_found_by_name_as_the_full_scan_finds_them():
    require_rasa()
    python = REPO / ".venv-rasa" / "bin" / "python"
    out = subprocess.run(
        [str(python), "-c", CHECK], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")

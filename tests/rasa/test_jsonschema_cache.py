"""The Rasa server checks action-server responses with one cached validator, as strictly as before."""

import subprocess

from tests.rasa_stack import REPO, require_rasa

CHECK = """
import jsonschema
from rasa.core.actions.action import RemoteAction
assert jsonschema.validate.__module__ == "hc_jsonschema_cache", jsonschema.validate.__module__
spec = RemoteAction.action_response_format_spec()
action = RemoteAction("action_check_balance", None)
good = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"custom": {"msg": "a"}}]}
assert action._validate_action_result(good)
for bad in ({"events": "not a list"}, {"events": [{"no_event_key": 1}]}):
    try:
        action._validate_action_result(bad)
    except jsonschema.ValidationError:
        continue
    raise SystemExit(f"accepted an invalid response: {bad}")
print("ok")
"""


def test_rasa_validates_action_responses_with_the_cached_validator():
    require_rasa()
    python = REPO / ".venv-rasa" / "bin" / "python"
    out = subprocess.run(
        [str(python), "-c", CHECK], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")

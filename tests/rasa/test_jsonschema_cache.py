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

# Valid responses are confirmed event by event; the outcome and the error must be the full
# validator's for every response, valid or not: real events, then random mutations of them.
import copy, json, random
import hc_jsonschema_cache
from rasa.shared.core import events as ev

assert hc_jsonschema_cache._event_by_event(json.dumps(spec, sort_keys=True)) is not None
real = [e.as_dict() for e in (
    ev.SessionStarted(), ev.SlotSet("channel", "voice"), ev.SlotSet("x", None), ev.SlotSet("n", 3),
    ev.SlotSet("l", [1, "a"]), ev.ActionExecuted("action_listen"), ev.ActiveLoop("verify_form"),
    ev.BotUttered(None, {"custom": {"msg": "x"}}), ev.ActiveLoop(None), ev.FollowupAction("a"),
    ev.Restarted(), ev.AllSlotsReset(),
    ev.UserUttered("/deny", {"name": "deny", "confidence": 1.0}, [], {"text": "/deny"}),
)]
cases = [{"events": real, "responses": [{"custom": {"msg": "verified"}}]}, {"events": []}, {}]
values = [None, 1, 1.5, True, "s", [], {}, [1], {"a": 1}, "slot", "user", -1]
keys = ["event", "name", "value", "timestamp", "metadata", "events", "responses", "text"]
rnd = random.Random(7)
for _ in range(1500):
    case = copy.deepcopy(rnd.choice(cases))
    for _ in range(rnd.randint(1, 3)):
        part = case
        for _ in range(rnd.randint(0, 4)):
            inner = list(part.values()) if isinstance(part, dict) else part
            inner = [v for v in inner if isinstance(v, (dict, list)) and v]
            if inner:
                part = rnd.choice(inner)
        new = rnd.choice(values + [copy.deepcopy(rnd.choice(real))])
        if isinstance(part, dict) and part and rnd.random() < 0.3:
            del part[rnd.choice(list(part))]
        elif isinstance(part, dict):
            part[rnd.choice(keys + list(part))] = new
        elif part and rnd.random() < 0.5:
            part[rnd.randrange(len(part))] = new
        else:
            part.append(new)
    cases.append(case)


def outcome(check, case):
    try:
        check(case, spec)
    except jsonschema.ValidationError as exc:
        return exc.message, list(exc.path), list(exc.schema_path)
    return "valid"


outcomes = [outcome(jsonschema.validate, case) for case in cases]
assert outcomes == [outcome(hc_jsonschema_cache._original_validate, case) for case in cases]
assert 100 < outcomes.count("valid") < len(cases) - 100, outcomes.count("valid")
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

"""Security drills that need no Rasa: forged signatures on every Twilio URL, fuzzed webhooks, deploy files.

The Twilio endpoints are found from the app's url_map, so a new webhook is covered the day it is
added: every POST route outside the web chat must refuse a request Twilio did not sign.
"""

from __future__ import annotations

import json
import random
import string
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_core.demo import load_demo_data
from ivr.app import create_app
from ivr.config import ChannelSettings
from tests.conftest import make_runtime
from tests.fake_rasa import FakeRasa, bot
from tests.voice.helpers import sign

TOKEN = "security-test-token"
BASE = "http://localhost"
REPO = Path(__file__).resolve().parents[2]
CHAT_ORIGIN = "http://localhost"
FUZZ_SETTINGS = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

REPLIES = [
    [bot("ask_account_number", expect="digits", max_digits=10)],
    [bot("ask_zip_code", expect="digits", max_digits=5)],
    [bot("ask_payment_amount", expect="digits")],
    [bot("anything_else", expect="yes_no")],
    [bot("main_menu", expect="menu")],
    [bot("balance_due", amount="198.00", due="2027-03-23")],
    [bot("ask_bank_account", expect="bank_account", amount="10.00")],
    [bot("goodbye", expect="end")],
    [bot("not_a_real_message_id", expect="nonsense")],
]


@pytest.fixture
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    runtime = make_runtime(f"sqlite:///{tmp_path / 'billing.sqlite3'}", tmp_path)
    from database import migrate

    migrate(runtime.settings.database_url)
    with runtime.uow() as uow:
        load_demo_data(uow, now=datetime.now(UTC))
    rng = random.Random(8)
    fake = FakeRasa(script=lambda message, metadata: rng.choice(REPLIES))
    app = create_app(
        {
            "TESTING": True,
            "CHAT_SECRET_KEY": "fuzz-secret",
            "CHAT_ALLOWED_ORIGINS": CHAT_ORIGIN,
            "CHAT_LIMIT_PER_SESSION": "100000/minute",
            "CHAT_LIMIT_PER_IP": "100000/minute",
        },
        runtime=runtime,
        channels=ChannelSettings(twilio_auth_token=TOKEN),
    )
    app.extensions["rasa"] = fake
    yield app
    runtime.engine.dispose()


def twilio_post_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    routes = []
    for rule in app.url_map.iter_rules():
        # The chat and the staff console (/ops: sign-in and CSRF, tests/ops) are no webhooks.
        if "POST" not in (rule.methods or ()) or rule.rule.startswith(("/chat/", "/ops/")):
            continue
        assert not rule.arguments, f"{rule.rule}: give the test a sample value for its arguments"
        routes.append(rule.rule)
    return sorted(routes)


def test_every_twilio_endpoint_is_found(app):
    routes = twilio_post_routes(app)
    assert {"/voice/incoming", "/voice/gather", "/sms/inbound", "/sms/status"} <= set(routes)


@pytest.mark.parametrize(
    "forgery", ["missing", "garbage", "wrong token", "other url", "tampered body"]
)
def test_every_twilio_endpoint_refuses_a_forged_signature(app, forgery):
    client = app.test_client()
    form = {"CallSid": "CA" + "a" * 32, "From": "+16175550101", "Body": "BAL", "Digits": "1"}
    for path in twilio_post_routes(app):
        url = urljoin(BASE, path)
        headers = {
            "missing": {},
            "garbage": {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
            "wrong token": {"X-Twilio-Signature": sign("not-the-token", url, form)},
            "other url": {"X-Twilio-Signature": sign(TOKEN, url + "?turn=7", form)},
            "tampered body": {"X-Twilio-Signature": sign(TOKEN, url, {**form, "Digits": "2"})},
        }[forgery]
        response = client.post(path, data=form, headers=headers)
        assert response.status_code == 403, f"{path} accepted a {forgery} signature"


def test_a_genuine_signature_is_accepted_on_every_twilio_endpoint(app):
    client = app.test_client()
    form = {"CallSid": "CA" + "b" * 32, "From": "+16175550101", "Body": "HELP"}
    for path in twilio_post_routes(app):
        headers = {"X-Twilio-Signature": sign(TOKEN, urljoin(BASE, path), form)}
        assert client.post(path, data=form, headers=headers).status_code < 300, path


HOSTILE = [
    "' OR 1=1; --",
    "<Say>pwned</Say>",
    "]]><!ENTITY x SYSTEM 'file:///etc/passwd'>",
    "\x00\x01\x02",
    "../../../../etc/passwd",
    "{{7*7}}",
    "%s%s%s%n",
    '/inform{"bank_method_ref":"bm_x"}',
    "/pay_bill",
    "9" * 5000,
    "\u202e\ufeff\U0001f4a9",
    "021000021 000987654321",
    "STOP",
    "*#*#",
]
field_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.text(alphabet=string.digits + "*#", max_size=20),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
)
VOICE_FIELDS = [
    "CallSid",
    "From",
    "To",
    "Digits",
    "SpeechResult",
    "Confidence",
    "CallStatus",
    "Result",
    "PaymentCardType",
    "ErrorCode",
    "For",
    "PaymentToken",
]
voice_form = st.fixed_dictionaries(
    {"CallSid": st.one_of(st.just("CA" + "c" * 32), field_text)},
    optional={name: field_text for name in VOICE_FIELDS[1:]},
)
voice_path = st.sampled_from(
    [
        "/voice/incoming",
        "/voice/gather",
        "/voice/pay",
        "/voice/pay/status",
        "/voice/status",
        "/voice/fallback",
    ]
).flatmap(
    lambda p: st.one_of(
        st.just(p), st.integers(-5, 10**12).map(lambda n: f"{p}?turn={n}"), st.just(p + "?turn=x")
    )
)


def _signed_post(client, path: str, form: dict[str, str]):  # type: ignore[no-untyped-def]
    headers = {"X-Twilio-Signature": sign(TOKEN, urljoin(BASE, path), form)}
    return client.post(path, data=form, headers=headers)


@FUZZ_SETTINGS
@given(path=voice_path, form=voice_form)
def test_fuzzed_voice_webhooks_never_answer_5xx(app, path, form):
    response = _signed_post(app.test_client(), path, form)
    assert response.status_code < 500, (path, form)


sms_form = st.fixed_dictionaries(
    {"From": st.one_of(st.sampled_from(["+16175550101", "+19785550102"]), field_text)},
    optional={
        "Body": field_text,
        "MessageSid": field_text,
        "SmsSid": field_text,
        "MessageStatus": st.one_of(st.sampled_from(["delivered", "failed"]), field_text),
        "ErrorCode": field_text,
        "To": field_text,
    },
)


@FUZZ_SETTINGS
@given(
    path=st.sampled_from(["/sms/inbound", "/sms/status", "/sms/status?r=1", "/sms/status?r=x"]),
    form=sms_form,
)
def test_fuzzed_sms_webhooks_never_answer_5xx(app, path, form):
    response = _signed_post(app.test_client(), path, form)
    assert response.status_code < 500, (path, form)


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), field_text),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(field_text, children, max_size=3)
    ),
    max_leaves=6,
)
chat_body = st.one_of(
    st.fixed_dictionaries({"message": field_text}, optional={"locale": field_text}),
    st.dictionaries(st.sampled_from(["message", "locale", "x"]), json_value, max_size=3),
    json_value,
)


@FUZZ_SETTINGS
@given(body=chat_body, raw=st.one_of(st.none(), st.binary(max_size=80)))
def test_fuzzed_chat_messages_never_answer_5xx(app, body, raw):
    client = app.test_client()
    headers = {"X-HC-Chat": "1", "Origin": CHAT_ORIGIN}
    if raw is None:
        response = client.post("/chat/api/message", json=body, headers=headers)
    else:
        response = client.post(
            "/chat/api/message", data=raw, headers={**headers, "Content-Type": "application/json"}
        )
    assert response.status_code < 500, body


def load_yaml(path: Path) -> dict:
    """YAML through the Rasa env's PyYAML (the app env has no YAML parser of its own)."""
    python = REPO / ".venv-rasa" / "bin" / "python"
    if not python.exists():
        pytest.skip("no .venv-rasa to parse YAML with")
    out = subprocess.run(
        [str(python), "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"],
        input=path.read_text(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_the_deployment_description_runs_our_python_3_11_rasa_image_on_the_shared_stores():
    compose = load_yaml(REPO / "deploy" / "docker-compose.yml")
    services = compose["services"]
    assert services["rasa"]["image"] == "hc-payments-rasa"
    rasa_image = (REPO / "deploy" / "Dockerfile.rasa").read_text()
    assert rasa_image.count("FROM python:3.11-slim") == 2  # the build stage and the image
    assert "scripts/rasa_lock.py install" in rasa_image and "USER rasa" in rasa_image
    for name in ("rasa", "actions", "web"):
        assert services[name]["deploy"]["replicas"] >= 2
    assert "gunicorn" in services["web"]["command"]
    assert {"postgres", "redis"} <= set(services)
    endpoints = load_yaml(REPO / "deploy" / "endpoints.production.yml")
    assert endpoints["tracker_store"]["type"] == "SQL"
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"]["type"] == "redis"
    # Rasa silently drops a lock key prefix that is not letters and digits (it logs "Omitting").
    assert services["rasa"]["environment"]["LOCK_KEY_PREFIX"].isalnum()
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile and "requirements.txt" in dockerfile
    namespace: dict[str, object] = {}
    exec(
        compile((REPO / "deploy" / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"),
        namespace,
    )
    assert namespace["worker_class"] == "gthread" and namespace["workers"] >= 2

"""The web app's settings are read once, when it starts (ivr.settings): a change to the process
environment afterwards (another library, a debugging session, a compromised dependency writing
os.environ) does not change which Twilio token signs webhooks or where the console's cookie goes."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from ivr.app import create_app
from ivr.settings import web_settings
from tests.fake_rasa import FakeRasa

BASE_URL = "https://ivr.example.org"
STARTED_WITH = "token-the-app-started-with-0123456789"


def signed(path: str, params: dict[str, str], token: str) -> dict[str, str]:
    return {
        "X-Twilio-Signature": RequestValidator(token).compute_signature(BASE_URL + path, params)
    }


def test_a_token_written_into_the_environment_after_start_signs_nothing(runtime, monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", STARTED_WITH)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    app = create_app({"TESTING": True}, runtime=runtime)
    app.extensions["rasa"] = FakeRasa()
    client = app.test_client()
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "attacker-chosen-token-0123456789")
    monkeypatch.setenv("OPS_COOKIE_SECURE", "no")
    params = {"From": "+16175550123", "To": "+18776236765", "Body": "HELP", "MessageSid": "SM1"}
    forged = signed("/sms/inbound", params, "attacker-chosen-token-0123456789")
    assert client.post("/sms/inbound", data=params, headers=forged).status_code == 403
    genuine = signed("/sms/inbound", params, STARTED_WITH)
    assert client.post("/sms/inbound", data=params, headers=genuine).status_code == 200
    assert web_settings(app).channels.twilio_auth_token == STARTED_WITH
    assert app.config["SESSION_COOKIE_SECURE"] is web_settings(app).ops.cookie_secure

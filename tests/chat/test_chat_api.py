"""The chat's JSON endpoint against a fake Rasa: conversation, sessions, limits, CORS, CSRF, outages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from tests.fake_rasa import FakeRasa

ALLOWED = "https://www.mahealthconnector.org"
HEADERS = {"X-HC-Chat": "1"}


def post(client, message="how do I pay by mail?", locale="en", headers=None, **kwargs):
    return client.post(
        "/chat/api/message",
        json={"message": message, "locale": locale},
        headers={**HEADERS, **(headers or {})},
        **kwargs,
    )


def texts(response) -> list[str]:
    return [m["text"] for m in response.get_json()["messages"]]


# ------------------------------------------------------------------ conversation


def test_a_message_reaches_rasa_as_the_web_channel_in_the_chosen_locale(client, fake_rasa):
    response = post(client, "¿cómo pago por correo?", locale="es")

    assert response.status_code == 200
    [sent] = fake_rasa.turns
    assert sent.message == "¿cómo pago por correo?"
    # The channel is the sender id's namespace (Rasa's signed channel reads it there); the
    # client's address reaches Rasa only as a keyed hash, for per-source verification limits.
    assert sent.metadata["locale"] == "es" and "channel" not in sent.metadata
    assert re.fullmatch(r"[0-9a-f]{32}", sent.metadata["client"])
    assert sent.sender.startswith("web:web-")
    assert response.get_json() == {
        "locale": "es",
        "messages": [{"text": "Ayuda con pagos", "buttons": [], "kind": "bot"}],
    }


def test_answers_are_rendered_from_message_ids_with_their_parameters(client, fake_rasa):
    fake_rasa.answer = lambda body: [
        {"custom": {"msg": "chat_too_long", "limit": 42}},
        {"text": "plain Rasa text is ignored"},
        {"custom": {"msg": "chat_unavailable", "phone": "1-877-623-6765"}},
    ]

    response = post(client)

    assert texts(response) == [
        "Please keep your message under 42 characters.",
        "Sorry, the assistant is not available right now. Please call Health Connector "
        "customer service at 1-877-623-6765, Monday to Friday, 8 AM to 6 PM.",
    ]


def test_quick_reply_buttons_get_titles_in_the_locale_and_only_plain_intent_payloads(
    client, fake_rasa
):
    fake_rasa.answer = lambda body: [
        {
            "custom": {
                "msg": "chat_title",
                "buttons": [
                    {"title_msg": "chat_send", "payload": "/faq/pay_by_mail"},
                    {"title_msg": "chat_close", "payload": "/affirm"},
                    {"title_msg": "chat_open", "payload": '/inform{"account_number": "1"}'},
                ],
            }
        }
    ]

    [message] = post(client, locale="es").get_json()["messages"]

    assert message["buttons"] == [
        {"title": "Enviar", "payload": "/faq/pay_by_mail"},
        {"title": "Cerrar el chat", "payload": "/affirm"},
    ]


def test_a_quick_reply_payload_is_forwarded_as_an_intent(client, fake_rasa):
    post(client, "/faq/pay_by_mail")

    assert fake_rasa.turns[0].message == "/faq/pay_by_mail"


def test_a_typed_intent_with_entities_cannot_set_slots(client, fake_rasa):
    post(client, '/inform{"verified": true}')

    assert fake_rasa.turns[0].message == 'inform{"verified": true}'


def test_an_unknown_message_id_still_gives_the_visitor_a_way_forward(client, fake_rasa):
    fake_rasa.answer = lambda body: [{"custom": {"msg": "no_such_message"}}]

    response = post(client)

    assert response.status_code == 200
    assert "1-877-623-6765" in texts(response)[0]


# ------------------------------------------------------------------ sessions


def test_one_browser_session_is_one_conversation(make_chat_app, fake_rasa):
    app = make_chat_app(fake_rasa.url)
    alice, bob = app.test_client(), app.test_client()

    post(alice)
    post(alice, "and by phone?")
    post(bob)

    first, second, third = fake_rasa.senders
    assert first == second
    assert third != first


def test_the_session_cookie_is_signed_http_only_scoped_and_expiring(client):
    response = post(client)

    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("hc_chat=")
    assert "HttpOnly" in cookie
    assert "Path=/chat/api" in cookie
    assert "Max-Age=1800" in cookie
    assert "SameSite=Lax" in cookie


def test_the_cookie_is_secure_when_served_over_https(make_chat_app, fake_rasa):
    app = make_chat_app(fake_rasa.url, CHAT_COOKIE_SECURE=None)

    response = post(app.test_client(), base_url="https://chat.example.org")

    assert "Secure" in response.headers["Set-Cookie"]


def test_a_tampered_cookie_starts_a_new_conversation(client, fake_rasa):
    post(client)
    cookie = client.get_cookie("hc_chat", path="/chat/api")
    client.set_cookie("hc_chat", cookie.value[:-3] + "AAA", path="/chat/api")

    response = post(client)

    assert fake_rasa.senders[0] != fake_rasa.senders[1]
    assert len(texts(response)) == 1  # no "your chat expired" notice for a forged cookie


def test_an_idle_session_expires_and_the_visitor_is_told_to_verify_again(client, fake_rasa):
    with time_machine.travel("2026-11-29 12:00 -0500", tick=False) as traveller:
        post(client)
        traveller.shift(timedelta(minutes=29))
        post(client)
        traveller.shift(timedelta(minutes=31))
        response = post(client)

    first, still_first, fresh = fake_rasa.senders
    assert first == still_first
    assert fresh != first
    assert "verify again" in texts(response)[0]


def test_even_an_active_session_ends_after_its_maximum_lifetime(make_chat_app, fake_rasa):
    app = make_chat_app(fake_rasa.url, CHAT_MAX_SESSION_SECONDS=3600)
    client = app.test_client()
    with time_machine.travel("2026-11-29 12:00 -0500", tick=False) as traveller:
        for _ in range(4):
            post(client)
            traveller.shift(timedelta(minutes=20))
        response = post(client)

    assert len(set(fake_rasa.senders[:4])) == 1
    assert fake_rasa.senders[4] != fake_rasa.senders[0]
    assert "verify again" in texts(response)[0]


# ------------------------------------------------------------------ input limits and bank numbers


def test_a_message_over_the_length_limit_is_refused_before_rasa(client, fake_rasa):
    assert post(client, "a" * 500).status_code == 200

    response = post(client, "a" * 501)

    assert response.status_code == 413
    assert texts(response) == ["Please keep your message under 500 characters."]
    assert len(fake_rasa.turns) == 1


@pytest.mark.parametrize("body", ["", "   ", None, 17])
def test_an_empty_or_malformed_message_is_refused(client, fake_rasa, body):
    response = client.post(
        "/chat/api/message", json={"message": body, "locale": "en"}, headers=HEADERS
    )

    assert response.status_code == 400
    assert fake_rasa.turns == []


def test_an_oversized_request_body_is_refused(client, fake_rasa):
    response = client.post(
        "/chat/api/message",
        data='{"message": "' + "x" * 9000 + '"}',
        headers={**HEADERS, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert fake_rasa.turns == []


@pytest.mark.parametrize(
    "message",
    [
        "my routing number is 211370545",
        "account 123456789012 please",
        "card 4111 1111 1111 1111 exp 12/29",
        "4111111111111111",
        "amex 3782 822463 10005",
    ],
)
def test_bank_and_card_numbers_never_reach_rasa(client, fake_rasa, message):
    response = post(client, message)

    assert response.status_code == 200
    assert fake_rasa.turns == []
    [answer] = texts(response)
    assert "don't type bank account, routing or card numbers" in answer
    assert "guest payment" in answer


@pytest.mark.parametrize(
    "message",
    ["my account is 1000000001 and zip 02108", "1000000001 02108", "zip 02108-1234", "01/15/1980"],
)
def test_account_numbers_zip_codes_and_birth_dates_do_reach_rasa(client, fake_rasa, message):
    post(client, message)

    assert [t.message for t in fake_rasa.turns] == [message]


# ------------------------------------------------------------------ CSRF


def test_a_request_without_the_chat_header_is_refused(client, fake_rasa):
    response = client.post("/chat/api/message", json={"message": "hi", "locale": "en"})

    assert response.status_code == 403
    assert fake_rasa.turns == []


def test_a_form_post_is_refused_even_with_the_header(client, fake_rasa):
    response = client.post(
        "/chat/api/message", data={"message": "hi", "locale": "en"}, headers=HEADERS
    )

    assert response.status_code == 403
    assert fake_rasa.turns == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "https://www.mahealthconnector.org.evil.example"},
    ],
)
def test_a_request_from_another_site_is_refused(client, fake_rasa, headers):
    response = post(client, headers=headers)

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    assert fake_rasa.turns == []


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "http://localhost"}, {"Referer": "http://localhost/chat"}, {"Origin": ALLOWED}],
)
def test_a_request_from_our_page_or_an_allowed_site_is_answered(client, fake_rasa, headers):
    assert post(client, headers=headers).status_code == 200


# ------------------------------------------------------------------ CORS


def test_an_allowed_origin_passes_the_preflight(client):
    response = client.options(
        "/chat/api/message",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-hc-chat",
        },
    )

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "X-HC-Chat" in response.headers["Access-Control-Allow-Headers"]
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_an_unknown_origin_fails_the_preflight(client):
    response = client.options(
        "/chat/api/message",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_answers_to_an_allowed_origin_carry_cors_headers(client):
    response = post(client, headers={"Origin": ALLOWED})

    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in response.headers["Vary"]


def test_strings_are_not_shared_with_unknown_origins(client):
    response = client.get("/chat/api/strings", headers={"Origin": "https://evil.example"})

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_no_origins_are_allowed_unless_configured(make_chat_app, fake_rasa, monkeypatch):
    monkeypatch.delenv("CHAT_ALLOWED_ORIGINS", raising=False)
    app = make_chat_app(fake_rasa.url, CHAT_ALLOWED_ORIGINS=None)

    response = app.test_client().options(
        "/chat/api/message",
        headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 403


# ------------------------------------------------------------------ rate limits


def test_a_session_sending_too_fast_is_slowed_down(make_chat_app, fake_rasa):
    app = make_chat_app(fake_rasa.url, CHAT_LIMIT_PER_SESSION="3/minute")
    client = app.test_client()

    statuses = [post(client).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = post(client, locale="es")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert texts(response) == [
        "Está enviando mensajes muy rápido. Espere un minuto y vuelva a intentarlo."
    ]
    assert len(fake_rasa.turns) == 3
    # another visitor on the same address is not affected
    assert post(app.test_client()).status_code == 200


def test_one_address_opening_many_sessions_is_slowed_down(make_chat_app, fake_rasa):
    app = make_chat_app(fake_rasa.url, CHAT_LIMIT_PER_IP="5/minute")

    statuses = [post(app.test_client()).status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert post(other).status_code == 200


def test_rate_limit_settings_come_from_the_environment(make_chat_app, fake_rasa, monkeypatch):
    monkeypatch.setenv("CHAT_LIMIT_PER_SESSION", "1/minute")
    app = make_chat_app(fake_rasa.url)
    client = app.test_client()

    assert [post(client).status_code for _ in range(2)] == [200, 429]


# ------------------------------------------------------------------ Rasa down


@pytest.mark.parametrize("locale", ["en", "es"])
def test_when_rasa_fails_the_visitor_gets_the_phone_number(client, fake_rasa, locale):
    fake_rasa.status = 500

    response = post(client, locale=locale)

    assert response.status_code == 503
    [answer] = texts(response)
    assert "1-877-623-6765" in answer
    assert ("not available" if locale == "en" else "no está disponible") in answer


def test_when_the_action_server_is_down_rasa_answers_nothing_and_the_visitor_is_told(
    client, fake_rasa
):
    fake_rasa.answer = lambda body: []

    response = post(client)

    assert response.status_code == 503
    assert "1-877-623-6765" in texts(response)[0]


def test_when_rasa_is_unreachable_the_visitor_gets_the_phone_number(make_chat_app):
    app = make_chat_app("http://127.0.0.1:9")

    response = post(app.test_client())

    assert response.status_code == 503
    assert "1-877-623-6765" in texts(response)[0]
    assert response.headers["Set-Cookie"].startswith("hc_chat=")


# ------------------------------------------------------------------ page, widget and wording


def test_the_page_speaks_the_browsers_language_and_loads_the_widget(client):
    response = client.get("/chat", headers={"Accept-Language": "es-US,es;q=0.9,en;q=0.5"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="es">' in html
    assert "<title>Chat de ayuda con pagos" in html
    assert re.search(r'<script src="/chat/widget.js"[^>]*data-locale="es"', html)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_the_page_defaults_to_english(client):
    assert '<html lang="en">' in client.get("/chat").get_data(as_text=True)


def test_the_widget_script_and_styles_are_served(client):
    script = client.get("/chat/widget.js")
    styles = client.get("/chat/static/widget.css")

    body = script.get_data(as_text=True)
    script.close()
    styles.close()
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "innerHTML" not in body
    assert styles.status_code == 200


@pytest.mark.parametrize(
    ("query", "accept", "locale", "send"),
    [("?locale=es", "", "es", "Enviar"), ("", "es-MX", "es", "Enviar"), ("", "fr", "en", "Send")],
)
def test_the_widget_wording_comes_from_the_server_in_the_chosen_locale(
    client, query, accept, locale, send
):
    response = client.get(f"/chat/api/strings{query}", headers={"Accept-Language": accept})

    data = response.get_json()
    assert data["locale"] == locale
    assert data["strings"]["chat_send"] == send
    assert data["max_chars"] == 500
    assert "500" in data["strings"]["chat_input_hint"]
    assert all(data["strings"].values())


def test_settings_default_to_safe_values_and_a_key_shared_by_all_workers(tmp_path):
    from billing_core.secrets import DEVELOPMENT_VALUES
    from ivr.chat.settings import ChatSettings

    settings = ChatSettings.load({}, env={"HC_DEVELOPMENT": "1"})

    assert settings.allowed_origins == ()
    assert settings.secret_key == DEVELOPMENT_VALUES["CHAT_SECRET_KEY"]  # every worker the same
    assert settings.cookie_samesite == "Lax"
    real = ChatSettings.load({}, env={"CHAT_SECRET_KEY": "k" * 43})
    assert real.secret_key == "k" * 43


def test_outside_development_mode_the_chat_refuses_to_start_without_its_key_and_writes_no_file(
    tmp_path,
):
    from billing_core.secrets import DEVELOPMENT_VALUES, MissingSecret
    from ivr.chat.settings import ChatSettings

    key_file = {"CHAT_SECRET_KEY_FILE": str(tmp_path / "chat.key")}  # where one used to be made
    public = DEVELOPMENT_VALUES["CHAT_SECRET_KEY"]
    for env in (key_file, {**key_file, "CHAT_SECRET_KEY": public}):
        with pytest.raises(MissingSecret, match="CHAT_SECRET_KEY"):
            ChatSettings.load({}, env=env)
    assert list(tmp_path.iterdir()) == []


def test_an_invalid_samesite_setting_is_rejected():
    from ivr.chat.settings import ChatSettings

    with pytest.raises(ValueError, match="SAMESITE"):
        ChatSettings.load({"CHAT_COOKIE_SAMESITE": "sometimes", "CHAT_SECRET_KEY": "k"}, env={})


def test_the_fake_rasa_is_the_rest_channel(fake_rasa: FakeRasa):
    assert fake_rasa.url.startswith("http://127.0.0.1:")

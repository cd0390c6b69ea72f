"""Who may see the console: staff who signed in, analysts for the misses; forms need their token."""

from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import select

from ivr.ops import cli
from ivr.ops.models import OpsLogin, OpsUser
from ivr.ops.users import UserError, create_user, set_password
from tests.ops.conftest import PASSWORD, csrf_of, sign_in

PAGES = [
    "containment",
    "intents",
    "transfers",
    "latency",
    "payments",
    "autopay",
    "reminders",
    "callbacks",
]


@pytest.mark.parametrize(
    "path",
    [
        "/ops/",
        *(f"/ops/{p}" for p in PAGES),
        "/ops/misses",
        "/ops/csv/containment/containment",
        "/ops/misses/export.yml",
    ],
)
def test_without_signing_in_every_page_sends_to_the_login(ops_app, path):
    response = ops_app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/ops/login?next=")


def test_a_viewer_sees_the_charts_but_not_the_misses(viewer):
    assert viewer.get("/ops/containment").status_code == 200
    for path in ("/ops/misses", "/ops/csv/misses", "/ops/misses/export.yml"):
        refused = viewer.get(path)
        assert refused.status_code == 403 and "for analysts" in refused.text
    page = viewer.get("/ops/containment").text
    token = csrf_of(page)
    posted = viewer.post(
        "/ops/misses/label",
        data={"csrf_token": token, "key": "x", "intent": "check_balance"},
        headers={"Origin": "http://localhost"},
    )
    assert posted.status_code == 403
    assert 'href="/ops/misses' not in page


def test_an_analyst_sees_the_misses(analyst):
    assert analyst.get("/ops/misses").status_code == 200
    assert 'href="/ops/misses' in analyst.get("/ops/containment").text


def test_every_login_is_recorded_and_a_wrong_password_is_refused(ops_app):
    client = ops_app.test_client()
    assert sign_in(client, "vera", "wrong password!!").status_code == 401
    assert sign_in(client, "nobody", PASSWORD).status_code == 401
    assert sign_in(client, "vera").status_code == 302
    with ops_app.extensions["billing"].engine.connect() as conn:
        logins = conn.execute(select(OpsLogin.username, OpsLogin.succeeded, OpsLogin.user_id)).all()
        stored = conn.scalar(select(OpsUser.password_hash).where(OpsUser.username == "vera"))
    assert [(u, ok) for u, ok, _ in logins] == [("vera", False), ("nobody", False), ("vera", True)]
    assert logins[1][2] is None
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_five_wrong_passwords_lock_the_username_for_a_while(ops_app):
    client = ops_app.test_client()
    for _ in range(5):
        assert sign_in(client, "vera", "wrong password!!").status_code == 401
    assert sign_in(client, "vera").status_code == 401  # even the right one, for 15 minutes


def test_a_form_without_its_csrf_token_or_from_another_site_is_refused(ops_app, viewer):
    client = ops_app.test_client()
    no_token = client.post("/ops/login", data={"username": "vera", "password": PASSWORD})
    assert no_token.status_code == 400
    token = csrf_of(client.get("/ops/login").text)
    forged = client.post(
        "/ops/login",
        data={"username": "vera", "password": PASSWORD, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 400
    wrong = client.post(
        "/ops/login",
        data={"username": "vera", "password": PASSWORD, "csrf_token": token[:-2] + "xx"},
        headers={"Origin": "http://localhost"},
    )
    assert wrong.status_code == 400
    assert viewer.post("/ops/logout", data={}).status_code == 400  # signing out is a form too
    assert viewer.get("/ops/containment").status_code == 200


def test_signing_out_ends_the_session(viewer):
    token = csrf_of(viewer.get("/ops/containment").text)
    assert viewer.post("/ops/logout", data={"csrf_token": token}).status_code == 302
    assert viewer.get("/ops/containment").status_code == 302


def test_the_session_ends_after_idle_minutes(ops_app, viewer, monkeypatch):
    assert viewer.get("/ops/containment").status_code == 200
    later = time.time() + 16 * 60
    monkeypatch.setattr("ivr.ops.auth.time.time", lambda: later)
    expired = viewer.get("/ops/containment")
    assert expired.status_code == 302 and "expired=1" in expired.headers["Location"]
    assert viewer.get("/ops/containment").status_code == 302  # signed out for good


def test_a_new_password_ends_the_old_sessions(ops_app, viewer):
    set_password(ops_app.extensions["billing"].engine, "vera", "another long password")
    assert viewer.get("/ops/containment").status_code == 302


def test_the_console_cookie_is_its_own_and_other_channels_never_get_it(ops_app, viewer):
    client = ops_app.test_client()
    response = client.get("/ops/login")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("hc_ops=") and "Path=/ops" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Frame-Options"] == "DENY"
    health = client.get("/health")
    assert "Set-Cookie" not in health.headers and "Cookie" not in health.headers.get("Vary", "")


def test_staff_accounts_come_from_the_command_line(ops_app, monkeypatch, capsys):
    engine = ops_app.extensions["billing"].engine
    monkeypatch.setenv("DATABASE_URL", str(engine.url.render_as_string(hide_password=False)))
    monkeypatch.setattr("sys.stdin", io.StringIO("a very long password\n"))
    assert cli.main(["create-user", "olga", "--role", "analyst", "--password-stdin"]) == 0
    assert cli.main(["list-users"]) == 0
    assert "olga\tanalyst\tactive" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["create-user", "pat", "--role", "viewer", "--password-stdin"]) == 2
    assert "at least 12 characters" in capsys.readouterr().err
    assert cli.main(["disable-user", "olga"]) == 0
    assert sign_in(ops_app.test_client(), "olga", "a very long password").status_code == 401
    with pytest.raises(UserError):
        create_user(engine, "Bad Name", PASSWORD, "viewer", None)  # type: ignore[arg-type]


def test_every_console_form_refuses_a_post_without_its_token(ops_app, analyst):
    posts = [
        rule.rule
        for rule in ops_app.url_map.iter_rules()
        if rule.rule.startswith("/ops/") and "POST" in (rule.methods or ())
    ]
    assert {"/ops/login", "/ops/logout", "/ops/misses/label"} <= set(posts)
    for path in posts:
        refused = analyst.post(path, data={"intent": "help", "key": "x"})
        assert refused.status_code == 400, path
    assert analyst.get("/ops/misses").status_code == 200  # still signed in

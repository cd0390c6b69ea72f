"""The call simulator signs its requests, follows TwiML and prints what the caller hears."""

from __future__ import annotations

import io

from ivr.simulate import IN_PROCESS_BASE, Phone, Transport, answers_from
from tests.fake_rasa import bot
from tests.voice.conftest import TOKEN


def transport_for(app) -> Transport:
    client = app.test_client()

    def post(path, form, headers):
        response = client.post(path, data=form, headers=headers)
        return response.status_code, response.data

    return Transport(IN_PROCESS_BASE, TOKEN, post)


def test_a_scripted_call_prints_the_conversation(app, fake_rasa, capsys):
    fake_rasa.script = lambda message, meta: [bot("goodbye", expect="end")]
    script = io.StringIO("# pick English\n1\n-\n1\n")
    out = io.StringIO()
    Phone(transport_for(app), "+16175550101", "+18776236765", out=out).run(
        answers_from(script, echo=True)
    )
    printed = out.getvalue()
    assert "para español" in printed.lower()
    assert "didn't hear anything" in printed
    assert "[Twilio hangs up]" in printed
    assert [t[1] for t in fake_rasa.turns] == ["/check_balance"]
    assert "caller > (silence)" in capsys.readouterr().out


def test_a_wrong_token_shows_what_twilio_would_do(app):
    client = app.test_client()

    def post(path, form, headers):
        response = client.post(path, data=form, headers=headers)
        return response.status_code, response.data

    out = io.StringIO()
    Phone(Transport(IN_PROCESS_BASE, "wrong", post), "+1617", "+1877", out=out).run(iter([None]))
    assert "HTTP 403" in out.getvalue()


def test_script_lines_keep_pound_keys_and_drop_comments():
    answers = list(
        answers_from(io.StringIO("# comment\n000123456789#\nmy balance  # words\n-\n"), False)
    )
    assert answers == ["000123456789#", "my balance", "", None]

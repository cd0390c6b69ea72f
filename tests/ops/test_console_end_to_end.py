"""A whole pay-by-phone call through the real Rasa stack, then every console page and export:
no bank number, ZIP code, date of birth or full phone number appears anywhere."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing_core.billing_calendar import add_months, due_at, first_of_month, utcnow
from billing_core.models import Account, Coverage, Invoice
from ivr.ops.pages import PAGES
from ivr.ops.users import create_user
from ivr.outcomes.models import OutcomeConversation, OutcomeTurn
from ivr.outcomes.vocabulary import task_names
from tests.billing.factories import make_account
from tests.ops.conftest import PASSWORD, csrf_of, sign_in
from tests.voice.conftest import e2e_app, e2e_caller  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

ROUTING = "021000021"
BANK_ACCOUNT = "000987654321"
PHONE = "+16175550377"
SECRETS = (
    BANK_ACCOUNT,
    ROUTING,
    "02108",  # the member's ZIP code
    "1985",  # the birth year said
    "1980",  # the member's birth year
    "04/12",
    "6175550377",
    "555-0377",
    "555 0377",
)


ACCOUNT = "1000000777"


def member_of_our_own(runtime) -> None:  # type: ignore[no-untyped-def]
    """An account only this test pays on (the stack's database is shared by the session: the
    demo members' balances and banks on file must stay as the other tests expect them)."""
    now = utcnow()
    with runtime.uow() as uow:
        if uow.session.scalar(select(Account.id).where(Account.account_number == ACCOUNT)):
            return
    make_account(runtime, ACCOUNT, phone=None, start=first_of_month(now.date()), now=now)
    month = add_months(first_of_month(now.date()), 1)
    with runtime.uow() as uow:
        account = uow.session.scalars(
            select(Account).where(Account.account_number == ACCOUNT)
        ).one()
        coverage = uow.session.scalars(
            select(Coverage).where(Coverage.account_id == account.id)
        ).one()
        uow.session.add(
            Invoice(
                invoice_number=f"{month:%Y%m}0{coverage.id:08d}",
                account_id=account.id,
                coverage_id=coverage.id,
                coverage_month=month,
                amount=Decimal("200.00"),
                issued_at=now,
                due_at=due_at(month),
            )
        )


def pay_by_phone(c) -> None:  # type: ignore[no-untyped-def]
    c.phone = PHONE
    c.dial_in()
    c.press("1")  # English
    c.press("3")  # pay
    c.press(ACCOUNT)
    c.press("02108")
    c.press("50*00")
    if "ending in" in c.heard:  # an earlier test left a bank account on file: a new one
        c.press("2")
    c.press("1")  # checking
    c.press(ROUTING)
    c.press(BANK_ACCOUNT)
    c.press(BANK_ACCOUNT)
    assert "authorize" in c.heard
    c.press("1")
    assert "confirmation number" in c.heard
    # Then the caller says what nobody should keep: numbers, a birth date, a phone number.
    c.say("my zip code is 02108 and I was born April 12 1985, call me at 617 555 0377")
    c.say(f"my bank account is {BANK_ACCOUNT} routing {ROUTING}")
    c.say("uh what is the thingy for the blue form")
    c.hang_up()


def test_no_bank_number_zip_birth_date_or_phone_reaches_any_console_page_or_export(
    e2e_app,  # noqa: F811
    e2e_caller,  # noqa: F811
    results_dir,
):
    member_of_our_own(e2e_app.extensions["billing"])
    pay_by_phone(e2e_caller)
    engine = e2e_app.extensions["billing"].engine
    with engine.connect() as conn:
        call = conn.execute(
            select(OutcomeConversation).order_by(OutcomeConversation.id.desc()).limit(1)
        ).one()
        words = conn.execute(
            select(OutcomeTurn)
            .where(OutcomeTurn.conversation_id == call.id)
            .order_by(OutcomeTurn.id)
        ).all()
    assert call.channel == "voice" and call.verified and "payment" in task_names(call.tasks)
    assert call.outcome == "self_served" and call.ended_at is not None
    assert any(t.intent == "pay_bill" and t.confidence == 1.0 for t in words)  # the menu key
    spoken = [t for t in words if t.input == "speech"]
    assert len(spoken) == 3
    # The signed channel's NLU reading came back for words Rasa read: an intent, a confidence.
    read = [t for t in spoken if t.reply is not None]  # a bank number never went to Rasa
    assert read and all(t.intent and 0 < t.confidence <= 1 for t in read)
    assert spoken[0].text == "my zip code is [number] and I was born [date], call me at [number]"
    for turn in words:
        assert not re.search(r"\d", turn.text or "")

    name = f"e2e-{uuid.uuid4().hex[:8]}"
    create_user(engine, name, PASSWORD, "analyst", datetime.now(UTC))
    client = e2e_app.test_client()
    assert sign_in(client, name).status_code == 302
    seen: list[str] = []
    for period in ("period=today", "period=30d"):
        for slug in PAGES:
            page = client.get(f"/ops/{slug}?{period}")
            assert page.status_code == 200, slug
            seen.append(page.text)
            for link in re.findall(r'href="(/ops/csv/[^"]+)"', page.text):
                download = client.get(html.unescape(link))
                assert download.status_code == 200 and download.mimetype == "text/csv"
                seen.append(download.text)
        misses = client.get(f"/ops/misses?{period}")
        assert misses.status_code == 200
        seen.append(misses.text)
        seen.append(client.get(f"/ops/csv/misses?{period}").text)
    misses = client.get("/ops/misses?period=30d")
    assert "[number]" in html.unescape(misses.text)  # the masked words are there to label
    keys = re.findall(r'name="key" value="([^"]+)"', misses.text)
    labelled = client.post(
        "/ops/misses/label",
        data={"csrf_token": csrf_of(misses.text), "key": html.unescape(keys[0]), "intent": "help"},
        headers={"Origin": "http://localhost"},
    )
    assert labelled.status_code == 302
    seen.append(client.get("/ops/misses/export.yml").text)
    everything = html.unescape("\n".join(seen))
    for secret in SECRETS:
        assert secret not in everything, secret
    assert "- intent: help" in everything
    (results_dir / "console-e2e-export.yml").write_text(seen[-1])


def test_the_signed_channel_reports_the_nlu_reading_and_nothing_else(rasa_stack):
    import json

    import requests

    from ivr.rasa_client import CHANNEL_PATH, signed_headers
    from tests.rasa_stack import CHANNEL_SECRET

    def raw(message: str) -> list[dict]:
        body = json.dumps(
            {"sender": f"web:nlu-{uuid.uuid4().hex[:8]}", "message": message, "metadata": {}}
        ).encode()
        answer = requests.post(
            f"{rasa_stack.url}{CHANNEL_PATH}",
            data=body,
            headers=signed_headers(CHANNEL_SECRET, body),
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()

    words = raw("how can I pay my bill by mail? my zip is 02108")
    *messages, reading = words
    assert messages and all("custom" in m for m in messages)
    assert set(reading) == {"hc_nlu"}
    assert set(reading["hc_nlu"]) == {"intent", "confidence", "fallback"}
    assert reading["hc_nlu"]["intent"] == "faq" and 0 < reading["hc_nlu"]["confidence"] <= 1
    assert "02108" not in json.dumps(reading) and "mail" not in json.dumps(reading)
    keyed = raw("/check_balance")[-1]["hc_nlu"]
    assert keyed == {"intent": "check_balance", "confidence": 1.0, "fallback": False}

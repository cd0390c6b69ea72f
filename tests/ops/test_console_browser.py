"""The console in a real browser (Debian Chromium, headless): sign in, every chart with its table,
a CSV download, labelling and exporting a miss, and the refusals. Screenshots go to test-results/."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from billing_core.demo import load_demo_data
from ivr.app import create_app
from ivr.config import ChannelSettings
from ivr.ops.pages import PAGES
from ivr.ops.users import create_user
from tests.conftest import make_runtime
from tests.ops.conftest import PASSWORD, live_server
from tests.ops.helpers import conversation

pytestmark = pytest.mark.slow


@pytest.fixture
def console(sqlite_template, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "billing.sqlite3"
    shutil.copy(sqlite_template, path)
    runtime = make_runtime(f"sqlite:///{path}", tmp_path)
    now = datetime.now(UTC)
    with runtime.uow() as uow:
        load_demo_data(uow, now=now)
    engine = runtime.engine
    for days_ago in range(0, 30, 3):
        at = now - timedelta(days=days_ago, minutes=5)
        conversation(engine, at, task="balance", latency_ms=120 + days_ago)
        conversation(engine, at, task="payment", channel="voice", language="es", latency_ms=300)
        conversation(engine, at, channel="chat", task="faq", topic="pay_by_mail")
        conversation(engine, at, transfer="caller_asked")
        conversation(
            engine, at, said=["can I pay with my card 4111 1111 1111 1111"], confidence=0.2
        )
    create_user(engine, "ana", PASSWORD, "analyst", now)
    create_user(engine, "vera", PASSWORD, "viewer", now)
    app = create_app({"TESTING": True}, runtime=runtime, channels=ChannelSettings("tok"))
    with live_server(app) as base:
        yield base
    engine.dispose()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(accept_downloads=True)
    yield context.new_page()
    context.close()


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_viewer_signs_in_and_sees_every_chart_with_its_table(console, page, results_dir):
    page.goto(f"{console}/ops/containment?period=30d")
    assert page.get_by_role("heading", name="Sign in").is_visible()  # not signed in: the login
    page.screenshot(path=str(results_dir / "ops-login.png"))
    sign_in(page, console, "vera")
    page.get_by_role("heading", level=1, name="Containment", exact=True).wait_for()
    assert "period=30d" in page.url
    for spec in PAGES.values():
        page.goto(f"{console}/ops/{spec.slug}?period=30d")
        assert page.get_by_role("heading", level=1, name=spec.title, exact=True).is_visible()
        sections = page.locator("main section")
        for i in range(sections.count()):
            section = sections.nth(i)
            chart = section.get_by_role("img")
            assert chart.count() == 1 and chart.get_attribute("aria-labelledby")
            table = section.get_by_role("table")
            assert table.locator("caption").inner_text()
            assert table.locator("th[scope=col]").count() >= 2
        page.screenshot(path=str(results_dir / f"ops-{spec.slug}.png"), full_page=True)
    page.goto(f"{console}/ops/containment?period=30d")
    chart_labels = page.locator("svg.chart text").all_text_contents()
    assert any("voice / es" in t for t in chart_labels)
    with page.expect_download() as download_info:
        page.get_by_role(
            "link", name="Download “Containment by channel and language” as CSV"
        ).click()
    download = download_info.value
    assert download.suggested_filename.startswith("containment-")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("Channel,Language,Ended,Self-served")
    assert "voice,es,10,10,0,0,0,100.0" in text

    # A viewer is refused the analyst's page, and the navigation does not offer it.
    assert page.get_by_role("link", name="Misses").count() == 0
    refused = page.goto(f"{console}/ops/misses")
    assert refused.status == 403 and page.get_by_text("This page is for analysts").is_visible()
    page.screenshot(path=str(results_dir / "ops-viewer-refused.png"))


def test_an_analyst_labels_a_miss_and_exports_it(console, page, results_dir):
    page.goto(f"{console}/ops/login")
    sign_in(page, console, "ana")
    page.get_by_role("link", name="Misses").click()
    page.get_by_role("radio", name="Last 30 days").check()
    page.get_by_role("button", name="Show").click()
    row = page.get_by_role("row").filter(has_text="can I pay with my card [number]")
    assert row.get_by_role("cell").nth(0).inner_text() == "10"  # how often
    row.get_by_label("Intent for").fill("faq/card_payments")
    row.get_by_role("button", name="Label").click()
    page.get_by_role("status").filter(has_text="Label saved").wait_for()
    assert (
        "labelled faq/card_payments"
        in page.get_by_role("row").filter(has_text="can I pay with my card").inner_text()
    )
    page.screenshot(path=str(results_dir / "ops-misses.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export labelled misses (Rasa NLU YAML)").click()
    exported = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert (
        "- intent: faq/card_payments\n  examples: |\n    - can I pay with my card [number]"
        in exported
    )
    assert "4111" not in exported and "4111" not in page.content()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.goto(f"{console}/ops/misses")
    assert page.get_by_role("heading", name="Sign in").is_visible()

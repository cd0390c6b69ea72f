"""The widget in a real browser (Debian Chromium, headless) against a fake Rasa: rendering, safety,
keyboard use, outages and embedding on another site with one script tag."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.chat.conftest import live_server
from tests.fake_rasa import FakeRasa

pytestmark = pytest.mark.slow

XSS = "<img src=x onerror=alert(1)>"


def bot_answer(body):
    return [
        {
            "custom": {
                "msg": "chat_subtitle",
                "buttons": [{"title_msg": "chat_send", "payload": "/affirm"}],
            }
        }
    ]


@pytest.fixture
def page_at(browser):
    contexts = []

    def open_page(url: str, locale: str = "en-US", **options):
        context = browser.new_context(locale=locale, **options)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_user_text_and_html_like_answers_are_shown_as_text(
    make_chat_app, fake_rasa: FakeRasa, page_at, results_dir
):
    fake_rasa.answer = bot_answer
    with live_server(make_chat_app(fake_rasa.url)) as base:
        page = page_at(f"{base}/chat")
        page.get_by_label("Your message").fill(XSS)
        page.keyboard.press("Enter")
        page.get_by_role("group", name="Suggested replies").wait_for()  # the answer is in
        user = page.locator(".hc-user").last
        assert user.inner_text().endswith(XSS)
        assert page.locator(".hc-log img").count() == 0
        assert page.dialogs == []
        assert fake_rasa.turns[0].message == XSS
        page.screenshot(path=str(results_dir / "chat-widget-fake-xss.png"))


def test_keyboard_only_use_with_visible_focus_and_a_live_region(
    make_chat_app, fake_rasa: FakeRasa, page_at
):
    fake_rasa.answer = bot_answer
    with live_server(make_chat_app(fake_rasa.url)) as base:
        page = page_at(f"{base}/chat")
        log = page.get_by_role("log", name="Conversation")
        assert log.get_attribute("aria-live") == "polite"
        page.get_by_text("Hi! I can answer").wait_for()

        page.keyboard.press("Tab")  # language switch
        focused = page.evaluate_handle("document.activeElement.shadowRoot.activeElement")
        assert focused.evaluate("e => e.textContent") == "Español"
        outline = focused.evaluate("e => getComputedStyle(e).outlineStyle")
        assert outline == "solid"
        page.keyboard.press("Tab")  # the conversation log (scrollable by keyboard)
        page.keyboard.press("Tab")  # the message box
        page.keyboard.type("hello")
        page.keyboard.press("Enter")
        reply = page.get_by_role("group", name="Suggested replies").get_by_role("button")
        reply.wait_for()
        reply.focus()
        page.keyboard.press("Enter")
        page.locator(".hc-bot").nth(2).wait_for()  # the answer to the quick reply
        assert [t.message for t in fake_rasa.turns] == ["hello", "/affirm"]
        assert page.locator(".hc-user").nth(1).inner_text().endswith("Send")
        assert len(set(fake_rasa.senders)) == 1


def test_spanish_from_the_browser_language_and_the_switch_back(
    make_chat_app, fake_rasa: FakeRasa, page_at
):
    with live_server(make_chat_app(fake_rasa.url)) as base:
        page = page_at(f"{base}/chat", locale="es-MX")
        page.get_by_label("Su mensaje").wait_for()
        assert page.evaluate("document.documentElement.lang") == "es"
        page.get_by_role("button", name="English").click()
        page.get_by_label("Your message").fill("hi")
        page.keyboard.press("Enter")
        page.locator(".hc-bot").nth(1).wait_for()
        assert fake_rasa.turns[0].metadata["locale"] == "en"
        assert fake_rasa.turns[0].sender.startswith("web:")  # the channel is the namespace
        assert page.title().startswith("Payment help chat")


def test_when_rasa_is_down_the_widget_gives_the_phone_number(make_chat_app, page_at):
    with live_server(make_chat_app("http://127.0.0.1:9")) as base:
        page = page_at(f"{base}/chat")
        page.get_by_label("Your message").fill("how do I pay by mail?")
        page.keyboard.press("Enter")
        notice = page.locator(".hc-notice")
        notice.wait_for()
        assert "1-877-623-6765" in notice.inner_text()
        assert notice.locator("a").get_attribute("href") == "tel:+18776236765"


def test_readable_at_200_percent_zoom(make_chat_app, fake_rasa: FakeRasa, page_at, results_dir):
    fake_rasa.answer = bot_answer
    with live_server(make_chat_app(fake_rasa.url)) as base:
        # 200 % zoom of a 1280 x 800 window is a 640 x 400 CSS-pixel viewport at scale 2.
        page = page_at(
            f"{base}/chat", viewport={"width": 640, "height": 400}, device_scale_factor=2
        )
        page.get_by_label("Your message").fill("how do I pay by mail?")
        page.keyboard.press("Enter")
        page.locator(".hc-bot").nth(1).wait_for()
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], "horizontal scrolling at 200 % zoom"
        for name in ("Your message",):
            assert page.get_by_label(name).is_visible()
        page.screenshot(path=str(results_dir / "chat-widget-200-percent.png"), full_page=True)


def test_one_script_tag_embeds_the_widget_on_an_allowed_site(
    make_chat_app, fake_rasa: FakeRasa, page_at, results_dir
):
    fake_rasa.answer = bot_answer
    site = Flask("member_site")

    @site.get("/")
    def home():
        return (
            "<!doctype html><html lang='en'><head><title>Member site</title></head><body>"
            "<h1>Pay your bill</h1>"
            f"<script src='{site.config['CHAT_BASE']}/chat/widget.js' defer></script>"
            "</body></html>"
        )

    with live_server(site) as site_base:
        site_origin = site_base.replace("127.0.0.1", "localhost")
        chat_app = make_chat_app(fake_rasa.url, CHAT_ALLOWED_ORIGINS=site_origin)
        with live_server(chat_app) as chat_base:
            # Same site (localhost), different origin (port): the cookie is SameSite=Lax.
            site.config["CHAT_BASE"] = chat_base.replace("127.0.0.1", "localhost")
            page = page_at(site_origin + "/")
            launcher = page.get_by_role("button", name="Chat with us")
            launcher.click()
            assert launcher.get_attribute("aria-expanded") == "true"
            page.keyboard.type("first")  # focus moved into the message box
            page.keyboard.press("Enter")
            page.locator(".hc-bot").nth(1).wait_for()
            page.get_by_label("Your message").fill("second")
            page.keyboard.press("Enter")
            page.locator(".hc-bot").nth(2).wait_for()
            assert len(fake_rasa.turns) == 2
            assert len(set(fake_rasa.senders)) == 1, "one conversation across messages"
            page.screenshot(path=str(results_dir / "chat-widget-embedded.png"))
            page.keyboard.press("Escape")
            assert launcher.get_attribute("aria-expanded") == "false"

            chat_app.extensions["chat"].settings = chat_app.extensions["chat"].settings.__class__(
                **{**vars(chat_app.extensions["chat"].settings), "allowed_origins": ()}
            )
            launcher.click()
            page.get_by_label("Your message").fill("third")
            page.keyboard.press("Enter")
            page.locator(".hc-notice").wait_for()
            assert len(fake_rasa.turns) == 2
            assert re.search("1-877-623-6765", page.locator(".hc-notice").inner_text())

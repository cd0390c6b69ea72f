"""One reading of yes/no settings (billing_core.settings.env_flag) for every process."""

import pytest

from billing_core.environment import env_flag
from billing_core.settings import Settings
from ivr.chat.settings import ChatSettings
from ivr.sms.reminder_settings import ReminderSettings


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        (None, False, False),
        ("", True, True),
        ("1", False, True),
        (" TRUE ", False, True),
        ("yes", False, True),
        ("On", False, True),
        ("0", True, False),
        ("false", True, False),
        ("NO", True, False),
        ("off", True, False),
        ("maybe", False, False),
        ("maybe", True, True),
        (True, False, True),
        (False, True, False),
    ],
)
def test_yes_and_no_words_any_case_else_the_default(value, default, expected):
    env = {} if value is None else {"FLAG": value}
    assert env_flag("FLAG", default, env) is expected


def test_each_setting_keeps_its_default():
    assert Settings.from_env({}).card_payments_enabled is False
    assert Settings.from_env({"CARD_PAYMENTS_ENABLED": "yes"}).card_payments_enabled is True
    assert ReminderSettings.from_env({}).include_amounts is True
    assert ReminderSettings.from_env({"SMS_INCLUDE_AMOUNTS": "off"}).include_amounts is False
    dev = {"HC_DEVELOPMENT": "1"}
    assert ChatSettings.load({}, dev).cookie_secure is None  # unset: Secure over HTTPS only
    assert ChatSettings.load({"CHAT_COOKIE_SECURE": True}, dev).cookie_secure is True
    assert ChatSettings.load({}, {**dev, "CHAT_COOKIE_SECURE": "0"}).cookie_secure is False

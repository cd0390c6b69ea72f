"""Structured logs mask digits but keep the call id; metrics count turns, outages and payments."""

from __future__ import annotations

import json
import logging

from ivr.masked_logs import JsonFormatter, MaskedTextFormatter
from ivr.observability import count_bot_messages
from tests.fake_rasa import bot
from tests.production.helpers import ops_get


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.makeLogRecord({"name": "t", "levelname": "INFO", "msg": msg, "args": args})
    rec.__dict__.update(extra)
    return rec


def test_json_lines_mask_every_long_digit_run_but_keep_safe_ids():
    sid = "CA" + "0123456789abcdef" * 2
    line = JsonFormatter().format(
        record("account %s routing %s", "000987654321", "021000021", call_sid=sid, form="9876 x")
    )
    entry = json.loads(line)
    assert "000987654321" not in line and "021000021" not in line and "9876" not in line
    assert entry["msg"] == "account #### routing ####"
    assert entry["call_sid"] == sid


def test_exceptions_are_masked_too():
    try:
        raise ValueError("bad account 000987654321")
    except ValueError:
        import sys

        rec = record("failed")
        rec.exc_info = sys.exc_info()
    assert "000987654321" not in JsonFormatter().format(rec)
    assert "000987654321" not in MaskedTextFormatter().format(rec)


def test_the_app_exports_metrics_and_counts_an_outage(client_with_outage):
    client, caller = client_with_outage
    caller.dial_in()
    caller.press("1")
    caller.press("1")
    text = ops_get(client, "/metrics").get_data(as_text=True)
    assert 'ivr_turn_seconds_count{channel="voice"}' in text
    assert 'ivr_rasa_outages_total{channel="voice"}' in text


def test_payment_results_are_counted_from_rasa_answers():
    from ivr.observability import PAYMENTS

    before = PAYMENTS.labels("succeeded")._value.get()
    count_bot_messages("voice", [bot("payment_confirmation", amount="1.00")])
    assert PAYMENTS.labels("succeeded")._value.get() == before + 1

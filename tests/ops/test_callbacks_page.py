"""The callbacks page lists after-hours requests waiting to be called back, never a full number."""

from __future__ import annotations

from datetime import UTC, datetime

from ivr.voice.callbacks import mark_done, request_callback

PHONE = "+16175550142"


def test_waiting_callbacks_are_listed_with_only_the_last_four_digits(ops_app, viewer, runtime):
    evening = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 6:30 PM Eastern: after hours
    with runtime.uow() as uow:
        request_callback(
            uow,
            phone=PHONE,
            window="morning",
            locale="es",
            context={"account_last4": "0004", "asked": ["pay_bill"], "reason": "asked_for_agent"},
            call_sid="CA-cb-1",
            now=evening,
        )
        done = request_callback(
            uow,
            phone="+16175550143",
            window="any",
            locale="en",
            context={},
            call_sid="CA-cb-2",
            now=evening,
        )
    assert done.created
    with runtime.uow() as uow:
        from ivr.voice.models import CallbackRequest

        other = uow.session.query(CallbackRequest).filter_by(call_sid="CA-cb-2").one()
        assert mark_done(uow, other.id, evening)

    page = viewer.get("/ops/callbacks").get_data(as_text=True)
    assert "…0142" in page and "morning" in page and "asked_for_agent" in page
    assert PHONE not in page and "6175550142" not in page
    assert "…0143" not in page  # called back already
    csv = viewer.get("/ops/csv/callbacks/callbacks").get_data(as_text=True)
    assert "…0142" in csv and "6175550142" not in csv

"""Payment status: "did my payment go through?", "did my AutoPay draft?", "when will it post?".

A verified member hears their latest payment (and latest AutoPay draft, when a one-time payment
came after it) from the ledger: amount, how and when it was made, its state (pending, posted,
returned with the reason said plainly, cancelled) and what to do next; then the next AutoPay draft,
a credit and a refund on its way (billing_core.payment_status). Anyone else hears the general
posting rule (the `faq/payment_posting` answer) and is offered to look up their own payment: a yes
opens the verification form, after which the answer above follows (rules_self_service.yml).
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account import say_autopay_status
from actions.common import YES_NO_BUTTONS, anything_else, call_billing, say
from actions.identity import acting_for, verified_account
from billing_core.autopay import AutopayStatus
from billing_core.balances import Balance
from billing_core.billing_calendar import utcnow
from billing_core.payment_status import PaymentFact, PaymentStatus, RefundFact, payment_status

OFFER_SLOT = "payment_lookup_offered"  # the general answer ended with "shall I look yours up?"
STATE_MESSAGES = {
    "scheduled": "payment_status_scheduled",
    "processing": "payment_status_processing",
    "posted": "payment_status_posted",
    "returned": "payment_status_returned",
    "cancelled": "payment_status_cancelled",
}
NEXT_STEP_MESSAGES = {
    "retry": "payment_next_retry",
    "new_bank": "payment_next_new_bank",
    "pay_again": "payment_next_pay_again",
    "paid_since": "payment_next_paid_since",
}


def say_payment(dispatcher: CollectingDispatcher, fact: PaymentFact, balance: Balance) -> None:
    """One payment: its state, and for a returned one why and what to do now."""
    returned = fact.state == "returned"
    say(
        dispatcher,
        STATE_MESSAGES[fact.state],
        amount=fact.amount,
        payment_channel=fact.channel,
        payment_date=fact.made_on,
        final_date=fact.final_on,
        returned_date=(fact.returned_on or fact.made_on) if returned else None,
        return_reason=fact.return_reason,
    )
    if fact.cancellable:
        say(dispatcher, "payment_status_can_cancel")
    if fact.next_step:
        say(
            dispatcher,
            NEXT_STEP_MESSAGES[fact.next_step],
            retry_date=fact.retry_on,
            balance_amount=balance.amount_due,
        )


def say_next_draft(dispatcher: CollectingDispatcher, status: AutopayStatus) -> None:
    if status.unpaid_month is not None and status.drafts_resume_on is not None:
        say_autopay_status(dispatcher, status)  # a paused draft or a bill AutoPay won't pay
    elif status.status == "active" and status.next_draft_date is not None:
        say(
            dispatcher,
            "payment_status_next_draft"
            if status.next_draft_amount
            else "payment_status_next_draft_no_amount",
            next_draft_amount=status.next_draft_amount,
            next_draft_date=status.next_draft_date,
        )


def say_refund(dispatcher: CollectingDispatcher, refund: RefundFact) -> None:
    if refund.state == "sent":
        say(
            dispatcher,
            "refund_sent",
            refund_amount=refund.amount,
            last4=refund.last4,
            refund_date=refund.sent_on,
        )
    elif refund.method == "eft":
        say(dispatcher, "refund_on_its_way", refund_amount=refund.amount, last4=refund.last4)
    else:
        say(dispatcher, "refund_check_on_its_way", refund_amount=refund.amount)


def say_payment_status(dispatcher: CollectingDispatcher, status: PaymentStatus) -> None:
    if status.latest is None:
        say(dispatcher, "payment_status_none")
    else:
        say_payment(dispatcher, status.latest, status.balance)
    if status.latest_draft is not None:
        say_payment(dispatcher, status.latest_draft, status.balance)
    say_next_draft(dispatcher, status.autopay)
    if status.balance.credit > 0:
        say(dispatcher, "balance_credit", credit_amount=status.balance.credit)
    if status.refund is not None:
        say_refund(dispatcher, status.refund)


class ActionPaymentStatus(Action):
    def name(self) -> str:
        return "action_payment_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        if verified_account(tracker) is None and not tracker.get_slot("verified"):
            say(dispatcher, "faq/payment_posting")  # the general rule, for anyone
            if (tracker.active_loop or {}).get("name") == "verify_form":
                return [SlotSet(OFFER_SLOT, False)]  # verifying already: the form asks on
            say(dispatcher, "payment_status_offer_lookup", expect="yes_no", buttons=YES_NO_BUTTONS)
            return [SlotSet(OFFER_SLOT, True)]  # yes opens the verification form (rules)
        acting = acting_for(dispatcher, tracker)  # an expired or forged identity: verify again
        if acting.account is None:
            return [SlotSet(OFFER_SLOT, False), *acting.events]
        account = acting.account
        got = await call_billing(
            dispatcher, self.name(), lambda uow: payment_status(uow, account, now=utcnow())
        )
        if got.ok:
            say_payment_status(dispatcher, got.value)
            anything_else(dispatcher, tracker)
        return [SlotSet(OFFER_SLOT, False)]

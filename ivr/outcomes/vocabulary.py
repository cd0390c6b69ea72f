"""What the assistant's message ids and intents mean for outcomes: tasks done, fallbacks, transfers.

Rasa answers with message ids (domain.yml, actions/); the voice outage menu answers with its own.
Intents seen and tasks done are kept as bit sets on the conversation row, so recording a turn is
an OR, whatever the channel.
"""

from __future__ import annotations

# The domain's intents (domain.yml), one bit each; anything else is "other".
INTENTS = (
    "greet",
    "goodbye",
    "affirm",
    "deny",
    "repeat",
    "help",
    "out_of_scope",
    "inform",
    "check_balance",
    "ask_due_date",
    "pay_bill",
    "ask_autopay_status",
    "enroll_autopay",
    "cancel_autopay",
    "talk_to_agent",
    "faq",
    "nlu_fallback",
    "other",
)
INTENT_BITS = {name: 1 << i for i, name in enumerate(INTENTS)}

TASKS = ("balance", "due_date", "payment", "autopay_change", "autopay_status", "faq")
TASK_BITS = {name: 1 << i for i, name in enumerate(TASKS)}
TASK_LABELS = {
    "balance": "Balance",
    "due_date": "Due date",
    "payment": "Payment",
    "autopay_change": "AutoPay change",
    "autopay_status": "AutoPay status",
    "faq": "FAQ answer",
}

# The message that tells the member a task is done.
TASK_MESSAGES = {
    "balance_due": "balance",
    "balance_past_due": "balance",
    "balance_credit": "balance",
    "balance_zero": "balance",
    "voice_outage_balance": "balance",
    "due_date_account": "due_date",
    "due_date_general": "due_date",
    "voice_outage_due": "due_date",
    "payment_confirmation": "payment",
    "payment_confirmation_card": "payment",
    "autopay_enrolled": "autopay_change",
    "autopay_changed": "autopay_change",
    "autopay_cancelled": "autopay_change",
    "autopay_active": "autopay_status",
    "autopay_active_nothing_due": "autopay_status",
    "autopay_active_skips_bill": "autopay_status",
    "autopay_paused": "autopay_status",
    "autopay_paused_one_draft": "autopay_status",
    "autopay_not_enrolled": "autopay_status",
}
# Answers that mean "I did not understand" (Rasa's and the channels' own).
FALLBACK_MESSAGES = {
    "clarify",
    "fallback_offer_agent",
    "not_understood",
    "fallback",
    "sms_not_understood",
    "voice_reprompt_no_match",
}
VERIFIED_MESSAGES = {"verified"}
AGENT_OFFERS = {"fallback_offer_agent", "voice_offer_agent"}
# Transfer reasons, as the console shows them.
TRANSFER_REASONS = {
    "caller_asked": "Caller asked for a person",
    "not_understood": "Not understood (after re-prompts)",
    "outage": "Assistant unavailable (outage)",
    "error": "Application error",
}
LOW_CONFIDENCE = 0.6  # a turn below this confidence is a miss for the analyst page


def intent_bits(intent: str | None) -> int:
    if not intent:
        return 0
    return INTENT_BITS.get(intent, INTENT_BITS["other"])


def intents_of(bits: int) -> list[str]:
    return [name for name, bit in INTENT_BITS.items() if bits & bit]


def task_of(msg: str) -> str | None:
    if msg.startswith("faq/"):
        return "faq"
    return TASK_MESSAGES.get(msg)


def faq_topic(msg: str) -> str | None:
    """`faq/late_payment.grace` -> `late_payment` (the variant is the account's state)."""
    if not msg.startswith("faq/"):
        return None
    return msg.removeprefix("faq/").split(".", 1)[0][:40] or None


def tasks_of(msgs: list[str]) -> int:
    bits = 0
    for msg in msgs:
        task = task_of(msg)
        if task:
            bits |= TASK_BITS[task]
    return bits


def task_names(bits: int) -> list[str]:
    return [name for name, bit in TASK_BITS.items() if bits & bit]

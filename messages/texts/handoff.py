"""Hand-off to people: after-hours callbacks and texts, the queue's hold message, the agent's whisper.

The whisper (`whisper_*`, `topic.*`, `place.*`, `question.*`, `reason.*`) is said to the agent, in English
whatever the caller's language; it has Spanish translations only because every message must.
"""

from messages.texts import N_

MESSAGES: dict[str, str] = {
    # After hours (voice): the menu with two more keys.
    "voice_after_hours_options": N_(
        "To ask for a call back on the next business day, press 7. For a text message with our "
        "hours and the link to pay online, press 8."
    ),
    "voice_callback_when": N_(
        "When should we call you? For the morning, 8 AM to noon, press 1. For the afternoon, "
        "noon to 6 PM, press 2. For any time of the day, press 3."
    ),
    "voice_callback_number": N_(
        "Please enter the 10-digit phone number we should call, followed by the pound key."
    ),
    "voice_callback_number_invalid": N_("That is not a 10-digit phone number."),
    "voice_callback_saved.morning": N_(
        "Thank you. An agent will call you at the number ending in {phone_digits} on "
        "{callback_date}, between 8 AM and noon."
    ),
    "voice_callback_saved.afternoon": N_(
        "Thank you. An agent will call you at the number ending in {phone_digits} on "
        "{callback_date}, between noon and 6 PM."
    ),
    "voice_callback_saved.any": N_(
        "Thank you. An agent will call you at the number ending in {phone_digits} on "
        "{callback_date}."
    ),
    "voice_callback_already": N_(
        "You already asked for a call back today. An agent will call you at the number ending in "
        "{phone_digits} on {callback_date}."
    ),
    "voice_callback_failed": N_(
        "Sorry, we could not save your request. Please call us again during business hours."
    ),
    "voice_hours_text_sent": N_(
        "We sent you a text message with our hours and the link to pay online."
    ),
    "voice_hours_text_not_sent": N_("We could not send a text message to this number."),
    "sms_agent_hours": N_(
        "MA Health Connector: our agents are available Mon-Fri 8 AM-6 PM Eastern at "
        "1-877-623-6765. Pay or check your bill any time at https://www.MAhealthconnector.org"
    ),
    # While the caller waits in the agents' queue (the wait URL).
    "voice_queue_next": N_("Thank you for waiting. You are next in line."),
    "voice_queue_position": N_("Thank you for waiting. You are number {position} in line."),
    "voice_queue_estimate_one": N_("The estimated wait is about one minute."),
    "voice_queue_estimate": N_("The estimated wait is about {minutes} minutes."),
    "voice_queue_failed": N_("We're sorry, we could not reach an agent right now."),
    # The whisper: said to the agent before the call is connected.
    "whisper_intro": N_("Payment line caller."),
    "whisper_verified": N_("Verified, account ending in {account_last4}."),
    "whisper_not_verified": N_("Not verified."),
    "whisper_asked": N_("Asked about: {topics}."),
    "whisper_stopped": N_("Stopped at: {place}."),
    "whisper_spanish": N_("The caller speaks Spanish."),
    "reason.caller_asked": N_("The caller asked for an agent."),
    "reason.not_understood": N_("The assistant did not understand the caller."),
    "reason.silence": N_("The caller stopped answering."),
    "reason.bank_entry": N_("The bank details could not be taken."),
    "reason.outage": N_("The assistant was not available."),
    "reason.verification_locked": N_("Verification is locked after failed tries."),
    "reason.system_error": N_("A system error ended the assistant's part of the call."),
    "topic.check_balance": N_("the balance"),
    "topic.ask_due_date": N_("the due date"),
    "topic.pay_bill": N_("paying the bill"),
    "topic.ask_autopay_status": N_("AutoPay status"),
    "topic.enroll_autopay": N_("setting up AutoPay"),
    "topic.cancel_autopay": N_("cancelling AutoPay"),
    "topic.ask_payment_status": N_("a payment's status"),
    "topic.pause_autopay": N_("pausing AutoPay"),
    "topic.resume_autopay": N_("resuming AutoPay"),
    "topic.cancel_payment": N_("cancelling a payment"),
    "place.verify_form": N_("verification"),
    "place.pay_form": N_("a payment"),
    "place.autopay_enroll_form": N_("AutoPay setup"),
    "place.autopay_cancel_form": N_("AutoPay cancellation"),
    "place.autopay_pause_form": N_("the AutoPay pause confirmation"),
    "place.autopay_resume_form": N_("the AutoPay resume confirmation"),
    "place.payment_cancel_form": N_("the payment cancellation"),
    "place.bank": N_("bank details entry"),
    "place.outage": N_("the keypad menu for outages"),
    "question.account_number": N_("the account number"),
    "question.zip_code": N_("the ZIP code or birth date"),
    "question.date_of_birth": N_("the birth date"),
    "question.payment_amount": N_("the amount"),
    "question.bank_method_ref": N_("the bank account"),
    "question.payment_confirmed": N_("the authorization"),
    "question.draft_day": N_("the draft day"),
    "question.autopay_confirmed": N_("the authorization"),
    "question.autopay_cancel_confirmed": N_("the confirmation"),
}

"""SMS wording: reminders, AutoPay notices, confirmations and keyword replies (≤160 GSM-7 chars)."""

from ivr.texts import N_

# Spanish translations avoid á, í, ó, ú where a natural wording exists: they are not in the GSM-7
# alphabet, and one of them turns a text into UCS-2 (70 characters a segment instead of 160).
MESSAGES: dict[str, str] = {
    "sms_reminder_due": N_(
        "Health Connector: your premium of {amount} is due {due_date}. Pay at "
        "MAhealthconnector.org or call 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_reminder_due_no_amount": N_(
        "Health Connector: your premium is due {due_date}. Pay at MAhealthconnector.org "
        "or call 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_reminder_past_due": N_(
        "Health Connector: your premium of {amount} due {due_date} is past due. Pay now to "
        "keep your coverage: 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_reminder_past_due_no_amount": N_(
        "Health Connector: your premium due {due_date} is past due. Pay now to keep your "
        "coverage: 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_autopay_notice": N_(
        "Health Connector: your AutoPay amount changed. On {draft_date} we will draft "
        "{amount}. Questions? 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_payment_confirmation": N_(
        "Health Connector: we received your payment of {amount}. Confirmation number "
        "{confirmation_number}. Reply STOP to opt out."
    ),
    "sms_opted_out": N_(
        "Health Connector: you will not get any more texts from us. Reply START to get them again."
    ),
    "sms_opted_in": N_(
        "Health Connector: you will get our texts again. Reply HELP for help, STOP to opt out."
    ),
    "sms_help": N_(
        "Health Connector payments. Help: 1-877-623-6765, Mon-Fri 8 AM-6 PM. Text BAL, DUE, "
        "AUTOPAY or PAY. Reply STOP to opt out."
    ),
    "sms_how_to_pay": N_(
        "Pay at MAhealthconnector.org, by phone at 1-877-623-6765, or by check payable to "
        "Health Connector. For your safety, never text bank account numbers."
    ),
    "sms_unavailable": N_(
        "Sorry, we can't answer right now. Please call 1-877-623-6765, Mon-Fri 8 AM-6 PM."
    ),
    "sms_not_verified": N_(
        "To get account details by text, text us from the phone number on your account, or call "
        "1-877-623-6765."
    ),
    "sms_not_understood": N_(
        "Sorry, we didn't understand. Text HELP for options or call 1-877-623-6765."
    ),
}

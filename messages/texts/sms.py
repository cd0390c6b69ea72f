"""SMS wording: reminders, back-office notices, confirmations and keyword replies (≤160 GSM-7 chars).

`sms_notice_<kind>` is the text of a back-office notice of that kind (`member_notifications`);
ivr.sms.notice_texts maps the notice's params to the names used here."""

from messages.texts import N_

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
    # Back-office notices (billing_core.backoffice.notifications.KINDS), one per kind.
    "sms_notice_payment_returned": N_(
        "Health Connector: your bank returned your payment of {amount}. Please pay again at "
        "MAhealthconnector.org or call 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_card_declined": N_(
        "Health Connector: your card payment of {amount} was declined. Please pay again at "
        "MAhealthconnector.org or call 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_autopay_suspended": N_(
        "Health Connector: AutoPay is stopped because your bank returned a payment. To restart "
        "it, call 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_retry_scheduled": N_(
        "Health Connector: we will debit your returned payment of {amount} again on "
        "{retry_date}. Please have the funds ready. Reply STOP to opt out."
    ),
    "sms_notice_rege_amount_change": N_(
        "Health Connector: your AutoPay amount changes from {previous_amount} to {amount}, "
        "drafted on {draft_date}. Questions? 1-877-623-6765. Reply STOP to opt out."
    ),
    # Letters (channel "letter", ivr.letters): the same notice as a print-ready letter.
    "sms_notice_rege_amount_change@letter": N_(
        "{letter_date}\n\nDear {member_name},\n\nMassachusetts Health Connector account "
        "{account_digits}: your next AutoPay draft is a different amount from your last one "
        "({previous_amount}). We will draft {amount} from your bank account on {draft_date}, or "
        "on your draft day if that is later. You do not need to do anything.\n\nTo change your "
        "draft day, pause or cancel AutoPay, call 1-877-623-6765, Monday to Friday, 8 AM to 6 PM, "
        "at least 3 business days before the draft.\n\nMassachusetts Health Connector"
    ),
    "sms_notice_past_due_warning": N_(
        "Health Connector: your premium is past due. Pay now to keep your coverage: "
        "MAhealthconnector.org or 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_grace_started": N_(
        "Health Connector: your premium is unpaid; your grace period has begun. Pay by "
        "{grace_end_date} to keep your coverage: 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_termination_warning": N_(
        "Health Connector: your coverage will end unless you pay your past-due premium by "
        "{grace_end_date}. Call 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_coverage_terminated": N_(
        "Health Connector: your coverage ended {coverage_end_date} for nonpayment. Pay by "
        "{reinstate_date} to restore it: 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_coverage_line_terminated": N_(
        "Health Connector: your {coverage_line} coverage ended {coverage_end_date} for nonpayment. "
        "Pay by {reinstate_date} to restore it: 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_coverage_not_started": N_(
        "Health Connector: your coverage did not start because the first premium was not paid by "
        "its due date. Call 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_coverage_reinstated": N_(
        "Health Connector: we received your payment and your coverage is reinstated. Thank you. "
        "Questions? 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_autopay_written_copy": N_(
        "Health Connector: AutoPay set up by phone {authorized_date}. We debit the amount due on "
        "day {draft_day} monthly. Cancel: 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_autopay_paused_copy": N_(
        "Health Connector: AutoPay is paused for one draft: none on {skip_draft_date}. Please pay "
        "the bill due {due_date} yourself. Reply STOP to opt out."
    ),
    "sms_notice_autopay_paused_copy@letter": N_(
        "{letter_date}\n\nDear {member_name},\n\nMassachusetts Health Connector account "
        "{account_digits}: as you asked on {authorized_date}, your AutoPay is paused for one "
        "draft. We will not draft your bank account on {skip_draft_date}, so please pay the bill "
        "due {due_date} yourself. Your drafts start again on {resume_draft_date}.\n\nIf you did "
        "not ask for this, or to undo it, call 1-877-623-6765, Monday to Friday, 8 AM to 6 PM, "
        "at least 3 business days before the draft.\n\nMassachusetts Health Connector"
    ),
    "sms_notice_autopay_resumed_copy": N_(
        "Health Connector: AutoPay resumed {authorized_date}. We will draft your bill due "
        "{due_date}. Questions? 1-877-623-6765. Reply STOP to opt out."
    ),
    "sms_notice_autopay_resumed_copy@letter": N_(
        "{letter_date}\n\nDear {member_name},\n\nMassachusetts Health Connector account "
        "{account_digits}: as you asked on {authorized_date}, your AutoPay is no longer paused. "
        "We will draft your bank account for your bill due {due_date}, and every month after "
        "that.\n\nIf you did not ask for this, call 1-877-623-6765, Monday to Friday, 8 AM to "
        "6 PM, at least 3 business days before the draft.\n\nMassachusetts Health Connector"
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

"""Self-service answers (issue 14): payment status, AutoPay pause and resume, cancelling a payment.

English msgids; Spanish in locales/es/self_service.po. `<id>@voice`, `@sms` and `@web` are channel
wordings. `{payment_channel}` and `{return_reason}` are said through the `payment_channel.*` and
`return_reason.*` messages (messages/render.py), so every sentence stays one message in each
language.
"""

from messages.texts import N_

MESSAGES: dict[str, str] = {
    # How a payment was made, as said inside a sentence ("made {payment_channel} on ...")
    "payment_channel.voice": N_("by phone"),
    "payment_channel.web": N_("online"),
    "payment_channel.portal": N_("online"),
    "payment_channel.sms": N_("by text"),
    "payment_channel.autopay": N_("by AutoPay"),
    "payment_channel.mail": N_("by mail"),
    "payment_channel.lockbox": N_("by mail"),
    "payment_channel.walk_in": N_("at a walk-in center"),
    "payment_channel.bill_pay": N_("through your bank's bill pay"),
    # Why a bank returned a payment, said plainly ("... because {return_reason}.")
    "return_reason.insufficient_funds": N_("there was not enough money in the account"),
    "return_reason.account_closed": N_("the bank account is closed"),
    "return_reason.account_not_found": N_("the bank could not find that account number"),
    "return_reason.unauthorized": N_("the account holder told the bank it was not authorized"),
    "return_reason.authorization_revoked": N_(
        "the account holder told the bank to stop our debits"
    ),
    "return_reason.payment_stopped": N_("a stop payment was placed on it"),
    "return_reason.account_frozen": N_("the bank account is frozen"),
    "return_reason.account_type": N_("that kind of account does not allow this payment"),
    "return_reason.card_declined": N_("the card was declined"),
    "return_reason.bank_returned": N_("the bank did not accept it"),
    # Payment status
    "payment_status_offer_lookup": N_(
        "I can also look up a payment on your account once I have verified your identity. Would "
        "you like me to?"
    ),
    "payment_status_none": N_("I don't see any payments on your account yet."),
    "payment_status_scheduled": N_(
        "Your payment of {amount} made {payment_channel} on {payment_date} is pending: it is "
        "credited to your account and has not been sent to your bank yet. It should be final by "
        "{final_date}."
    ),
    "payment_status_can_cancel": N_(
        "Until it is sent to your bank, you can still cancel it: just ask me to cancel my payment."
    ),
    "payment_status_processing": N_(
        "Your payment of {amount} made {payment_channel} on {payment_date} is pending: it is "
        "credited to your account and was sent to your bank. It should be final by {final_date}. "
        "You don't need to do anything."
    ),
    "payment_status_posted": N_(
        "Your payment of {amount} made {payment_channel} on {payment_date} has posted to your "
        "account. You don't need to do anything."
    ),
    "payment_status_returned": N_(
        "Your payment of {amount} made {payment_channel} on {payment_date} was returned by your "
        "bank on {returned_date}, because {return_reason}. That amount is owed again."
    ),
    "payment_status_cancelled": N_(
        "Your payment of {amount} made {payment_channel} on {payment_date} was cancelled before it "
        "was sent to your bank, so no money was taken."
    ),
    "payment_next_retry": N_(
        "We will try the debit again on {retry_date}, so please make sure the money is in the "
        "account by then."
    ),
    "payment_next_new_bank": N_(
        "Your AutoPay is stopped until you give us a different bank account. To do that, say set "
        "up AutoPay."
    ),
    "payment_next_new_bank@web": N_(
        "Your AutoPay is stopped until you give us a different bank account. To do that, log in "
        "at MAHealthConnector.org or call 1-877-623-6765."
    ),
    "payment_next_new_bank@sms": N_(
        "AutoPay is stopped until you give us a different bank account: log in at "
        "MAhealthconnector.org or call 1-877-623-6765."
    ),
    "payment_next_pay_again": N_(
        "Please pay your balance of {balance_amount} to keep your coverage. To pay now, say pay "
        "my bill."
    ),
    "payment_next_pay_again@web": N_(
        "Please pay your balance of {balance_amount} to keep your coverage: online at "
        "MAHealthConnector.org or by phone at 1-877-623-6765."
    ),
    "payment_next_pay_again@sms": N_(
        "Please pay your balance of {balance_amount} at MAhealthconnector.org or call "
        "1-877-623-6765."
    ),
    "payment_next_paid_since": N_(
        "Your balance has been paid since then, so there is nothing more to do."
    ),
    "payment_status_next_draft": N_(
        "Your next AutoPay draft is {next_draft_amount} on {next_draft_date}."
    ),
    "payment_status_next_draft_no_amount": N_(
        "Your next AutoPay draft is on {next_draft_date}, for the amount of that bill."
    ),
    "refund_on_its_way": N_(
        "A refund of {refund_amount} is on its way to your bank account ending in {last4}."
    ),
    "refund_check_on_its_way": N_("A refund check of {refund_amount} is being mailed to you."),
    "refund_sent": N_(
        "A refund of {refund_amount} was sent to your bank account ending in {last4} on "
        "{refund_date}."
    ),
    # AutoPay pause (one draft) and resume
    "autopay_pause_missed_cutoff": N_(
        "The cut-off to stop your draft on {missed_draft_date} was {missed_cutoff_date}, so that "
        "draft will still be made."
    ),
    "autopay_pause_missed_drafted": N_("Your draft on {missed_draft_date} has already been made."),
    "autopay_pause_confirm": N_(
        "{member_name}, you are about to pause AutoPay for one draft. We will not draft your "
        "{bank_kind} account ending in {last4} on {skip_draft_date}, so you will need to pay your "
        "bill due {due_date} yourself. Drafts start again on {resume_draft_date}. A pause stops a "
        "draft only when it is made by the cut-off, 3 business days before the draft; for this "
        "draft the cut-off is {cutoff_date}. Today is {auth_date}. Do you want to pause AutoPay?"
    ),
    "autopay_pause_confirm_amount": N_(
        "{member_name}, you are about to pause AutoPay for one draft. We will not draft your "
        "{bank_kind} account ending in {last4} on {skip_draft_date}, so you will need to pay your "
        "bill of {skip_amount} due {due_date} yourself. Drafts start again on "
        "{resume_draft_date}. A pause stops a draft only when it is made by the cut-off, 3 "
        "business days before the draft; for this draft the cut-off is {cutoff_date}. Today is "
        "{auth_date}. Do you want to pause AutoPay?"
    ),
    "autopay_paused_done": N_(
        "Your AutoPay is paused for one draft: we will not draft your account on "
        "{skip_draft_date}. Please pay your bill due {due_date} yourself. Drafts start again on "
        "{resume_draft_date}. We will send you a written confirmation."
    ),
    "autopay_already_paused": N_(
        "Your AutoPay is already paused for one draft: it will not pay your bill due {due_date}. "
        "To undo the pause, say resume AutoPay."
    ),
    "autopay_already_paused@sms": N_(
        "Your AutoPay is already paused for one draft: it will not pay your bill due {due_date}. "
        "To undo the pause, reply RESUME AUTOPAY."
    ),
    "autopay_is_suspended": N_(
        "Your AutoPay is stopped because your bank returned a payment, so there is no draft to "
        "pause or resume. To restart it with a different bank account, call 1-877-623-6765."
    ),
    "autopay_resume_confirm": N_(
        "{member_name}, you are about to resume AutoPay. We will draft your {bank_kind} account "
        "ending in {last4} for your bill due {due_date} after all, and every month after that. "
        "Today is {auth_date}. Do you want to resume AutoPay?"
    ),
    "autopay_resumed": N_(
        "Your AutoPay is back on. The next draft is {next_draft_amount} on {next_draft_date}. We "
        "will send you a written confirmation."
    ),
    "autopay_resumed_no_amount": N_(
        "Your AutoPay is back on. The next draft is on {next_draft_date}. We will send you a "
        "written confirmation."
    ),
    "autopay_resumed_nothing_due": N_(
        "Your AutoPay is back on. Nothing is due for the next draft right now. We will send you a "
        "written confirmation."
    ),
    "error_autopay_pause_moved": N_(
        "The cut-off for that draft passed while we were talking, so I did not pause AutoPay. "
        "Ask again to hear which draft a pause would skip now."
    ),
    "error_autopay_not_paused": N_("Your AutoPay is not paused, so there is nothing to resume."),
    # Cancelling a one-time payment
    "payment_cancel_several": N_(
        "You have {count} payments that can still be cancelled. I will start with the most "
        "recent one."
    ),
    "payment_cancel_confirm": N_(
        "{member_name}, your payment of {amount} from the bank account ending in {last4}, made on "
        "{payment_date}, confirmation number {confirmation_number}, has not been sent to your bank "
        "yet. If you cancel it, no money will be taken and that amount will be owed again. Today "
        "is {auth_date}. Do you want to cancel this payment?"
    ),
    "payment_cancel_confirm_card": N_(
        "{member_name}, your payment of {amount} from the card ending in {last4}, made on "
        "{payment_date}, confirmation number {confirmation_number}, has not been sent yet. If you "
        "cancel it, nothing will be charged and that amount will be owed again. Today is "
        "{auth_date}. Do you want to cancel this payment?"
    ),
    "payment_cancel_done": N_(
        "Your payment of {amount}, confirmation number {confirmation_number}, is cancelled. No "
        "money will be taken for it. Please remember to pay your bill by its due date."
    ),
    "payment_cancel_kept": N_("OK, I did not cancel your payment."),
    "payment_cancel_none": N_(
        "There is no payment on your account that can still be cancelled. AutoPay drafts can't "
        "be cancelled this way, but you can pause AutoPay for one draft."
    ),
    "payment_cancel_too_late": N_(
        "Your payment of {amount} made on {payment_date} was already sent to your bank, so it can "
        "no longer be cancelled. A customer service representative may be able to help. Would "
        "you like to talk to one?"
    ),
}

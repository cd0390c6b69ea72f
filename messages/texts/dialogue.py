"""Dialogue messages of the conversation engine (English msgids; Spanish in locales/es/dialogue.po).

Keys are the message ids Rasa answers with; `<id>@voice` and `<id>@sms` are channel wordings.
Placeholders match the payload params (see messages/render.py for how each kind is said).
"""

from messages.texts import N_

MESSAGES: dict[str, str] = {
    # Menus and conversation
    "greet": N_(
        "Welcome to the Massachusetts Health Connector payment assistant. You can check your "
        "balance, ask when your bill is due, pay your bill, or manage AutoPay. How can I help you?"
    ),
    "greet@voice": N_(
        "Welcome to the Massachusetts Health Connector payment line. You can say balance, due "
        "date, pay my bill, AutoPay, or agent. How can I help you?"
    ),
    "greet@sms": N_(
        "MA Health Connector: reply BALANCE, DUE DATE, PAY, AUTOPAY or AGENT, or ask a question."
    ),
    "help_menu": N_(
        "I can tell you your balance and due date, tell you how to pay your bill or set up "
        "AutoPay, cancel AutoPay, and answer questions about paying your bill. What would you "
        "like to do?"
    ),
    "help_menu@voice": N_(
        "You can say balance, due date, pay my bill, AutoPay, or agent. You can also ask a "
        "question, like how do I pay by mail. What would you like to do?"
    ),
    "help_menu@sms": N_(
        "Reply BALANCE, DUE DATE, PAY, AUTOPAY or AGENT, or ask a question about paying your bill."
    ),
    "out_of_scope": N_(
        "Sorry, I can only help with Health Connector bills and payments. For other questions, "
        "call customer service at 1-877-623-6765."
    ),
    "goodbye": N_("Thank you for calling the Massachusetts Health Connector. Goodbye."),
    "goodbye@sms": N_("Thank you for contacting the MA Health Connector. Goodbye."),
    "goodbye@web": N_("Thank you for contacting the Massachusetts Health Connector. Goodbye."),
    "anything_else": N_("Is there anything else I can help you with?"),
    "clarify": N_(
        "Sorry, I didn't understand. You can ask for your balance, your due date, to pay your "
        "bill, about AutoPay, or for an agent."
    ),
    "clarify@voice": N_(
        "Sorry, I didn't get that. You can say balance, due date, pay my bill, AutoPay, or agent."
    ),
    "clarify@sms": N_("Sorry, I didn't get that. Reply BALANCE, DUE DATE, PAY, AUTOPAY or AGENT."),
    "fallback_offer_agent": N_(
        "I'm still having trouble understanding. Would you like to talk to a customer service "
        "representative?"
    ),
    "transfer_to_agent": N_(
        "Please hold while I connect you with a customer service representative."
    ),
    "transfer_to_agent@sms": N_(
        "A representative can help you at 1-877-623-6765, 8 AM to 6 PM Eastern, Monday to Friday."
    ),
    "agent_closed": N_(
        "Our customer service representatives are available 8 AM to 6 PM Eastern, Monday to "
        "Friday, at {phone}. I can still help you with your balance, due date, payments and AutoPay."
    ),
    "system_error": N_(
        "Sorry, something went wrong on our side and I could not finish that. Please try again, "
        "or call customer service at 1-877-623-6765."
    ),
    "repeat_nothing": N_("There is nothing to repeat yet. How can I help you?"),
    # Buttons (quick replies)
    "button_balance": N_("Balance"),
    "button_due_date": N_("Due date"),
    "button_pay": N_("Pay my bill"),
    "button_autopay": N_("AutoPay"),
    "button_enroll_autopay": N_("Set up AutoPay"),
    "button_agent": N_("Talk to a person"),
    "button_menu": N_("Main menu"),
    "button_yes": N_("Yes"),
    "button_no": N_("No"),
    "button_full_balance": N_("Pay the full balance"),
    "button_new_bank_account": N_("Use a different account"),
    # Bank account kinds, for the renderer to translate the raw `bank_kind` value
    "bank_kind.checking": N_("checking"),
    "bank_kind.savings": N_("savings"),
    # Coverage lines, for the renderer to translate the raw `coverage_line` value
    "coverage_line.health": N_("health"),
    "coverage_line.dental": N_("dental"),
    # Verification
    "ask_account_number": N_("Please enter your 10-digit Health Connector account number."),
    # A call's first question, the same for every caller (billing_core.caller_id_verification)
    "ask_account_number@voice": N_(
        "Please say or enter your 10-digit Health Connector account number. You can find it on "
        "your bill. If you are calling from the phone number on your account, you can enter your "
        "5-digit ZIP code instead."
    ),
    "ask_account_number@sms": N_("Reply with your 10-digit Health Connector account number."),
    "ask_account_number_after_caller_id": N_(
        "Please say or enter your 10-digit Health Connector account number. You can find it on "
        "your bill."
    ),
    "caller_id_not_matched": N_(
        "Sorry, I couldn't find your account from this phone with that ZIP code. Let's use your "
        "account number instead."
    ),
    "ask_zip_code": N_(
        "For your security, please enter the 5-digit ZIP code on your account, or your date of "
        "birth."
    ),
    "ask_zip_code@voice": N_(
        "For your security, please say or enter the 5-digit ZIP code on your account. You can "
        "also say your date of birth."
    ),
    "ask_zip_code@sms": N_("Reply with the 5-digit ZIP code on your account, or your birth date."),
    "ask_date_of_birth": N_("Please enter your date of birth, as month, day and year."),
    "ask_date_of_birth@voice": N_(
        "Please say your date of birth, or enter it as two digits for the month, two for the "
        "day, and four for the year."
    ),
    "account_number_not_understood": N_(
        "Sorry, I didn't get a 10-digit account number. It is printed at the top of your bill."
    ),
    "zip_code_not_understood": N_("Sorry, I didn't get a 5-digit ZIP code."),
    "date_of_birth_not_understood": N_("Sorry, I didn't get a date of birth."),
    "verified": N_("Thank you, {member_name}. Your identity is verified."),
    "verified@sms": N_("Thank you. You are verified."),
    "verification_required": N_(
        "For your security, I need to verify your identity before I can discuss your account."
    ),
    "other_account_refused": N_(
        "For your security, this conversation can only use the account you verified, ending in "
        "{account_last4}. To use a different account, please start a new conversation and verify "
        "that account."
    ),
    "verification_still_locked": N_(
        "For your security, account verification is locked for now. Please try again in 15 "
        "minutes, or call customer service at 1-877-623-6765."
    ),
    "sms_account_not_available": N_(
        "For your security, we can only discuss an account by text with a phone number verified "
        "on that account. Please call 1-877-623-6765. I can still answer general questions."
    ),
    # Balance and due dates
    "balance_due": N_("Your balance is {amount}, due by 5 PM Eastern on {due_date}."),
    "balance_past_due": N_(
        "Your balance is {amount}, and {past_due_amount} of it is past due. Please pay as soon "
        "as possible to keep your coverage."
    ),
    "balance_zero": N_("You have no balance due right now."),
    "balance_credit": N_(
        "You have a credit of {credit_amount}. It will be applied to your next bill."
    ),
    "last_payment": N_("Your last payment was {last_payment_amount} on {last_payment_date}."),
    "due_date_account": N_(
        "Your next bill, {amount} for coverage starting {coverage_date}, is due by 5 PM Eastern "
        "on {due_date}."
    ),
    "past_due_now": N_("You also have {past_due_amount} past due that you can pay now."),
    "due_date_general": N_(
        "Premiums are due by 5 PM Eastern on the 23rd of the month before coverage. The next due "
        "date is {due_date}, for coverage starting {coverage_date}. For the amount on your "
        "account, ask for your balance."
    ),
    # Paying a bill
    "ask_payment_amount": N_(
        "Your balance is {balance_amount}. Would you like to pay the full balance, or another "
        "amount?"
    ),
    "ask_payment_amount@voice": N_(
        "Your balance is {balance_amount}. To pay the full balance, say full balance. To pay "
        "another amount, say the amount, or enter it using star for the decimal point."
    ),
    "ask_payment_amount@sms": N_(
        "Your balance is {balance_amount}. Reply FULL to pay it all, or reply with an amount."
    ),
    "amount_not_understood": N_("Sorry, I didn't get an amount."),
    "ask_use_bank_on_file": N_("Would you like to use your {bank_kind} account ending in {last4}?"),
    "ask_use_bank_on_file@voice": N_(
        "Would you like to use your {bank_kind} account ending in {last4}? Say yes or press 1. "
        "To use a different account, say no or press 2."
    ),
    "ask_use_bank_on_file@sms": N_(
        "Use your {bank_kind} account ending in {last4}? Reply YES, or NO for a different account."
    ),
    "ask_new_bank_account": N_(
        "Next I need the bank account to pay from: the routing number and the account number "
        "of a checking or savings account."
    ),
    "bank_choice_not_understood": N_(
        "Sorry, I didn't get that. Say yes to use the account on file, or no to use a different "
        "account."
    ),
    "tel_authorization": N_(
        "Please listen to this authorization. Today, {auth_date}, you, {member_name}, authorize "
        "the Massachusetts Health Connector to make a single ACH debit of {amount} from your "
        "{bank_kind} account ending in {last4}, on {debit_date}. This is a one-time debit. To "
        "revoke this authorization, call {phone}, 8 AM to 6 PM Eastern, Monday to Friday, before "
        "the debit is processed. Do you authorize this payment?"
    ),
    "tel_authorization@voice": N_(
        "Please listen to this authorization. Today, {auth_date}, you, {member_name}, authorize "
        "the Massachusetts Health Connector to make a single ACH debit of {amount} from your "
        "{bank_kind} account ending in {last4}, on {debit_date}. This is a one-time debit. To "
        "revoke this authorization, call {phone}, 8 AM to 6 PM Eastern, Monday to Friday, before "
        "the debit is processed. To authorize this payment, say yes or press 1. To cancel, say "
        "no or press 2."
    ),
    # With the card policy on (CARD_PAYMENTS_ENABLED): the fee is said before the member agrees.
    "card_authorization": N_(
        "Please listen to this authorization. Today, {auth_date}, you, {member_name}, authorize "
        "the Massachusetts Health Connector to charge your card ending in {last4} a total of "
        "{total_amount}: your payment of {amount} and a convenience fee of {fee_amount}. This is "
        "a one-time charge. Payments from a checking or savings account have no fee. Do you "
        "authorize this payment?"
    ),
    "card_authorization@voice": N_(
        "Please listen to this authorization. Today, {auth_date}, you, {member_name}, authorize "
        "the Massachusetts Health Connector to charge your card ending in {last4} a total of "
        "{total_amount}: your payment of {amount} and a convenience fee of {fee_amount}. This is "
        "a one-time charge. Payments from a checking or savings account have no fee. To "
        "authorize this payment, say yes or press 1. To cancel, say no or press 2."
    ),
    "yes_no_not_understood": N_("Sorry, I need a yes or a no."),
    # Web chat and SMS never take bank details: where to pay instead (actions/payment.py)
    "pay_elsewhere": N_(
        "For your security, I can't take payments in this chat. You can pay online at "
        "MAHealthConnector.org: log in and go to Payments, or, without an online account, choose "
        "Locate Account and enter the account number on your bill to make a guest payment. You "
        "can also pay by phone at {phone}."
    ),
    "pay_elsewhere@sms": N_(
        "For your safety we don't take payments by text. Pay at MAhealthconnector.org (Locate "
        "Account, with the account number on your bill) or call {phone}."
    ),
    "autopay_elsewhere": N_(
        "For your security, I can't collect bank account details in this chat. To set up or "
        "change AutoPay, log in at MAHealthConnector.org and go to Payments, or call {phone}, 8 "
        "AM to 6 PM Eastern, Monday to Friday."
    ),
    "autopay_elsewhere@sms": N_(
        "For your safety we don't take bank details by text. To set up or change AutoPay, log in "
        "at MAhealthconnector.org or call {phone}."
    ),
    "payment_cancelled": N_("OK, I did not make the payment."),
    "payment_confirmation": N_(
        "Thank you. Your payment of {amount} from the account ending in {last4} is accepted and "
        "credited on {effective_date}. Your confirmation number is {confirmation_number}."
    ),
    "payment_confirmation_card": N_(
        "Thank you. Your payment of {amount} is accepted and credited on {effective_date}. The "
        "card ending in {last4} will be charged {amount} plus the {fee_amount} convenience fee. "
        "Your confirmation number is {confirmation_number}."
    ),
    # AutoPay
    "autopay_active": N_(
        "You are enrolled in AutoPay. We draft your {bank_kind} account ending in {last4} on day "
        "{draft_day} of each month. The next draft is {next_draft_amount} on {next_draft_date}."
    ),
    "autopay_active_nothing_due": N_(
        "You are enrolled in AutoPay. We draft your {bank_kind} account ending in {last4} on day "
        "{draft_day} of each month. Nothing is due for the next draft right now."
    ),
    "autopay_active_skips_bill": N_(
        "You are enrolled in AutoPay. We draft your {bank_kind} account ending in {last4} on day "
        "{draft_day} of each month. AutoPay will not pay {unpaid_amount} of your bill due "
        "{due_date} on time, so please pay that yourself by then. The next draft is on "
        "{next_draft_date}."
    ),
    "autopay_paused_one_draft": N_(
        "Your AutoPay from the account ending in {last4} is paused for one draft: it will not pay "
        "your bill of {unpaid_amount} due {due_date}, so please pay that yourself by then. Drafts "
        "start again on {next_draft_date}."
    ),
    "autopay_paused": N_(
        "Your AutoPay from the account ending in {last4} is paused. No drafts are made while it "
        "is paused."
    ),
    "autopay_not_enrolled": N_(
        "You are not enrolled in AutoPay. I can set it up for you: just say set up AutoPay."
    ),
    "autopay_not_enrolled@web": N_(
        "You are not enrolled in AutoPay. You can set it up online at MAHealthConnector.org or "
        "by phone at 1-877-623-6765."
    ),
    "autopay_not_enrolled@sms": N_(
        "You are not enrolled in AutoPay. Set it up at MAhealthconnector.org or call "
        "1-877-623-6765."
    ),
    "ask_draft_day": N_(
        "Which day of the month should we draft your account? Choose a day from the 1st to the "
        "23rd."
    ),
    "ask_draft_day_change": N_(
        "Your AutoPay drafts on day {draft_day}. Which day would you like instead? Choose a day "
        "from the 1st to the 23rd."
    ),
    "autopay_authorization": N_(
        "Please listen to this authorization. Today, {auth_date}, you, {member_name}, authorize "
        "the Massachusetts Health Connector to debit your {bank_kind} account ending in {last4} "
        "every month on day {draft_day} for the premium due on your bill. The amount follows your "
        "bill; when it changes, we will tell you the new amount and date at least 10 days before "
        "the draft. This authorization stays in effect until you cancel it. To cancel, call "
        "{phone}, 8 AM to 6 PM Eastern, Monday to Friday, at least 3 business days before a "
        "draft. We will send you a written copy of this authorization. Do you authorize AutoPay?"
    ),
    "autopay_enrolled": N_(
        "You are enrolled in AutoPay. We will draft your {bank_kind} account ending in {last4} "
        "on day {draft_day} of each month for the amount due."
    ),
    "autopay_changed": N_(
        "Your AutoPay is updated. We will draft your {bank_kind} account ending in {last4} on "
        "day {draft_day} of each month."
    ),
    "autopay_not_changed": N_("OK, I did not change your AutoPay."),
    "autopay_cancel_confirm": N_(
        "{member_name}, you are about to cancel AutoPay from your {bank_kind} account ending in "
        "{last4}, which drafts on day {draft_day}. A draft less than 3 business days away may "
        "still be made. Today is {auth_date}. Do you want to cancel AutoPay?"
    ),
    "autopay_cancelled": N_(
        "Your AutoPay is cancelled. Please remember to pay each bill by the 23rd of the month "
        "before coverage."
    ),
    # billing_core errors: error_<code>
    "error_billing_error": N_("Sorry, I could not complete that request."),
    "error_account_not_found": N_("I could not find an account with that number."),
    "error_invoice_not_found": N_("I could not find a bill with that number."),
    "error_verification_failed": N_(
        "Sorry, those details do not match our records. You have {tries_left} tries left."
    ),
    "error_verification_failed_one": N_(
        "Sorry, those details do not match our records. You have one try left."
    ),
    "error_verification_locked": N_(
        "For your security, verification is locked until {locked_until_at}. You can also call "
        "customer service at 1-877-623-6765."
    ),
    "error_invalid_routing_number": N_("That routing number is not valid."),
    "error_invalid_bank_account_number": N_("A bank account number has 4 to 17 digits."),
    "error_invalid_amount": N_("That payment amount is not valid."),
    "error_amount_exceeds_balance": N_(
        "That is more than you owe. You can pay up to {owed_amount}."
    ),
    "error_nothing_owed": N_("There is nothing to pay on your account right now."),
    "error_payment_method_not_found": N_("I could not find that bank account on your account."),
    "error_card_payments_disabled": N_(
        "We accept payments from checking and savings accounts only, not credit or debit cards."
    ),
    "error_authorization_required": N_("I need your authorization before I can take this payment."),
    "error_invalid_draft_day": N_("Please choose a draft day from the 1st to the 23rd."),
    "error_autopay_not_enrolled": N_("Your account is not enrolled in AutoPay."),
    "error_autopay_already_enrolled": N_("Your account is already enrolled in AutoPay."),
    "error_idempotency_conflict": N_(
        "That payment was already submitted with different details. Please call customer "
        "service at 1-877-623-6765."
    ),
    "error_payment_not_found": N_(
        "I could not find a payment with that confirmation number on your account."
    ),
    "error_payment_not_cancellable": N_(
        "Only a one-time payment that has not been sent to the bank can be cancelled here."
    ),
    "error_payment_already_sent": N_(
        "That payment was already sent to the bank, so it can no longer be cancelled. Please "
        "call customer service at 1-877-623-6765."
    ),
}

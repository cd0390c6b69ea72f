"""Voice-only wording: greeting, menus, re-prompts, bank entry prompts, outage and agent hours."""

from messages.texts import N_

MESSAGES: dict[str, str] = {
    "voice_greeting": N_(
        "Thank you for calling the Massachusetts Health Connector payment line. "
        "This call may be recorded."
    ),
    # Spanish on the English greeting on purpose: it is how a Spanish speaker finds the way.
    "voice_language_choice": N_("Para español, oprima dos, o diga español."),
    "voice_main_menu": N_(
        "For your balance, press 1. For your due date, press 2. To make a payment, press 3. "
        "For AutoPay, press 4. To speak with an agent, press 0. Or just tell me what you need."
    ),
    "voice_menu_short": N_(
        "You can press 1 for your balance, 2 for your due date, 3 to pay, 4 for AutoPay, "
        "or 0 for an agent."
    ),
    "voice_yes_no_keys": N_("Press 1 for yes or 2 for no."),
    "voice_digits_keys": N_("Enter it on your keypad, then press pound."),
    "voice_dob_keys": N_(
        "You can say it, or key in two digits for the month, two for the day and four for the year."
    ),
    "voice_reprompt_silence": N_("Sorry, I didn't hear anything."),
    "voice_reprompt_no_match": N_("Sorry, I didn't get that."),
    "voice_no_numbers_spoken": N_(
        "For your security, please don't say bank or card numbers. When I need a number, I'll "
        "ask you to enter it on your keypad."
    ),
    "voice_offer_agent": N_(
        "It seems we're having trouble. To speak with an agent, press 0. "
        "To go back to the main menu, press 9."
    ),
    "voice_agent_transfer": N_("Please hold while I transfer you to a customer service agent."),
    "voice_agent_closed": N_(
        "Our customer service agents are available Monday through Friday, "
        "8 AM to 6 PM Eastern time, except holidays. You can also call 1-877-623-6765 then."
    ),
    "voice_goodbye": N_("Thank you for calling the Health Connector. Goodbye."),
    "voice_bank_kind": N_(
        "Is it a checking or a savings account? Press 1 for checking or 2 for savings."
    ),
    "voice_bank_kind_or_card": N_(
        "Is it a checking or a savings account? Press 1 for checking or 2 for savings. To pay by "
        "credit or debit card instead, press 3. Card payments have a convenience fee of "
        "{fee_amount}."
    ),
    "voice_card_number": N_(
        "Using your keypad, enter your card number, followed by the pound key."
    ),
    "voice_card_number_invalid": N_("That card number is not valid. Let's try again."),
    "voice_card_expiration": N_(
        "Enter the expiration date: two digits for the month, then two for the year."
    ),
    "voice_card_security_code": N_("Enter the security code from your card."),
    "voice_card_postal_code": N_("Enter the ZIP code of the card's billing address."),
    "voice_card_failed": N_("The card details could not be taken."),
    "voice_bank_routing": N_(
        "Using your keypad, enter the 9-digit routing number from the bottom of your check."
    ),
    "voice_bank_routing_invalid": N_("That routing number is not valid. Let's try again."),
    "voice_bank_account": N_("Now enter your bank account number, followed by the pound key."),
    "voice_bank_account_invalid": N_("A bank account number has 4 to 17 digits."),
    "voice_bank_account_again": N_(
        "To make sure, enter the bank account number once more, followed by the pound key."
    ),
    "voice_bank_account_mismatch": N_("The two numbers did not match. Let's start over."),
    "voice_bank_saved": N_("Thank you. I have the account ending in {last4}."),
    "voice_bank_gave_up": N_("I could not take the bank details this time."),
    "voice_pay_failed": N_("The bank details could not be taken."),
    "voice_outage_apology": N_(
        "We're sorry, some of our phone services are not available right now. "
        "You can still hear your balance and due date."
    ),
    "voice_outage_menu": N_(
        "For your balance, press 1. For your due date, press 2. To speak with an agent, press 0."
    ),
    "voice_outage_account": N_(
        "Please enter your 10-digit Health Connector account number, followed by the pound key."
    ),
    "voice_outage_zip": N_("Now enter the 5-digit ZIP code on the account."),
    "voice_outage_verify_failed": N_("Those details do not match our records."),
    "voice_outage_locked": N_(
        "For your security, account lookups are locked for 15 minutes. An agent can help you."
    ),
    "voice_outage_balance": N_("Your balance is {amount}."),
    "voice_outage_past_due": N_("Of that, {past_amount} is past due."),
    "voice_outage_due": N_("Your next payment of {next_amount} is due on {due_at}."),
    "voice_outage_no_bill": N_("You have no bill due right now."),
    "voice_hold_on": N_("One moment please."),
    "voice_error": N_("We're sorry, something went wrong on our side."),
    "voice_offer_text_receipt": N_(
        "To get this confirmation by text message at the number you are calling from, press 1. "
        "Otherwise, press 2."
    ),
    "voice_text_receipt_sent": N_("We sent you the confirmation by text message."),
    "voice_text_receipt_not_sent": N_(
        "We could not send a text message to this number. Please write down your confirmation "
        "number."
    ),
}

"""Web-chat interface wording: labels, hints and the answers the chat gives without asking Rasa."""

from messages.texts import N_

MESSAGES: dict[str, str] = {
    "chat_page_title": N_("Payment help chat | Massachusetts Health Connector"),
    "chat_title": N_("Payment help"),
    "chat_subtitle": N_("Ask about paying your Health Connector bill."),
    "chat_intro": N_(
        "Hi! I can answer questions about paying your Health Connector bill. To tell you your "
        "balance, due date or AutoPay status I will first ask for your account number and your "
        "ZIP code or date of birth. Please never type bank account or card numbers here."
    ),
    "chat_log_label": N_("Conversation"),
    "chat_you_said": N_("You said:"),
    "chat_assistant_said": N_("Assistant said:"),
    "chat_input_label": N_("Your message"),
    "chat_placeholder": N_("Type your question"),
    "chat_input_hint": N_("Up to {limit} characters. Press Enter to send."),
    "chat_send": N_("Send"),
    "chat_other_language": N_("Español"),
    "chat_other_language_hint": N_("Cambiar el chat a español"),
    "chat_open": N_("Chat with us"),
    "chat_close": N_("Close chat"),
    "chat_quick_replies": N_("Suggested replies"),
    "chat_typing": N_("The assistant is typing…"),
    "chat_unavailable": N_(
        "Sorry, the assistant is not available right now. Please call Health Connector customer "
        "service at {phone}, Monday to Friday, 8 AM to 6 PM."
    ),
    "chat_answer_missing": N_(
        "Sorry, I can't show that answer right now. Please call customer service at {phone}."
    ),
    "chat_too_long": N_("Please keep your message under {limit} characters."),
    "chat_empty": N_("Please type a question first."),
    "chat_rate_limited": N_(
        "You are sending messages very quickly. Please wait a minute and try again."
    ),
    "chat_session_expired": N_(
        "Your earlier chat ended after a period of inactivity, so this is a new conversation. "
        "If you had verified your account, you will need to verify again."
    ),
    "chat_no_bank_numbers": N_(
        "For your safety, please don't type bank account, routing or card numbers in this chat. "
        "I did not keep that message. To pay, log in at MAHealthConnector.org, use guest "
        "payment there with the account number from your bill, or call {phone}."
    ),
    "chat_request_refused": N_(
        "Sorry, this page can't send messages to the assistant. Please reload the page or call "
        "{phone}."
    ),
}

"""Conversation repair wording: starting over, and the gentle handling of a silent line."""

from messages.texts import N_

MESSAGES: dict[str, str] = {
    # Rasa's answer to "start over" / "main menu" (and to "go back" at a first question).
    "start_over": N_(
        "OK, let's start over. You can check your balance, ask when your bill is due, pay your "
        "bill, or manage AutoPay. What would you like to do?"
    ),
    "start_over@voice": N_("OK, let's start over."),
    "start_over@sms": N_(
        "OK, starting over. Reply BALANCE, DUE DATE, PAY, AUTOPAY or AGENT, or ask a question."
    ),
    # Silence on the phone: first this, with the question again; then an offer of an agent.
    "voice_still_there": N_("Are you still there? I didn't hear anything."),
    "voice_offer_agent_silence": N_(
        "If you'd like, I can connect you with an agent: press 0 or say agent. For the main menu, "
        "press 9."
    ),
}

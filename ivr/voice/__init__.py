"""Voice channel: Twilio voice webhooks turned into Rasa conversations, answered in TwiML."""

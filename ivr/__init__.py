"""Channels: Twilio voice and SMS webhooks and the web chat, rendering the assistant's answers."""

"""Website chat channel: the embeddable widget, its /chat page and the JSON endpoint to Rasa."""

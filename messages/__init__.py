"""Caller-facing text shared by the gateway (ivr/) and the Rasa actions (actions/).

`messages.texts` holds the English message ids, `messages.locales` the translations, and
`messages.render` turns a message id into text for one channel and locale.
"""

"""SMS channel: due-date reminders, back-office notices, payment confirmations and two-way texting.

The package imports nothing itself, so the schema registry (database.schema) can load `ivr.sms.models`
without pulling in Twilio.
"""

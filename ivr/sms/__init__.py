"""SMS channel: due-date reminders, back-office notices, payment confirmations and two-way texting.

The package imports nothing itself, so the billing core's schema registry can load `ivr.sms.models`
without pulling in Twilio.
"""

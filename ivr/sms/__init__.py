"""SMS channel: due-date reminders, AutoPay notices, payment confirmations and two-way texting."""

from ivr.sms.sender import send_payment_confirmation

__all__ = ["send_payment_confirmation"]

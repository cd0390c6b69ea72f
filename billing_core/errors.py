"""Typed domain errors. Each message is safe to say to a member; `code` names the caller-facing message."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal


class BillingError(Exception):
    """A request the member can be told about (never a system fault)."""

    code = "billing_error"
    message = "We could not complete that request."

    def __init__(self, message: str | None = None, **params: object) -> None:
        super().__init__(message or self.message)
        self.params = params


class AccountNotFound(BillingError):
    code = "account_not_found"
    message = "We could not find an account with that number."


class InvoiceNotFound(BillingError):
    code = "invoice_not_found"
    message = "We could not find a bill with that number."


class VerificationFailed(BillingError):
    code = "verification_failed"
    message = "Those details do not match our records."

    def __init__(self, tries_left: int) -> None:
        super().__init__(tries_left=tries_left)
        self.tries_left = tries_left


class VerificationLocked(BillingError):
    code = "verification_locked"
    message = "For your security, verification is locked for 15 minutes."

    def __init__(self, until: datetime) -> None:
        super().__init__(until=until)
        self.until = until


class InvalidRoutingNumber(BillingError):
    code = "invalid_routing_number"
    message = "That routing number is not valid."


class InvalidBankAccountNumber(BillingError):
    code = "invalid_bank_account_number"
    message = "A bank account number has 4 to 17 digits."


class InvalidAmount(BillingError):
    code = "invalid_amount"
    message = "That payment amount is not valid."


class AmountExceedsBalance(BillingError):
    code = "amount_exceeds_balance"
    message = "That amount is more than you owe."

    def __init__(self, owed: object) -> None:
        # The refusal carries what is owed, so every channel can say how much may be paid.
        super().__init__(
            f"That amount is more than you owe. You can pay up to ${Decimal(str(owed)):,.2f}.",
            owed=owed,
        )
        self.owed = owed


class NothingOwed(BillingError):
    code = "nothing_owed"
    message = "There is nothing to pay on this account right now."


class PaymentMethodNotFound(BillingError):
    code = "payment_method_not_found"
    message = "We could not find that bank account on file."


class CardPaymentsDisabled(BillingError):
    code = "card_payments_disabled"
    message = "We accept checking and savings accounts only, not credit or debit cards."


class AuthorizationRequired(BillingError):
    code = "authorization_required"
    message = "We need your authorization before we can take this payment."


class InvalidDraftDay(BillingError):
    code = "invalid_draft_day"
    message = "Choose a draft day from the 1st to the 23rd."


class AutopayNotEnrolled(BillingError):
    code = "autopay_not_enrolled"
    message = "This account is not enrolled in AutoPay."


class AutopayAlreadyEnrolled(BillingError):
    code = "autopay_already_enrolled"
    message = "This account is already enrolled in AutoPay."


class IdempotencyConflict(BillingError):
    code = "idempotency_conflict"
    message = "That request was already made with different details."


class InvalidNoticeRange(BillingError):
    code = "invalid_notice_range"
    message = "The range must run from at least one cent up to an amount no lower than its start."


class PaymentNotFound(BillingError):
    code = "payment_not_found"
    message = "We could not find a payment with that confirmation number on this account."


class PaymentNotCancellable(BillingError):
    code = "payment_not_cancellable"
    message = "Only a one-time payment that has not been sent to the bank can be cancelled here."


class PaymentAlreadySent(BillingError):
    code = "payment_already_sent"
    message = "That payment was already sent to the bank, so it can no longer be cancelled."

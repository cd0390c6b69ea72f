"""Answers to members' common questions about paying (English msgids; Spanish in locales/es/faq.po).

Keys are `faq/<topic>`, the ResponseSelector's retrieval intents; facts follow the brief and
docs in ../shared/domain.md (cards: a policy setting, off by default).
"""

from messages.texts import N_

MESSAGES: dict[str, str] = {
    "faq/payment_methods": N_(
        "You can pay from a checking or savings account online at MAHealthConnector.org, right "
        "here by phone, or with AutoPay every month. You can also mail a check or money order, "
        "drop one off at a walk-in center, or use your bank's bill pay."
    ),
    "faq/payment_methods@web": N_(
        "You can pay from a checking or savings account online at MAHealthConnector.org: log in, "
        "or choose Locate Account to pay as a guest. You can also pay by phone at "
        "1-877-623-6765, set up AutoPay, mail a check or money order, drop one off at a walk-in "
        "center, or use your bank's bill pay. For your security, this chat does not take "
        "payments."
    ),
    "faq/payment_methods@sms": N_(
        "Pay at MAhealthconnector.org (or as a guest with Locate Account), by phone at "
        "1-877-623-6765, with AutoPay, by mailed check, or with your bank's bill pay."
    ),
    "faq/pay_by_mail": N_(
        "Make your check or money order payable to Health Connector. Include the payment coupon "
        "from your bill, or write your account number on the check, and mail it to the address "
        "on your bill. Mail it at least 5 days before the 23rd so it arrives on time."
    ),
    "faq/card_payments": N_(
        "We accept payments from checking or savings accounts only. We do not accept credit or "
        "debit cards. You can pay by bank account online, right here by phone, or with AutoPay."
    ),
    "faq/card_payments@web": N_(
        "We accept payments from checking or savings accounts only. We do not accept credit or "
        "debit cards. You can pay by bank account online at MAHealthConnector.org, by phone at "
        "1-877-623-6765, or with AutoPay."
    ),
    "faq/card_payments@sms": N_(
        "We take checking or savings account payments only, not credit or debit cards. Pay at "
        "MAhealthconnector.org or call 1-877-623-6765."
    ),
    "faq/card_payments.enabled": N_(
        "You can make a one-time payment by credit or debit card through our secure card "
        "payment service. A convenience fee of {fee_amount} applies, and you will hear it before "
        "you agree. Payments from a checking or savings account have no fee."
    ),
    "faq/late_payment": N_(
        "Your premium is due by 5 PM Eastern on the 23rd of the month before coverage. If you "
        "miss it, pay as soon as you can: there is a short grace period, and if the bill stays "
        "unpaid your coverage can end. Members who get tax credits or ConnectorCare have a "
        "3-month grace period. Ask for your balance to see what you owe."
    ),
    "faq/late_payment.past_due": N_(
        "Your account has {past_due_amount} past due. Please pay it as soon as you can to keep "
        "your coverage; ask for your balance or say pay my bill."
    ),
    "faq/late_payment.grace": N_(
        "Your account is in a grace period with {past_due_amount} past due. If it is paid by "
        "{grace_end_date}, your coverage continues; if not, your coverage can end."
    ),
    "faq/late_payment.terminated": N_(
        "Your coverage ended on {coverage_end_date} for nonpayment, with {past_due_amount} "
        "unpaid. You can reinstate it by paying the full balance by {reinstate_date}: say pay my "
        "bill, or call 1-877-623-6765."
    ),
    "faq/late_payment.terminated_final": N_(
        "Your coverage ended on {coverage_end_date} for nonpayment, and the time to reinstate it "
        "has passed. To ask about enrolling again, call 1-877-623-6765."
    ),
    "faq/late_payment.not_started": N_(
        "Your coverage did not start, because the first premium was not paid by its due date. To "
        "ask about enrolling again, call 1-877-623-6765."
    ),
    "faq/late_payment.line_terminated": N_(
        "Your {coverage_line} coverage ended on {coverage_end_date} for nonpayment; your other "
        "coverage continues. You can reinstate it by paying the full balance by "
        "{reinstate_date}: call 1-877-623-6765."
    ),
    "faq/walk_in_centers": N_(
        "You can drop off a check or money order at a Health Connector walk-in center, in "
        "Boston, Springfield or New Bedford. Locations and hours are on the Contact page of "
        "MAHealthConnector.org."
    ),
    "faq/customer_service": N_(
        "Call Health Connector customer service at 1-877-MA-ENROLL, that is 1-877-623-6765, "
        "from 8 AM to 6 PM Eastern, Monday to Friday."
    ),
    "faq/paperless": N_(
        "To go paperless, log in at MAHealthConnector.org and choose paperless billing in your "
        "account. We will email you when each new bill is ready."
    ),
    "faq/bank_bill_pay": N_(
        "Yes. In your bank's bill pay, add Health Connector as a payee and use the account "
        "number on your bill. Schedule the payment so it arrives by the 23rd."
    ),
    "faq/guest_payment": N_(
        "Yes. You can pay without an online account: choose Locate Account at "
        "MAHealthConnector.org and enter the account number or bill number from your bill. You "
        "can also pay right here."
    ),
    "faq/guest_payment@web": N_(
        "Yes. You can pay without an online account: choose Locate Account at "
        "MAHealthConnector.org and enter the account number or bill number from your bill. You "
        "can also pay by phone at 1-877-623-6765."
    ),
    "faq/guest_payment@sms": N_(
        "Yes. Choose Locate Account at MAhealthconnector.org and enter the account number from "
        "your bill, or call 1-877-623-6765."
    ),
    "faq/login_help": N_(
        "On the MAHealthConnector.org login page, choose Forgot Username or Password to reset it. "
        "If you still cannot log in, you can pay as a guest with Locate Account, or call "
        "1-877-623-6765."
    ),
    "faq/financial_help": N_(
        "If your income changed, update it in your account: you may qualify for more help with "
        "your premium or for ConnectorCare. For help, call 1-877-623-6765 or visit a walk-in "
        "center."
    ),
    "faq/employer_billing": N_(
        "Small employers pay for their members' coverage through the Health Connector. Group "
        "premiums are also due on the 23rd of the month before coverage, by bank payment or "
        "check."
    ),
    "faq/autopay_how": N_(
        "With AutoPay we draft your checking or savings account every month on a day you choose, "
        "from the 1st to the 23rd, for the amount due. If the amount changes, we tell you at "
        "least 10 days before the draft. You can change, pause or cancel it any time, at least 3 "
        "business days before a draft. Say set up AutoPay to start."
    ),
    "faq/autopay_how@web": N_(
        "With AutoPay we draft your checking or savings account every month on a day you choose, "
        "from the 1st to the 23rd, for the amount due. If the amount changes, we tell you at "
        "least 10 days before the draft. You can change, pause or cancel it any time, at least 3 "
        "business days before a draft. To set it up, log in at MAHealthConnector.org or call "
        "1-877-623-6765."
    ),
    "faq/autopay_how@sms": N_(
        "AutoPay drafts your bank account monthly on a day you pick (1st-23rd). Set it up at "
        "MAhealthconnector.org or call 1-877-623-6765."
    ),
    "faq/payment_portal": N_(
        "Pay online at MAHealthConnector.org: log in and go to Payments. Without an online "
        "account, choose Locate Account to pay as a guest."
    ),
    "faq/phone_payment": N_(
        "Yes. You can pay right here from a checking or savings account: just say pay my bill."
    ),
    "faq/phone_payment@web": N_(
        "Yes. Call 1-877-623-6765 to pay from a checking or savings account by phone. For your "
        "security, this chat does not take payments."
    ),
    "faq/phone_payment@sms": N_(
        "Yes. Call 1-877-623-6765 to pay by phone from a checking or savings account. We don't "
        "take payments by text."
    ),
    "faq/partial_payments": N_(
        "You can pay part of your bill, and make more than one payment in a month; each payment "
        "lowers your balance. We do not offer multi-month installment plans, and any unpaid "
        "amount stays due."
    ),
    "faq/payment_posting": N_(
        "A payment made correctly is credited to your account the same day. Your bank may take a "
        "day or two to show it. If your bank returns the payment, the balance comes back and we "
        "will let you know."
    ),
    "faq/revised_bill": N_(
        "When your household or plan changes during the month, we send a revised bill that "
        "replaces the earlier one for that month. The due date does not change: it is still the "
        "23rd."
    ),
}

"""Billing core: the Health Connector premium billing domain (accounts, invoices, EFT payments, AutoPay).

Pure Python over SQLAlchemy 2; imports nothing from Flask, Twilio or Rasa.
"""

"""Rasa custom actions: thin adapters that read slots, call one billing_core service and answer by message id."""

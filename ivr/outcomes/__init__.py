"""Outcome events: one row per conversation and one per turn, with no personal data."""

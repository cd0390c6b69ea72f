"""The staff-only operations console (/ops): containment, intents, misses, payments, reminders."""

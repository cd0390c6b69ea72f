"""Writes nlu/train/repair_rules.yml: the repair rules of every form in domain.yml.

    .venv/bin/python scripts/repair_rules.py          # after adding or renaming a form

"Repeat that", "go back" and "start over" / "main menu" work the same way in every form
(actions/repair.py); tests/rasa/test_repair_actions.py fails when a form has no rules here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "nlu" / "train" / "repair_rules.yml"

HEADER = """\
# Conversation repair rules (actions/repair.py): "repeat that", "go back" and "start over" /
# "main menu" at every question, inside each form the same way; "agent" is in rules.yml.
# Written by scripts/repair_rules.py from the forms in domain.yml: run it after adding a form.
version: "3.1"
rules:
- rule: start over outside a form shows the menu
  steps:
  - intent: start_over
  - action: action_start_over

- rule: go back outside a form shows the menu
  steps:
  - intent: go_back
  - action: action_start_over
"""

PER_FORM = """
- rule: repeat inside {f} asks its question again
  condition:
  - active_loop: {f}
  steps:
  - intent: repeat
  - action: action_repeat
  - action: {f}
  - active_loop: {f}

- rule: go back inside {f} asks the previous question
  condition:
  - active_loop: {f}
  steps:
  - intent: go_back
  - action: action_go_back
  - slot_was_set:
    - went_back: true
  - action: {f}
  - active_loop: {f}

- rule: go back at the first question of {f} leaves it for the menu
  condition:
  - active_loop: {f}
  steps:
  - intent: go_back
  - action: action_go_back
  - slot_was_set:
    - went_back: false
  - action: action_deactivate_loop
  - active_loop: null
  - action: action_start_over

- rule: start over leaves {f} for the menu
  condition:
  - active_loop: {f}
  steps:
  - intent: start_over
  - action: action_deactivate_loop
  - active_loop: null
  - action: action_start_over
"""


def forms() -> list[str]:
    """The form names under domain.yml's top-level `forms:` (two-space indented keys)."""
    text = (ROOT / "domain.yml").read_text(encoding="utf-8")
    section = re.search(r"^forms:\n((?:[ #].*\n|\n)*)", text, re.MULTILINE)
    return re.findall(r"^  ([a-z_]+):", section.group(1), re.MULTILINE) if section else []


def rules_text() -> str:
    return HEADER + "".join(PER_FORM.format(f=form) for form in forms())


def main() -> int:
    RULES.write_text(rules_text(), encoding="utf-8")
    print(f"wrote {RULES.relative_to(ROOT)} for {', '.join(forms())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

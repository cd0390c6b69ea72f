"""Intent accuracy of the trained model on the held-out split (nlu/test); exits 1 below the bars.

Runs in the Rasa env:  .venv-rasa/bin/python scripts/nlu_accuracy.py [--model models/]
FAQ examples count as correct only when the ResponseSelector also picks the right topic.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
BARS = {"en": 0.95, "es": 0.90}


def examples(path: Path) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get_full_intent()) for m in data.intent_examples]


def training_texts() -> set[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    texts: set[str] = set()
    for path in sorted((ROOT / "nlu" / "train").glob("*.yml")):
        if "\nnlu:" not in path.read_text(encoding="utf-8"):
            continue  # stories and rules
        data = load_data(str(path))
        texts |= {m.get("text").strip().lower() for m in data.intent_examples}
    return texts


def latest_model(spec: str) -> str:
    path = Path(spec)
    if path.is_dir():
        models = sorted(path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        if not models:
            sys.exit(f"no trained model in {path}; run make train")
        return str(models[-1])
    return str(path)


def predicted(result: dict) -> str:
    intent = (result.get("intent") or {}).get("name")
    if intent == "faq":
        selector = result.get("response_selector", {}).get("faq", {}).get("response", {})
        return selector.get("intent_response_key") or "faq"
    return intent


async def evaluate(model: str) -> int:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    seen = training_texts()
    failed = False
    for lang, bar in BARS.items():
        cases = examples(ROOT / "nlu" / "test" / f"nlu_{lang}.yml")
        overlap = [text for text, _ in cases if text.strip().lower() in seen]
        if overlap:
            print(f"[{lang}] held-out examples also in training data: {overlap}")
            failed = True
        errors: list[tuple[str, str, str, float]] = []
        per_intent: Counter[str] = Counter()
        for text, expected in cases:
            result = await agent.parse_message(text)
            got = predicted(result)
            per_intent[expected] += 1
            if got != expected:
                errors.append((text, expected, got, result["intent"]["confidence"]))
        accuracy = 1 - len(errors) / len(cases)
        verdict = "ok" if accuracy >= bar else "BELOW BAR"
        print(
            f"[{lang}] intent accuracy {accuracy:.1%} on {len(cases)} held-out examples "
            f"({len(per_intent)} intents), bar {bar:.0%}: {verdict}"
        )
        for text, expected, got, confidence in errors:
            print(f"    {text!r}: expected {expected}, got {got} ({confidence:.2f})")
        failed |= accuracy < bar
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models"))
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    import structlog  # Rasa logs every parse at debug level through structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return asyncio.run(evaluate(latest_model(args.model)))


if __name__ == "__main__":
    sys.exit(main())

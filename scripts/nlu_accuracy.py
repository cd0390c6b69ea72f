"""Intent accuracy of the trained model on the held-out sets (nlu/test); exits 1 below the bars.

Runs in the Rasa env:  .venv-rasa/bin/python scripts/nlu_accuracy.py [--model models/]
    [--sets en,heldout_en] [--json results.json]
FAQ examples count as correct only when the ResponseSelector also picks the right topic.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
# Set name -> (file in nlu/test, bar). `en`/`es` are the original splits; `heldout_en` a second
# English set written before its errors were read; `regression_en` paraphrases of the kinds an
# independent English test found misclassified (issue 14). The Spanish bar is main's figure before
# the English data grew (94.6 %, 3 misses in 56): English work must not cost Spanish anything.
# `self_service` holds the intents of the self-service flows (payment status, AutoPay pause and
# resume, cancelling a payment), English and Spanish, written before their first scoring.
SETS: dict[str, tuple[str, float]] = {
    "en": ("nlu_en.yml", 0.95),
    "es": ("nlu_es.yml", 0.94),
    "heldout_en": ("heldout_en.yml", 0.95),
    "regression_en": ("regression_en.yml", 0.95),
    # Conversation repair ("repeat that", "go back", "start over", "agent"), English and Spanish.
    "repair": ("repair.yml", 0.95),
    "self_service": ("self_service.yml", 0.95),
}


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


async def score(agent, name: str, seen: set[str]) -> dict:
    """Every case of one set with its prediction, the accuracy and the bar."""
    filename, bar = SETS[name]
    cases = examples(ROOT / "nlu" / "test" / filename)
    results = []
    for text, expected in cases:
        parsed = await agent.parse_message(text)
        results.append(
            {
                "text": text,
                "expected": expected,
                "got": predicted(parsed),
                "confidence": round(parsed["intent"]["confidence"], 3),
            }
        )
    misses = [r for r in results if r["got"] != r["expected"]]
    return {
        "bar": bar,
        "accuracy": 1 - len(misses) / len(cases),
        "intents": len(Counter(expected for _, expected in cases)),
        "overlap": [text for text, _ in cases if text.strip().lower() in seen],
        "cases": results,
    }


def report(name: str, outcome: dict) -> bool:
    """Prints one set's figures and misses; True when it passes."""
    cases = outcome["cases"]
    ok = outcome["accuracy"] >= outcome["bar"] and not outcome["overlap"]
    if outcome["overlap"]:
        print(f"[{name}] held-out examples also in training data: {outcome['overlap']}")
    print(
        f"[{name}] intent accuracy {outcome['accuracy']:.1%} on {len(cases)} held-out examples "
        f"({outcome['intents']} intents), bar {outcome['bar']:.0%}: "
        f"{'ok' if ok else 'BELOW BAR'}"
    )
    for r in cases:
        if r["got"] != r["expected"]:
            print(
                f"    {r['text']!r}: expected {r['expected']}, got {r['got']} ({r['confidence']})"
            )
    return ok


async def evaluate(model: str, names: list[str], json_out: str | None) -> int:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    seen = training_texts()
    outcomes = {name: await score(agent, name, seen) for name in names}
    passed = [report(name, outcome) for name, outcome in outcomes.items()]
    if json_out:
        Path(json_out).write_text(json.dumps(outcomes, indent=1), encoding="utf-8")
    return 0 if all(passed) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models"))
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated: {list(SETS)}")
    parser.add_argument("--json", help="also write every prediction to this file")
    args = parser.parse_args()
    names = [n for n in args.sets.split(",") if n]
    if unknown := [n for n in names if n not in SETS]:
        parser.error(f"unknown sets {unknown}; known: {list(SETS)}")
    logging.disable(logging.WARNING)
    import structlog  # Rasa logs every parse at debug level through structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return asyncio.run(evaluate(latest_model(args.model), names, args.json))


if __name__ == "__main__":
    sys.exit(main())

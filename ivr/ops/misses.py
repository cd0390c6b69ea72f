"""The analyst's misses: fallbacks and low-confidence turns, grouped by similar words, labelled with
an intent and exported as Rasa NLU YAML for review (never trained automatically).

Only masked words are ever read here (ivr.outcomes.masking): the groups come from the turns'
masked text, a label's example is looked up on the server (never taken from the form), and the
export masks each example once more.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, select

from ivr.ops.figures import Miss
from ivr.ops.models import DailyMiss, MissLabel
from ivr.outcomes.masking import mask_utterance
from ivr.outcomes.models import OutcomeTurn
from ivr.outcomes.vocabulary import INTENTS

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
SIMILAR = 0.8  # Jaccard similarity of content words for two groups to count as one
MAX_GROUPS = 200
_STOP = frozenset(
    "a an the i my me to of is it for do can you your please el la los las mi yo de".split()  # noqa: SIM905
)


@dataclass
class MissGroup:
    key: str  # the representative group key (the most frequent)
    example: str
    count: int = 0
    fallbacks: int = 0
    guesses: Counter[str] = field(default_factory=Counter)
    keys: list[str] = field(default_factory=list)
    label: str | None = None

    @property
    def guess(self) -> str:
        return self.guesses.most_common(1)[0][0] if self.guesses else ""


def _words(key: str) -> frozenset[str]:
    return frozenset(w for w in key.split() if w not in _STOP)


def _prefix(words: frozenset[str]) -> list[str]:
    ordered = sorted(words)
    return ordered[: len(ordered) - math.ceil(SIMILAR * len(ordered)) + 1] if ordered else []


def group_misses(misses: list[Miss], labels: dict[str, str]) -> list[MissGroup]:
    """Same key across days first, then similar keys into one group (most frequent first)."""
    by_key: dict[str, MissGroup] = {}
    for miss in misses:
        group = by_key.setdefault(miss.text_key, MissGroup(miss.text_key, miss.example))
        group.count += miss.count
        group.fallbacks += miss.fallbacks
        if miss.intent:
            group.guesses[miss.intent] += miss.count
    groups: list[tuple[frozenset[str], MissGroup]] = []
    # Prefix filtering: two word sets with Jaccard >= SIMILAR share a word among the first
    # len - ceil(SIMILAR * len) + 1 of each in one fixed order, so only those are compared.
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for key, found in sorted(by_key.items(), key=lambda kv: (-kv[1].count, kv[0]))[:2000]:
        words = _words(key)
        prefix = _prefix(words)
        candidates = sorted({i for word in prefix or ("",) for i in by_prefix.get(word, ())})
        for i in candidates:
            their_words, group = groups[i]
            union = words | their_words
            if words == their_words or (
                len(words) > 1 and union and len(words & their_words) / len(union) >= SIMILAR
            ):
                group.count += found.count
                group.fallbacks += found.fallbacks
                group.guesses.update(found.guesses)
                group.keys.append(key)
                break
        else:
            found.keys.append(key)
            groups.append((words, found))
            for word in prefix or ("",):
                by_prefix[word].append(len(groups) - 1)
    result = [group for _words_, group in groups]
    for group in result:
        group.label = next((labels[k] for k in group.keys if k in labels), None)
    return sorted(result, key=lambda g: (-g.count, g.key))[:MAX_GROUPS]


@cache
def label_choices() -> tuple[str, ...]:
    """The domain's intents and FAQ topics (`faq/<topic>`), read from domain.yml (the web image
    carries it for this; without it, the intents the outcome events know, without FAQ topics)."""
    if not DOMAIN.exists():
        return tuple(i for i in INTENTS if i not in ("faq", "nlu_fallback", "other"))
    text = DOMAIN.read_text(encoding="utf-8")
    block = text.split("\nintents:", 1)[1].split("\n\n", 1)[0]
    intents = [m.group(1) for m in re.finditer(r"^  - (\w+)", block, re.M) if m.group(1) != "faq"]
    topics = sorted(set(re.findall(r"^  utter_faq/(\w+):", text, re.M)))
    return (*intents, *(f"faq/{t}" for t in topics))


def labels(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(MissLabel.text_key, MissLabel.intent)).all())


def example_of(engine: Engine, key: str) -> str | None:
    """The stored masked words of a miss group (None when no such group was ever recorded)."""
    with engine.connect() as conn:
        example = conn.scalar(select(DailyMiss.example).where(DailyMiss.text_key == key).limit(1))
        if example is None:
            example = conn.scalar(
                select(OutcomeTurn.text)
                .where(OutcomeTurn.miss, OutcomeTurn.text_key == key)
                .limit(1)
            )
    return example


class BadLabel(ValueError):
    """A label the console refuses (the message is safe to show)."""


def save_label(engine: Engine, keys: list[str], intent: str, who: str, now: datetime) -> int:
    """Label every key of a group with the intent; returns how many keys were labelled."""
    if intent not in label_choices():
        raise BadLabel("choose one of the listed intents")
    saved = 0
    for key in list(dict.fromkeys(k for k in keys if k))[:20]:
        example = example_of(engine, key)
        if example is None:
            continue
        with engine.begin() as conn:
            row = conn.execute(select(MissLabel).where(MissLabel.text_key == key)).first()
            values = {
                "example": example[:300],
                "intent": intent,
                "labelled_by": who[:60],
                "labelled_at": now,
            }
            if row is None:
                conn.execute(MissLabel.__table__.insert().values(text_key=key, **values))
            else:
                conn.execute(
                    MissLabel.__table__.update().where(MissLabel.text_key == key).values(**values)
                )
        saved += 1
    if not saved:
        raise BadLabel("that group of words is no longer recorded")
    return saved


def export_yaml(engine: Engine, now: datetime) -> str:
    """Every labelled example as Rasa NLU training data, for a person to review before training."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(MissLabel.intent, MissLabel.example).order_by(
                MissLabel.intent, MissLabel.example
            )
        ).all()
    by_intent: dict[str, list[str]] = {}
    for intent, example in rows:
        masked = mask_utterance(example)
        if masked and masked not in by_intent.setdefault(intent, []):
            by_intent[intent].append(masked)
    lines = [
        f"# Labelled misses exported from the operations console on {now:%Y-%m-%d %H:%M} UTC.",
        "# For review only: nothing here is trained until a person copies it into nlu/train/.",
        "# [number], [date], [email] and [name] stand for what the member said (masked); replace",
        "# them with made-up examples or annotate entities before adding an example.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent, examples in by_intent.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in examples)
    return "\n".join(lines) + "\n"

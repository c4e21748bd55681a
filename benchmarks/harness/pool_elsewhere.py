"""Pool the (in-scope question, other deck's card) pairs to be judged blind.

    python benchmarks/harness/pool_elsewhere.py OUT.yaml

With every deck loaded, the current matcher and the pre-issue-9 baseline each answer every
in-scope question of every set (tune and held-out); each card they show (the best card, or
a choice of "Which did you mean?") from a deck other than the one the question was written
for makes a pair. Pairs already judged (in_scope_answers_elsewhere.yaml) are left out; the
rest are written shuffled, with the card's text and not which matcher showed them, for a
session that sees only OUT.yaml to judge (see README.md, "In-scope questions another deck
answers too"). Its judgements are appended to in_scope_answers_elsewhere.yaml.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from score_all import (
    ELSEWHERE_JUDGED,
    baseline_search,
    bot_reply,
    current_search,
    library_index,
    load_decks,
    question_sets,
    shown_hits,
)


def main(out: Path) -> int:
    library = load_decks()
    sets = question_sets(("tune", "heldout"))
    pairs: dict[tuple[str, str, str], dict[str, str]] = {}
    for module in (current_search, baseline_search):
        index = library_index(module, library, library.cards.values())
        for deck_id, _, questions in sets:
            for item in questions.get("in_scope", []):
                for hit in shown_hits(bot_reply(module, index, item["q"])):
                    key = (deck_id, item["q"], hit.card.id)
                    if hit.card.deck_id != deck_id and key not in ELSEWHERE_JUDGED:
                        pairs[key] = {
                            "q": item["q"],
                            "asked_in": deck_id,
                            "card": hit.card.id,
                            "card_deck": hit.card.deck_id,
                            "card_title": hit.card.title,
                            "card_body": hit.card.body,
                        }
    rows = list(pairs.values())
    random.Random(13).shuffle(rows)
    text = yaml.safe_dump(rows, allow_unicode=True, sort_keys=False, width=100)
    out.write_text(text, encoding="utf-8")
    print(f"{len(rows)} pairs to judge, {len({r['q'] for r in rows})} questions -> {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1])))

"""The harness's paired comparison (benchmarks/score_all.py): which questions changed
between two matchers, and how likely so uneven a split is by chance."""

from __future__ import annotations

import importlib.util
import math
import random
import re
import sys
from types import ModuleType

import pytest

from tutor.config import PROJECT_ROOT


@pytest.fixture(scope="module")
def score_all() -> ModuleType:
    path = PROJECT_ROOT / "benchmarks" / "score_all.py"
    spec = importlib.util.spec_from_file_location("score_all", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_sign_test(score_all: ModuleType) -> None:
    assert score_all.sign_test(0, 0) == 1.0
    assert score_all.sign_test(3, 3) == 1.0
    assert score_all.sign_test(1, 0) == 1.0  # one question either way: no evidence
    assert math.isclose(score_all.sign_test(10, 0), 2 / 2**10)
    # 10 gained, 3 lost: P(X <= 3) for X ~ Binomial(13, 1/2), both tails.
    tail = sum(math.comb(13, k) for k in range(4)) / 2**13
    assert math.isclose(score_all.sign_test(10, 3), 2 * tail)
    assert score_all.sign_test(10, 3) == score_all.sign_test(3, 10)


def test_changes_pair_each_question_with_itself(score_all: ModuleType) -> None:
    mine = score_all.Tally(
        in_outcomes=[True, True, False, True],
        out_outcomes=[False, True],
        in_questions=["a", "b", "c", "d"],
        out_questions=["e", "f"],
    )
    theirs = score_all.Tally(in_outcomes=[True, False, True, False], out_outcomes=[True, True])
    changes = score_all.Changes()
    changes.add(mine, theirs, "deck tune")
    assert (changes.in_gained, changes.in_lost) == (2, 1)
    assert (changes.out_gained, changes.out_lost) == (0, 1)
    assert "in-scope +2 -1  out-of-scope +0 -1" in changes.line()
    assert changes.questions == [
        "+ in  deck tune: 'b'",
        "- in  deck tune: 'c'",
        "+ in  deck tune: 'd'",
        "- out deck tune: 'e'",
    ]


def test_split_set_halves_each_style_the_same_way_every_time() -> None:
    """benchmarks/harness/split_set.py: every question lands in exactly one part, each
    style is split on its own, and the same seed gives the same parts."""
    path = PROJECT_ROOT / "benchmarks" / "harness" / "split_set.py"
    spec = importlib.util.spec_from_file_location("split_set", path)
    assert spec is not None and spec.loader is not None
    split_set = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(split_set)
    items = [{"q": f"k{n}", "style": "keyword"} for n in range(10)]
    items += [{"q": f"s{n}", "style": "slang"} for n in range(6)]
    tune, held = split_set.split_items(items, 0.5, random.Random(7))
    assert sorted(i["q"] for i in tune + held) == sorted(i["q"] for i in items)
    assert sum(i["style"] == "keyword" for i in held) == 5
    assert sum(i["style"] == "slang" for i in held) == 3
    assert [items.index(i) for i in held] == sorted(items.index(i) for i in held)
    again = split_set.split_items(items, 0.5, random.Random(7))
    assert again == (tune, held)


def test_a_revision_is_loaded_with_every_matcher_module_it_imports() -> None:
    """benchmarks/bench_search.module_at loads MATCHER_MODULES as a revision has them: a
    matcher module importing a tutor module not listed there would get today's copy, and a
    before/after of a change to it would compare a matcher with itself (tutor.reading was
    missed from the eighth session to the ninth)."""
    path = PROJECT_ROOT / "benchmarks" / "bench_search.py"
    spec = importlib.util.spec_from_file_location("bench_search", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    listed = list(bench.MATCHER_MODULES)
    for at, name in enumerate(listed):
        source = (PROJECT_ROOT / "src" / "tutor" / f"{name}.py").read_text(encoding="utf-8")
        for imported in re.findall(r"^from tutor\.(\w+) import", source, flags=re.MULTILINE):
            if imported == "model":  # data classes, no matching logic
                continue
            assert imported in listed[:at], f"{name} imports tutor.{imported}"

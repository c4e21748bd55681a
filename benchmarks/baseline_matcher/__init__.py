"""The matcher as it was on main before issue 9 (commit 46a8ed8), kept verbatim apart from
its imports, so `benchmarks/score_all.py` can print a baseline in the same run."""

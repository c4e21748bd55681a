"""Data files shipped with the matcher (see scripts/build_wordnet.py)."""

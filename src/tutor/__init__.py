"""Revision Tutor: note cards, a fuzzy matcher and quizzes for revising by chat."""

__version__ = "0.1.0"

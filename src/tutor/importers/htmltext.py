"""Anki fields to plain text: HTML to text, media references out, cloze deletions read.

Anki stores fields as HTML fragments ("<b>NEP</b><br>1921", "&nbsp;", "[sound:a.mp3]",
"<img src=...>"). `html.parser` does the parsing; block tags become line breaks.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tutor.importers.notes import Cloze

_BLOCK_TAGS = frozenset(
    {"br", "div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ul", "ol", "table"}
)
_SKIPPED_TAGS = frozenset({"script", "style"})
_MEDIA_TAGS = frozenset({"img", "audio", "video", "source", "object", "embed"})
_SOUND = re.compile(r"\[sound:[^\]]*\]")
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
MAX_CLOZE_QUESTIONS = 3
GAP = "_____"


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.media = 0
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _MEDIA_TAGS:
            self.media += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("• ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> tuple[str, int]:
    """The plain text of an Anki field and how many media references were dropped."""
    sounds = len(_SOUND.findall(fragment))
    parser = _TextParser()
    parser.feed(_SOUND.sub("", fragment))
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line), sounds + parser.media


def cloze_plain(text: str) -> str:
    """The cloze text with every deletion filled in: what the student should know."""
    return _CLOZE.sub(lambda match: match.group(2), text)


def has_cloze(text: str) -> bool:
    return _CLOZE.search(text) is not None


def cloze_questions(text: str) -> tuple[Cloze, ...]:
    """One typed question per deletion number (c1, c2, ...), up to MAX_CLOZE_QUESTIONS.

    Like Anki's own card for that number: its deletions become a gap (with the hint if
    one was given), the other deletions are shown filled in.
    """
    numbers = sorted({int(match.group(1)) for match in _CLOZE.finditer(text)})
    questions: list[Cloze] = []
    for number in numbers[:MAX_CLOZE_QUESTIONS]:
        answers = [m.group(2).strip() for m in _CLOZE.finditer(text) if int(m.group(1)) == number]

        def gap(match: re.Match[str], number: int = number) -> str:
            if int(match.group(1)) != number:
                return match.group(2)
            return f"{GAP} ({match.group(3)})" if match.group(3) else GAP

        prompt = _CLOZE.sub(gap, text)
        answer = " … ".join(answer for answer in answers if answer)
        if answer:
            questions.append(Cloze(prompt, answer))
    return tuple(questions)

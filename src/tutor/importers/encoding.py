"""Decoding a teacher's text file: which encoding, and is it text at all?

Spreadsheets save CSV as UTF-8 (with or without a byte-order mark), as Windows-1252
on older Windows Excel, or as UTF-16 ("Unicode text"). We try them in that order and
say which one was used, because a wrong guess shows as mangled accents.
"""

from __future__ import annotations

import codecs

from tutor.importers.notes import ImportProblem

MAX_TEXT_BYTES = 20_000_000
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (big-endian)"),
)
# Control characters other than tab, newline, carriage return and form feed.
_CONTROL = {byte for byte in range(32) if byte not in (9, 10, 12, 13)}


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of `data` and the encoding's name, or ImportProblem if it is not text."""
    if not data.strip():
        raise ImportProblem([f"{name}: the file is empty"])
    if len(data) > MAX_TEXT_BYTES:
        raise ImportProblem(
            [
                f"{name}: the file is {len(data):,} bytes; text imports are limited to "
                f"{MAX_TEXT_BYTES:,}"
            ]
        )
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(codec), name), label
            except UnicodeDecodeError as error:
                raise ImportProblem([f"{name}: not valid {label} text ({error.reason})"]) from None
    if _looks_binary(data):
        raise ImportProblem(
            [
                f"{name}: this is a binary file, not text: export a CSV, a tab-separated text "
                "file or an Anki package (.apkg)"
            ]
        )
    try:
        return _checked(data.decode("utf-8"), name), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return _checked(data.decode("cp1252"), name), "Windows-1252"
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportProblem(
            [
                f"{name}:{line}: byte 0x{data[error.start]:02X} is neither UTF-8 nor "
                "Windows-1252 text: save the file as UTF-8 CSV"
            ]
        ) from None


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(byte in _CONTROL for byte in sample)
    return controls > len(sample) // 100


def _checked(text: str, name: str) -> str:
    if not text.strip():
        raise ImportProblem([f"{name}: the file is empty"])
    return text

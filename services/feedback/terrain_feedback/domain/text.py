"""Text rules of feedback: normalisation (encoding, whitespace), redaction, content words. Pure.

Folding, tokens, function words and the language are :mod:`terrain_kit.text`, shared by every service.
"""

import re
import unicodedata

from terrain_kit.text import ALL_STOP_WORDS, detect_language, fold, tokens

__all__ = [
    "content_words",
    "detect_language",
    "fold",
    "normalise_line",
    "normalise_text",
    "redact_contacts",
    "repair_mojibake",
]

# Control and format characters carry no meaning in feedback; surrogates cannot even be stored (BSON
# is UTF-8). The zero-width joiner stays: emoji sequences need it.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs"}
_KEPT = {"\n", "\t", "\u200d"}
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# UTF-8 read as Windows-1252/Latin-1: "Ã©" for "é", "â€™" for "’".
_MOJIBAKE = re.compile(
    r"[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc]"
)


def repair_mojibake(text: str) -> str:
    """Undo the commonest double encoding, only when the result is clearly better."""
    if not _MOJIBAKE.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if len(_MOJIBAKE.findall(repaired)) < len(_MOJIBAKE.findall(text)):
            return repaired
    return text


def normalise_text(text: str) -> str:
    """NFC, no control characters, single spaces, at most one blank line between paragraphs."""
    text = repair_mojibake(text)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(c for c in text if c in _KEPT or unicodedata.category(c) not in _DROPPED_CATEGORIES)
    text = text.replace("\t", " ")
    lines = [_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def normalise_line(text: str) -> str:
    """A one-line value (a name, a tag): normalised, newlines become spaces."""
    return " ".join(normalise_text(text).split())


# -- redaction -----------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{1,4}\)[\s.\-]?)?\d{1,4}(?:[\s.\-]?\d{2,4}){2,5}(?![\w])"
)


def _mask_phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group())
    # Fewer than 9 digits is a date, an amount or a ticket number rather than a phone number.
    return "[phone]" if 9 <= digits <= 15 else match.group()


def redact_contacts(text: str) -> str:
    """Mask email addresses and phone numbers (for deployments that must not keep them)."""
    return _PHONE.sub(_mask_phone, _EMAIL.sub("[email]", text))


# -- search forms ----------------------------------------------------------------------------------


def content_words(text: str) -> list[str]:
    """Words that carry the need: folded, no function words, crude plural stripping."""
    found = []
    for token in tokens(text):
        if token in ALL_STOP_WORDS or len(token) < 2:
            continue
        if len(token) > 4 and token.endswith("s"):
            token = token[:-1]
        found.append(token)
    return found

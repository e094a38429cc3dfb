"""Text rules: normalisation (encoding, whitespace), redaction, language and search forms. Pure."""

import re
import unicodedata

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


# -- folding and tokens ----------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents: the form searches and comparisons use."""
    if text.isascii():  # most feedback: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


# -- language -----------------------------------------------------------------------------------

# Frequent function words, folded (no accents). Short texts rarely lack them entirely.
STOP_WORDS = {
    "en": set(
        """
        the a an and or but of to in on at for with from by is are was were be been being it its
        this that these those we our us you your they their them he she his her i me my not no can
        cannot could would should will do does did have has had there here what when where which who
        why how all any some more most very just also than then so if as about into out up down over
        after before again because while need needs want wants please always never nothing every
        each how why would like work works working new
        """.split()
    ),
    "fr": set(
        """
        le la les un une des du de d l et ou mais est sont etait etaient etre ete il elle ils elles
        nous vous je j me m te t se s ce cet cette ces mon ma mes ton ta tes son sa ses notre nos
        votre vos leur leurs que qui quoi dont ou pas ne n plus tres aussi avec sans pour par sur
        dans en au aux chez comme si quand donc car y a ont avons avez fait faire peut peuvent doit
        doivent besoin veut veulent merci bien tout tous toute toutes encore deja toujours jamais
        rien on c qu lorsque comment pourquoi chaque aucun aucune fonctionne marche nouveau nouvelle
        """.split()
    ),
}
_ALL_STOP_WORDS = set().union(*STOP_WORDS.values())
_FRENCH_LETTERS = set("éèêàùçôîûëïœ")


def detect_language(text: str, min_hits: int = 2, margin: float = 1.5) -> str | None:
    """'en' or 'fr' from stop-word counts, or None when the text does not say clearly enough."""
    tokens = words(text)
    scores = {language: sum(token in stops for token in tokens) for language, stops in STOP_WORDS.items()}
    # Accented letters are a strong French signal that folding would otherwise throw away.
    scores["fr"] += sum(c in _FRENCH_LETTERS for c in text.casefold())
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < min_hits or top < margin * second:
        return None
    return best


def content_words(text: str) -> list[str]:
    """Words that carry the need: folded, no function words, crude plural stripping."""
    found = []
    for token in words(text):
        if token in _ALL_STOP_WORDS or len(token) < 2:
            continue
        if len(token) > 4 and token.endswith("s"):
            token = token[:-1]
        found.append(token)
    return found

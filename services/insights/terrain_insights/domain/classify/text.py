"""Text as the rules see it (keywords, cluster labels, language), on the shared folding and function words
(``terrain_kit.text``): elisions split, words, the language. Themes read the raw text (embeddings).

English and French first (the first users are French scale-ups). Everything
here is total: any string, however mixed or broken, yields something.
"""

import re

from terrain_kit.text import ALL_STOP_WORDS, fold

_NON_WORD = re.compile(r"[^0-9a-z]+")
_ELISION = re.compile(r"\b(?:l|d|j|n|s|t|m|c|qu)'", re.IGNORECASE)
MAX_CHARS = 4000  # feedback can be 20k characters; its first pages carry the signal

# Words the shared list counts as function words but that say something in a cluster's label terms
# ("need", "work", "besoin", "marche"...): kept.
KEPT_WORDS = frozenset(
    """
always cannot every like need needs never new nothing please want wants work working works
aucun aucune avez besoin chaque comment doit doivent dont etaient ete fonctionne jamais lorsque marche merci
nouveau nouvelle peuvent pourquoi quoi rien toujours toute toutes veulent veut
""".split()
)
STOPWORDS = ALL_STOP_WORDS - KEPT_WORDS

# Words that mark a language well; counted to guess it (cheap, and good enough on a sentence).
_MARKERS_EN = frozenset(
    "the and is are to of we you it this that with for not please can would our have".split()
)
_MARKERS_FR = frozenset(
    "le la les et est sont de des du nous vous pas une un pour avec sur que qui ne il "
    "merci ce cette notre nos".split()
)


def fold_head(text: str) -> str:
    """The first ``MAX_CHARS`` characters, folded: 'Facturé' and 'facture' meet."""
    return fold(text[:MAX_CHARS])


def normalize(text: str) -> str:
    """Folded, French elisions split ("l'export" -> "export"), only letters and digits."""
    return _NON_WORD.sub(" ", _ELISION.sub(" ", fold_head(text).replace("\u2019", "'"))).strip()


def words(text: str, keep_stopwords: bool = False) -> list[str]:
    tokens = normalize(text).split()
    if keep_stopwords:
        return tokens
    return [t for t in tokens if len(t) > 1 and t not in STOPWORDS]


def language(text: str) -> str | None:
    """'en', 'fr' or None when the text gives too little to tell."""
    tokens = words(text, keep_stopwords=True)
    en = sum(t in _MARKERS_EN for t in tokens)
    fr = sum(t in _MARKERS_FR for t in tokens)
    if max(en, fr) < 2 or en == fr:
        return None
    return "en" if en > fr else "fr"

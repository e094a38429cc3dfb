"""Text as the classifiers see it, on the shared folding and function words (``terrain_kit.text``): elisions
split, light stemming, words, character n-grams, the language.

English and French first (the first users are French scale-ups). Everything
here is total: any string, however mixed or broken, yields something.
"""

import re
from collections import Counter
from itertools import pairwise

from terrain_kit.text import ALL_STOP_WORDS, fold

_NON_WORD = re.compile(r"[^0-9a-z]+")
_ELISION = re.compile(r"\b(?:l|d|j|n|s|t|m|c|qu)'", re.IGNORECASE)
MAX_CHARS = 4000  # feedback can be 20k characters; its first pages carry the signal

# Words the shared list counts as function words but the theme scorer and the clusters were tuned with as
# content ("need", "work", "besoin", "marche"...): kept, so that classification stays what was measured.
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


def stem(word: str) -> str:
    """A light suffix stripper for English and French plurals and verb endings (not linguistics)."""
    for suffix in (
        "ements",
        "ement",
        "ations",
        "ation",
        "ings",
        "ing",
        "ees",
        "ies",
        "ed",
        "es",
        "er",
        "ee",
        "s",
        "e",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words(text: str, keep_stopwords: bool = False) -> list[str]:
    tokens = normalize(text).split()
    if keep_stopwords:
        return tokens
    return [t for t in tokens if len(t) > 1 and t not in STOPWORDS]


def char_ngrams(text: str, low: int = 3, high: int = 5) -> Counter[str]:
    """Character n-grams inside word boundaries (robust to typos, inflection and compound words)."""
    grams: Counter[str] = Counter()
    for word in words(text):
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) < n:
                break
            grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def word_features(text: str) -> Counter[str]:
    """Stemmed words and adjacent pairs: the vocabulary of cluster labels and word-level matching."""
    stems = [stem(w) for w in words(text)]
    features: Counter[str] = Counter(stems)
    features.update(f"{a} {b}" for a, b in pairwise(stems))
    return features


def language(text: str) -> str | None:
    """'en', 'fr' or None when the text gives too little to tell."""
    tokens = words(text, keep_stopwords=True)
    en = sum(t in _MARKERS_EN for t in tokens)
    fr = sum(t in _MARKERS_FR for t in tokens)
    if max(en, fr) < 2 or en == fr:
        return None
    return "en" if en > fr else "fr"

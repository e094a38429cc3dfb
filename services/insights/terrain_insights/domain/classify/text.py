"""Text normalisation shared by every classifier: accent folding, words, character n-grams, language.

English and French first (the first users are French scale-ups). Everything
here is total: any string, however mixed or broken, yields something.
"""

import re
import unicodedata
from collections import Counter

_NON_WORD = re.compile(r"[^0-9a-z]+")
_ELISION = re.compile(r"\b(?:l|d|j|n|s|t|m|c|qu)'", re.IGNORECASE)
MAX_CHARS = 4000  # feedback can be 20k characters; its first pages carry the signal

STOPWORDS_EN = frozenset(
    """
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our
ours out over own same she should so some such than that the their theirs them then there these they this those
through to too under until up very was we were what when where which while who whom why will with would you your
yours also get got still us i'm it's we're don't can't doesn't isn't
""".split()
)

STOPWORDS_FR = frozenset(
    """
a ai aie au aux avec avoir c ca ce cela ces cet cette ceux chez comme d dans de des du elle elles en est et etait
etre eu il ils j je l la le les leur leurs lui m ma mais me meme mes moi mon n ne nos notre nous on ont ou par pas
peu plus pour qu que qui s sa sans se ses si son sont sur t ta te tes toi ton tous tout tres tu un une vos votre
vous y deja fait faire peut avons etes sommes aussi encore bien car donc alors quand cest nest jai
""".split()
)

STOPWORDS = STOPWORDS_EN | STOPWORDS_FR

# Words that mark a language well; counted to guess it (cheap, and good enough on a sentence).
_MARKERS_EN = frozenset(
    "the and is are to of we you it this that with for not please can would our have".split()
)
_MARKERS_FR = frozenset(
    "le la les et est sont de des du nous vous pas une un pour avec sur que qui ne il "
    "merci ce cette notre nos".split()
)


def fold(text: str) -> str:
    """Lower case without accents: 'Facturé' and 'facture' meet."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_CHARS].lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Folded, French elisions split ("l'export" -> "export"), only letters and digits."""
    return _NON_WORD.sub(" ", _ELISION.sub(" ", fold(text).replace("\u2019", "'"))).strip()


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
    features.update(f"{a} {b}" for a, b in zip(stems, stems[1:]))
    return features


def language(text: str) -> str | None:
    """'en', 'fr' or None when the text gives too little to tell."""
    tokens = words(text, keep_stopwords=True)
    en = sum(t in _MARKERS_EN for t in tokens)
    fr = sum(t in _MARKERS_FR for t in tokens)
    if max(en, fr) < 2 or en == fr:
        return None
    return "en" if en > fr else "fr"

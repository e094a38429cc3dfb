"""Sentiment from an English and French lexicon with negation, on accent-folded words.

Each matching word or phrase weighs in; a negation within the three words
before flips it ("not happy", "pas satisfait"). The sum is squashed into
-1..1; below -0.15 is negative, above 0.15 positive.
"""

import math
import re

from terrain_contracts.events.feedback import SentimentLabel

from .text import fold_head

_POSITIVE = {
    # English
    "love": 2,
    "loved": 2,
    "loving": 2,
    "great": 1.5,
    "excellent": 2,
    "amazing": 2,
    "awesome": 2,
    "fantastic": 2,
    "perfect": 2,
    "perfectly": 1.5,
    "good": 1,
    "nice": 1,
    "happy": 1.5,
    "glad": 1,
    "thanks": 1,
    "thank": 1,
    "helpful": 1,
    "easy": 1,
    "easier": 1,
    "fast": 0.5,
    "faster": 1,
    "impressed": 2,
    "kudos": 2,
    "smooth": 1,
    "intuitive": 1.5,
    "useful": 1,
    "enjoy": 1.5,
    "appreciate": 1.5,
    "well": 0.5,
    "saver": 1.5,
    "better": 0.5,
    "delighted": 2,
    "brilliant": 2,
    "reliable": 1,
    # French
    "adore": 2,
    "adorons": 2,
    "genial": 2,
    "super": 1.5,
    "parfait": 2,
    "parfaitement": 1.5,
    "bien": 0.5,
    "bon": 0.5,
    "bonne": 0.5,
    "content": 1.5,
    "contente": 1.5,
    "contents": 1.5,
    "ravi": 2,
    "ravie": 2,
    "ravis": 2,
    "merci": 1,
    "pratique": 1,
    "facile": 1,
    "simple": 0.5,
    "rapide": 0.5,
    "efficace": 1.5,
    "top": 1.5,
    "bravo": 2,
    "felicitations": 2,
    "satisfait": 1.5,
    "satisfaits": 1.5,
    "impeccable": 2,
    "utile": 1,
    "fluide": 1,
    "intuitif": 1.5,
    "agreable": 1.5,
    "apprecie": 1.5,
    "apprecions": 1.5,
}
_NEGATIVE = {
    # English
    "bug": 1,
    "bugs": 1,
    "broken": 2,
    "error": 1,
    "errors": 1,
    "crash": 2,
    "crashes": 2,
    "crashing": 2,
    "fail": 1.5,
    "fails": 1.5,
    "failed": 1.5,
    "failing": 1.5,
    "failure": 1.5,
    "slow": 1.5,
    "slower": 1.5,
    "unusable": 3,
    "frustrating": 2,
    "frustrated": 2,
    "annoying": 2,
    "annoyed": 2,
    "terrible": 3,
    "awful": 3,
    "horrible": 3,
    "worst": 3,
    "bad": 1.5,
    "poor": 1.5,
    "unacceptable": 3,
    "disappointed": 2,
    "disappointing": 2,
    "angry": 2.5,
    "upset": 2,
    "cancel": 2,
    "cancelling": 2,
    "churn": 2,
    "expensive": 1.5,
    "painful": 2,
    "confusing": 1.5,
    "wrong": 1.5,
    "missing": 1,
    "lost": 1.5,
    "stuck": 1.5,
    "problem": 1,
    "problems": 1,
    "issue": 1,
    "issues": 1,
    "hate": 3,
    "useless": 3,
    "ridiculous": 2.5,
    "waste": 2,
    "impossible": 1.5,
    "complain": 1.5,
    "complaining": 1.5,
    "refund": 1.5,
    "blocked": 1.5,
    "blocking": 1.5,
    "lack": 1,
    "cumbersome": 1.5,
    "tedious": 1.5,
    "nightmare": 3,
    "down": 1,
    "outage": 2,
    # French
    "bogue": 1,
    "erreur": 1,
    "erreurs": 1,
    "plante": 2,
    "plantage": 2,
    "casse": 2,
    "lent": 1.5,
    "lente": 1.5,
    "lents": 1.5,
    "lenteur": 1.5,
    "lenteurs": 1.5,
    "inutilisable": 3,
    "frustrant": 2,
    "frustres": 2,
    "frustre": 2,
    "agacant": 2,
    "penible": 2,
    "nul": 2.5,
    "nulle": 2.5,
    "catastrophe": 3,
    "catastrophique": 3,
    "inacceptable": 3,
    "inadmissible": 3,
    "decu": 2,
    "decus": 2,
    "decue": 2,
    "decevant": 2,
    "mecontent": 2,
    "mecontents": 2,
    "furieux": 3,
    "resilier": 2.5,
    "resiliation": 2.5,
    "cher": 1,
    "complique": 1.5,
    "confus": 1.5,
    "probleme": 1,
    "problemes": 1,
    "perdu": 1.5,
    "perdus": 1.5,
    "bloque": 1.5,
    "bloques": 1.5,
    "bloquant": 2,
    "manque": 1,
    "marre": 2.5,
    "lourd": 1.5,
    "fastidieux": 1.5,
    "galere": 2,
    "panne": 2,
    "honteux": 3,
    "arnaque": 3,
    "echec": 1.5,
    "echoue": 1.5,
    "faux": 1,
    "fausse": 1,
    "incorrect": 1.5,
    "incorrects": 1.5,
    "dommage": 1,
}
_NEGATIONS = {
    "not",
    "no",
    "never",
    "dont",
    "doesnt",
    "isnt",
    "wasnt",
    "cant",
    "cannot",
    "wont",
    "without",
    "ne",
    "pas",
    "jamais",
    "aucun",
    "aucune",
    "sans",
    "n",
}
_PHRASES = {  # multi-word cues the word lexicon misses; weight signed
    "does not work": -2,
    "doesn t work": -2,
    "not working": -2,
    "stopped working": -2.5,
    "ne marche pas": -2,
    "ne fonctionne pas": -2,
    "ne fonctionne plus": -2.5,
    "fonctionne pas": -2,
    "too expensive": -2,
    "trop cher": -2,
    "game changer": 2.5,
    "time saver": 2,
    "gain de temps": 2,
    "works great": 2,
    "fonctionne bien": 1.5,
    "fonctionne tres bien": 2,
    "pas terrible": -2,
    "en avoir marre": -2,
}
_TOKEN = re.compile(r"[a-z0-9]+")


# What the kind of item says about its tone when its words say little: a bug report is unhappy even
# in neutral words, and the "great" of "would be great" in a request is a wish, not praise.
PRIOR = {"bug": -1.5, "complaint": -2.0, "praise": 1.5}
DAMPENED = frozenset({"feature_request", "question"})


def sentiment(text: str, category: str | None = None) -> tuple[SentimentLabel, float]:
    folded = " ".join(_TOKEN.findall(fold_head(text)))
    tokens = folded.split()
    total = 0.0
    for i, token in enumerate(tokens):
        weight = _POSITIVE.get(token, 0.0) - _NEGATIVE.get(token, 0.0)
        if weight and any(t in _NEGATIONS for t in tokens[max(0, i - 3) : i]):
            weight = -weight * 0.75
        total += weight
    padded = f" {folded} "
    for phrase, weight in _PHRASES.items():
        total += weight * padded.count(f" {phrase} ")
    if category in DAMPENED and total > 0:
        total *= 0.5
    total += PRIOR.get(category or "", 0.0)
    total += 0.5 * text.count("!") * (1 if total > 0 else -1 if total < 0 else 0)
    score = round(math.tanh(total / 3), 3)
    if score <= -0.15:
        return SentimentLabel.negative, score
    if score >= 0.15:
        return SentimentLabel.positive, score
    return SentimentLabel.neutral, score

"""Text as every service compares it: accent folding, word tokens, function words, the language.

English and French first (the first users are French scale-ups). Every function is total: any string,
however mixed or broken, yields something.
"""

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents: 'Facturé' and 'facture' meet."""
    if text.isascii():  # most feedback: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """The folded words and numbers of ``text``, in order, function words included."""
    return _WORD.findall(fold(text))


# Function words, folded (no accents): they say little about the need, much about the language.
STOP_WORDS = {
    "en": frozenset(
        """
    a about above after again against all also always am an and any are as at be because been before
    being below between both but by can cannot could did do does doing down during each every few for
    from further get got had has have having he her here hers him his how i if in into is it its itself
    just like me more most my need needs never new no nor not nothing now of off on once only or other
    our ours out over own please same she should so some still such than that the their theirs them then
    there these they this those through to too under until up us very want wants was we were what when
    where which while who whom why will with work working works would you your yours
        """.split()
    ),
    "fr": frozenset(
        """
    a ai aie alors au aucun aucune aussi aux avec avez avoir avons besoin bien c ca car ce cela ces cest
    cet cette ceux chaque chez comme comment d dans de deja des doit doivent donc dont du elle elles en
    encore est et etaient etait ete etes etre eu faire fait fonctionne il ils j jai jamais je l la le
    les leur leurs lorsque lui m ma mais marche me meme merci mes moi mon n ne nest nos notre nous
    nouveau nouvelle on ont ou par pas peu peut peuvent plus pour pourquoi qu quand que qui quoi rien s
    sa sans se ses si sommes son sont sur t ta te tes toi ton toujours tous tout toute toutes tres tu un
    une veulent veut vos votre vous y
        """.split()
    ),
}
ALL_STOP_WORDS = STOP_WORDS["en"] | STOP_WORDS["fr"]
_FRENCH_LETTERS = set("éèêàùçôîûëïœ")


def detect_language(text: str, min_hits: int = 2, margin: float = 1.5) -> str | None:
    """'en' or 'fr' from function-word counts, or None when the text does not say clearly enough."""
    found = tokens(text)
    scores = {language: sum(token in stops for token in found) for language, stops in STOP_WORDS.items()}
    # Accented letters are a strong French signal that folding would otherwise throw away.
    scores["fr"] += sum(c in _FRENCH_LETTERS for c in text.casefold())
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < min_hits or top < margin * second:
        return None
    return best

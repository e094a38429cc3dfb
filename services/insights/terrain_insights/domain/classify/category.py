"""What kind of item it is: bug, feature request, praise, question or complaint (including churn signals).

Cue phrases in English and French, matched on accent-folded text. Each kind
scores the cues it finds; ties and silence fall back on the question mark,
then on "feature request" (what most field feedback is).
"""

import re

from terrain_contracts.events.feedback import FeedbackCategory

from .text import fold_head


def _cues(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?:" + "|".join(patterns) + r")")


# Ordered by precedence when scores tie: a churn threat outranks the bug that caused it.
CUES: dict[FeedbackCategory, tuple[re.Pattern[str], float]] = {
    FeedbackCategory.complaint: (
        _cues(
            r"\bcancel",
            r"\bchurn",
            r"\bswitch(ing)? to\b",
            r"\bmove to (a )?competitor",
            r"\bcompetitor",
            r"\bunacceptable",
            r"\bfed up",
            r"\bfrustrat",
            r"\bdisappoint",
            r"\btoo expensive",
            r"\brip[- ]?off",
            r"\brefund",
            r"\bnot renew",
            r"\bwon'?t renew",
            r"\bleav(e|ing) (you|the platform)",
            r"\bterrible",
            r"\bworst",
            r"\bridiculous",
            r"\bwaste of",
            r"\bresili",
            r"\bconcurren",
            r"\binacceptable",
            r"\bmarre\b",
            r"\bdecu",
            r"\bdecevant",
            r"\btrop cher",
            r"\barnaque",
            r"\bremboursement",
            r"\bpas renouvel",
            r"\bne renouvel",
            r"\bquitter",
            r"\bpenible",
            r"\bscandal",
            r"\bhonteu",
            r"\binadmissible",
            r"\bchanger de (solution|fournisseur|outil)",
            r"\bagace",
            r"\bagacant",
        ),
        1.2,
    ),
    FeedbackCategory.bug: (
        _cues(
            r"\bbug",
            r"\berror",
            r"\bcrash",
            r"\bbroken",
            r"\bbreaks?\b",
            r"\bfail(s|ed|ing|ure)?\b",
            r"(doesn'?t|does not|don'?t|do not|isn'?t|is not|won'?t|can'?t|cannot) "
            r"(work|load|open|sync|save|show|send)",
            r"\bstuck\b",
            r"\bblank (page|screen)",
            r"\b50[0-9]\b",
            r"\b40[34]\b",
            r"\bwrong (amount|total|number|data)",
            r"\bmissing (data|rows|lines)",
            r"\bduplicat",
            r"\btimes? out\b",
            r"\btimeout",
            r"\bfreez",
            r"\bglitch",
            r"\bstopped working",
            r"\bno longer",
            r"\banymore\b",
            r"\bbogue",
            r"\berreur",
            r"\bplant(e|ent|age)\b",
            r"\bne (marche|fonctionne|charge|synchronise|s'?affiche)",
            r"\bn'?(marche|fonctionne)",
            r"\bbloque",
            r"\bcasse",
            r"\bpage blanche",
            r"\bdoublon",
            r"\bfige",
            r"\bne .{0,20}plus\b",
            r"\bincorrect",
            r"\bfaux\b",
            r"\bfausse",
            r"\bechou",
            r"\bimpossible de",
            # An observation that something does not happen, or happens wrongly, is usually a defect.
            r"\b(do|does|did)(n'?t| not) (appear|show|arrive|create|get|receive)",
            r"\bnever\b",
            r"\bjamais\b",
            r"\bnot (mapped|saved|sent|shown|updated|synced)",
            r"\b(twice|two times|deux fois|en double)\b",
            r"\bwrong\b",
            r"\bmauvais",
            r"\b(empty|vide)\b",
            r"\b(forever|eternite|indefiniment)\b",
            r"\b(loops?|en boucle)\b",
            r"\blogs? (me|us|users) out",
            r"\bdeconnecte",
            r"\bstops? (when|after)",
            r"\bs'?arrete",
            r"\breturns? nothing",
            r"\bne renvoie rien",
            r"\bn'?apparai",
            r"\bne sont pas (repris|affich)",
            r"\binstead of (the|our)",
            r"\bau lieu d",
        ),
        1.0,
    ),
    FeedbackCategory.feature_request: (
        _cues(
            r"\bwould (be|love|like)",
            r"\bplease add",
            r"\bcould you (add|support|make|provide)",
            r"\bwe need\b",
            r"\bneed (a|an|to|the)\b",
            r"\bfeature request",
            r"\bit would be (great|nice|helpful)",
            r"\bwish\b",
            r"\bsupport for\b",
            r"\bability to\b",
            r"\ballow (us|users|me) to",
            r"\bmissing (a|an|the)? ?feature",
            r"\bhave an option",
            r"\bany plans?\b",
            r"\broadmap",
            r"\bwhen will\b",
            r"\badd (a|an|support)",
            r"\bserait (bien|top|super|utile|genial)",
            r"\bsouhait",
            r"\bpourriez[- ]vous (ajouter|proposer|permettre)",
            r"\bbesoin d",
            r"\bmanque\b",
            r"\bil manque",
            r"\baimerions",
            r"\baimerais",
            r"\bvoudrions",
            r"\bpossibilite de",
            r"\bpouvoir\b",
            r"\bajout(er)? (un|une|la|le|des)",
            r"\bquand (allez|sera)",
            r"\bprevu\b",
            r"\bfeuille de route",
        ),
        1.0,
    ),
    FeedbackCategory.question: (
        _cues(
            r"^(how|what|where|when|why|is there|can i|can we|do you|does it|is it|are there)\b",
            r"\bhow (do|can|to)\b",
            r"\bis it possible",
            r"\bany way to",
            r"\bwondering",
            r"^(comment|est-ce|est ce|pourquoi|ou |quand|quel|quelle|y a-t-il|peut-on|pouvez-vous)\b",
            r"\bcomment (faire|puis|peut|on)\b",
            r"\best-il possible",
            r"\bexiste-t-il",
            r"\bsavoir si",
        ),
        0.9,
    ),
    FeedbackCategory.praise: (
        _cues(
            r"\blove\b",
            r"\bloving",
            r"\bgreat job",
            r"\bamazing",
            r"\bawesome",
            r"\bexcellent",
            r"\bfantastic",
            r"\bthank(s| you)",
            r"\bkudos",
            r"\bwell done",
            r"\bgame changer",
            r"\bhuge (time )?saver",
            r"\bso much (easier|faster|better)",
            r"\bworks (great|perfectly|well)",
            r"\bimpressed",
            r"\bbravo",
            r"\bmerci",
            r"\bgenial",
            r"\bsuper\b",
            r"\bparfait",
            r"\bexcellent",
            r"\bgain de temps",
            r"\btop\b",
            r"\badore",
            r"\bravi",
            r"\bfelicitations",
            r"\bimpeccable",
            r"\bfonctionne (tres )?bien",
        ),
        1.0,
    ),
}


def categorize(text: str) -> tuple[FeedbackCategory, float]:
    """The kind of item and how sure the cues make us (0..1)."""
    folded = " ".join(fold_head(text).split())
    scores = {kind: weight * len(pattern.findall(folded)) for kind, (pattern, weight) in CUES.items()}
    if "?" in folded:
        scores[FeedbackCategory.question] += 0.8
    best = max(scores, key=lambda kind: scores[kind])  # dict order breaks ties by precedence
    total = sum(scores.values())
    if scores[best] == 0:
        return FeedbackCategory.feature_request, 0.2
    return best, round(scores[best] / total, 3)

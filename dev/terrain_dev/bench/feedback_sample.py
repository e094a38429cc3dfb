"""A hand-written sample of feedback for measuring near-duplicate links and language detection.

NEEDS holds product areas, each with a few distinct needs that share vocabulary
(the hard negatives: same customer, same area, different need). Each need is
written twice by hand: as the customer put it (a ticket or chat) and as a rep
re-tells it in the CRM (a different wording of the same need). The French ones
let the language detector be measured on both languages.
"""

# area -> [(customer's words, a rep's re-telling of the same need), ...]
NEEDS: dict[str, list[tuple[str, str]]] = {
    "exports": [
        (
            "Exporting the quarterly usage report to Excel times out after a minute every time.",
            "Customer says the Excel export of their quarterly usage report times out, "
            "takes over a minute and fails.",
        ),
        (
            "The PDF export drops our logo and the page numbers.",
            "PDF exports are missing the customer's logo and page numbers, they noticed it last week.",
        ),
        (
            "Please let us schedule a CSV export to an S3 bucket every night.",
            "They want a nightly scheduled CSV export pushed to their S3 bucket.",
        ),
    ],
    "sso": [
        (
            "Our admins need SAML single sign-on with Okta before we can roll out to 400 more users.",
            "Acme cannot roll out to another 400 users "
            "until SAML SSO with Okta is available for their admins.",
        ),
        (
            "We need SCIM provisioning so leavers are removed automatically from your app.",
            "Customer asks for SCIM user provisioning: "
            "people who leave should be deprovisioned automatically.",
        ),
        (
            "Two-factor authentication should be enforceable for every user in our workspace.",
            "They want to force 2FA for all users of their workspace, security team insists.",
        ),
    ],
    "billing": [
        (
            "Invoices must show our purchase order number or finance rejects them.",
            "Finance at the customer rejects invoices that don't carry their PO number; "
            "please add the PO on invoices.",
        ),
        (
            "We would like to pay annually by bank transfer instead of by card.",
            "Customer prefers yearly payment via wire transfer rather than credit card.",
        ),
        (
            "The seat count on the invoice does not match the number of active users.",
            "Billing mismatch: invoice seat count differs from their active user count.",
        ),
    ],
    "mobile": [
        (
            "Could you add a dark mode to the mobile app? My team works night shifts.",
            "User requests dark mode in the mobile app because their team works nights.",
        ),
        (
            "The Android app crashes when I open a project with many attachments.",
            "Android app crash reported when opening projects that have lots of attachments.",
        ),
        (
            "Offline mode on iOS would let our field technicians work in basements.",
            "Their field techs need the iOS app to work offline, they often have no signal in basements.",
        ),
    ],
    "reporting": [
        (
            "Dashboard filters reset whenever I switch between projects.",
            "Customer complains that dashboard filters get lost each time they switch project.",
        ),
        (
            "We need a report of time spent per client per month.",
            "They are asking for a monthly time-per-client report.",
        ),
        (
            "Charts should be exportable as PNG for our slide decks.",
            "Request: export charts as PNG images so they can paste them in presentations.",
        ),
    ],
    "integrations": [
        (
            "Send a Slack alert when a sync with Salesforce fails.",
            "They want Slack notifications whenever the Salesforce sync fails.",
        ),
        (
            "The API rate limit of 100 requests per minute is too low for our nightly jobs.",
            "Customer hits the 100 req/min API limit during their nightly batch jobs and needs it raised.",
        ),
        (
            "Please support webhooks for task status changes.",
            "Ask: outgoing webhooks when a task's status changes.",
        ),
    ],
    "permissions": [
        (
            "We need an audit log of every permission change for our SOC 2 audit.",
            "For SOC 2 they need an audit trail of all permission changes.",
        ),
        (
            "Guests should only see the projects they are invited to.",
            "Customer wants guest users restricted to the projects they were invited to, "
            "not the whole workspace.",
        ),
        (
            "Custom roles would let us give managers read-only access to budgets.",
            "They are asking for custom roles so managers can view budgets without editing them.",
        ),
    ],
    "projects": [
        (
            "Bulk editing the due date of many tasks at once would save us hours.",
            "Customer wants to change due dates on many tasks in one go, bulk edit.",
        ),
        (
            "Archived projects still appear in the search results.",
            "Search keeps returning archived projects, which confuses their users.",
        ),
        (
            "Templates for recurring projects would help our onboarding team.",
            "Onboarding team would like project templates they can reuse for recurring projects.",
        ),
    ],
    "exports_fr": [
        (
            "L'export Excel du rapport trimestriel échoue toujours au bout d'une minute.",
            "Le client signale que l'export Excel de son rapport trimestriel plante après une minute.",
        ),
        (
            "Nous voulons planifier un export CSV chaque nuit vers notre bucket S3.",
            "Ils demandent un export CSV automatique toutes les nuits vers leur bucket S3.",
        ),
    ],
    "sso_fr": [
        (
            "Nos administrateurs ont besoin du SSO SAML avec Okta avant le déploiement.",
            "Leurs admins exigent le SSO SAML via Okta avant de déployer l'outil à toute l'équipe.",
        ),
        (
            "La double authentification doit être obligatoire pour tous nos utilisateurs.",
            "Ils veulent pouvoir imposer la 2FA à tous les utilisateurs de leur espace.",
        ),
    ],
    "billing_fr": [
        (
            "Les factures doivent indiquer notre numéro de bon de commande.",
            "La compta du client refuse les factures sans leur numéro de bon de commande.",
        ),
        (
            "Nous préférons payer chaque année par virement plutôt que par carte.",
            "Le client souhaite un paiement annuel par virement bancaire au lieu de la carte.",
        ),
    ],
    "mobile_fr": [
        (
            "Pourriez-vous ajouter un mode sombre à l'application mobile ?",
            "Demande d'un mode sombre sur l'appli mobile, l'équipe travaille de nuit.",
        ),
        (
            "L'application Android plante quand j'ouvre un projet avec beaucoup de pièces jointes.",
            "Crash de l'appli Android à l'ouverture des projets qui ont beaucoup de pièces jointes.",
        ),
    ],
}

NOTES = [
    "Call notes: {t}",
    "From ticket #4821 - {t} Follow up next week.",
    "{t} (logged after the QBR)",
    "Per Dana on our call today: {t}",
    "{t} Renewal in March depends on it.",
]


def language_of(area: str) -> str:
    return "fr" if area.endswith("_fr") else "en"


def _typos(text: str) -> str:
    """Swap two letters in every fifth word: the way notes get typed on a phone."""
    words = text.split()
    for i in range(2, len(words), 5):
        w = words[i]
        if len(w) > 4:
            words[i] = w[0] + w[2] + w[1] + w[3:]
    return " ".join(words)


def labelled_pairs() -> list[tuple[str, str, bool, str]]:
    """(text a, text b, same need?, how the pair was made)."""
    pairs: list[tuple[str, str, bool, str]] = []
    needs = [
        (area, i, original, retold)
        for area, items in NEEDS.items()
        for i, (original, retold) in enumerate(items)
    ]
    for n, (_, _, original, retold) in enumerate(needs):
        pairs.append((original, retold, True, "re-told by a rep"))
        pairs.append((original, NOTES[n % len(NOTES)].format(t=original), True, "copied with notes"))
        pairs.append((original, _typos(original), True, "copied with typos"))
        pairs.append(
            (retold, NOTES[(n + 2) % len(NOTES)].format(t=_typos(original)), True, "copy vs re-telling")
        )
    for items in NEEDS.values():  # hard negatives: one area, one customer, different needs
        for i, (original, retold) in enumerate(items):
            for j, (other, other_retold) in enumerate(items):
                if i < j:
                    pairs.append((original, other, False, "same area, other need"))
                    pairs.append((retold, other_retold, False, "same area, other need (re-told)"))
                    pairs.append(
                        (
                            NOTES[i].format(t=original),
                            NOTES[i].format(t=other),
                            False,
                            "same note template, other need",
                        )
                    )
                    pairs.append((original, other_retold, False, "same area, other need (one re-told)"))
                    pairs.append((retold, other, False, "same area, other need (one re-told)"))
    for n, (_, _, original, _) in enumerate(needs):  # easy negatives: other areas
        far = needs[(n * 7 + 5) % len(needs)]
        if far[2] != original:
            pairs.append((original, far[3], False, "other area"))
    return pairs


def language_sample() -> list[tuple[str, str]]:
    return [(text, language_of(area)) for area, items in NEEDS.items() for pair in items for text in pair]

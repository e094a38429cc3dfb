"""The demo's company: a B2B SaaS selling project and revenue reporting to European scale-ups.

Three squads with PMs under a product tribe whose directors vote, Product Ops, the Sales/CS people
who report what customers say, and thirty customer accounts.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from terrain_contracts.events.account import Account as AccountContract
from terrain_contracts.types import Money

DOMAIN = "terrain-demo.io"


@dataclass(frozen=True)
class Person:
    member_id: str
    name: str
    role: str  # pm, director, engineer, designer, product_ops

    @property
    def email(self) -> str:
        first, last = self.name.lower().replace("é", "e").replace("è", "e").replace("ï", "i").split(" ", 1)
        return f"{first}.{last.replace(' ', '')}@{DOMAIN}"


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str
    kind: str
    parent: str | None
    members: tuple[Person, ...]
    areas: tuple[tuple[str, str], ...]  # (slug, name)


CLAIRE = Person("m-claire", "Claire Dubois", "director")
MARC = Person("m-marc", "Marc Lefèvre", "director")
SOFIA = Person("m-sofia", "Sofia Marin", "director")
LEA = Person("m-lea", "Léa Martin", "pm")
NOAH = Person("m-noah", "Noah Weber", "engineer")
HUGO = Person("m-hugo", "Hugo Bernard", "pm")
JULIA = Person("m-julia", "Julia Schmidt", "pm")
INES = Person("m-ines", "Inès Garcia", "designer")
AMIR = Person("m-amir", "Amir Haddad", "pm")
KENJI = Person("m-kenji", "Kenji Sato", "engineer")
NADIA = Person("m-nadia", "Nadia Benali", "product_ops")
TOM = Person("m-tom", "Tom Becker", "product_ops")

TRIBE = Team("tribe-product", "Product & Design", "tribe", None, (CLAIRE, MARC, SOFIA), ())
BILLING = Team(
    "squad-billing", "Billing & Payments", "squad", TRIBE.team_id, (LEA, NOAH), (("billing", "Billing"),)
)
REPORTING = Team(
    "squad-reporting",
    "Reporting & Insights",
    "squad",
    TRIBE.team_id,
    (HUGO, JULIA, INES),
    (("reporting", "Reporting"), ("mobile", "Mobile")),
)
PLATFORM = Team(
    "squad-platform",
    "Platform & Integrations",
    "squad",
    TRIBE.team_id,
    (AMIR, KENJI),
    (("integrations", "Integrations"), ("identity", "Identity & access"), ("platform", "Platform")),
)
OPS = Team("squad-product-ops", "Product Operations", "squad", TRIBE.team_id, (NADIA, TOM), ())
TEAMS = (TRIBE, BILLING, REPORTING, PLATFORM, OPS)
DIRECTORS = (CLAIRE, MARC, SOFIA)
# "collaboration" stays unowned: its insights go to Product Ops.


@dataclass(frozen=True)
class Reporter:
    name: str
    role: str  # sales_rep, account_manager, csm, support_agent

    @property
    def email(self) -> str:
        first, last = self.name.lower().split(" ", 1)
        return f"{first}.{last}@{DOMAIN}"


SAM = Reporter("Sam Rivera", "sales_rep")
PRIYA = Reporter("Priya Nair", "csm")
LUCAS = Reporter("Lucas Petit", "support_agent")
EMMA = Reporter("Emma Keller", "account_manager")
REPORTERS = (SAM, PRIYA, LUCAS, EMMA)


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    domain: str
    arr_eur: int
    plan: str
    segment: str
    renewal_in_days: int
    owner: Reporter

    def renewal(self, today: date) -> date:
        return today + timedelta(days=self.renewal_in_days)

    def contract(self, today: date) -> AccountContract:
        """The account as the CRM announces it (``account.updated``)."""
        return AccountContract(
            account_id=self.account_id,
            name=self.name,
            domains=[self.domain],
            arr=Money(amount_minor=self.arr_eur * 100, currency="EUR"),
            plan=self.plan,
            segment=self.segment,
            renewal_date=self.renewal(today),
            owner_rep_email=self.owner.email,
        )


_ACCOUNTS = [  # name, ARR in euros, plan, segment, renewal in days, owner
    ("Lumen Analytics", 420_000, "enterprise", "enterprise", 210, EMMA),
    ("Nordwind Logistik", 380_000, "enterprise", "enterprise", 160, SAM),
    ("Atelier Cobalt", 310_000, "enterprise", "enterprise", 25, EMMA),
    ("Brasserie Numérique", 260_000, "enterprise", "enterprise", 300, SAM),
    ("Pixelhaus", 240_000, "enterprise", "enterprise", 120, EMMA),
    ("Helios Energie", 220_000, "enterprise", "enterprise", 340, SAM),
    ("Quartz Capital", 190_000, "business", "mid_market", 75, EMMA),
    ("Vela Mobility", 160_000, "business", "mid_market", 230, SAM),
    ("Maison Lavande", 140_000, "business", "mid_market", 190, PRIYA),
    ("Orbit Freight", 120_000, "business", "mid_market", 280, SAM),
    ("Kestrel Health", 110_000, "business", "mid_market", 140, PRIYA),
    ("Boréal Studio", 95_000, "business", "mid_market", 45, PRIYA),
    ("Tandem Legal", 90_000, "business", "mid_market", 260, SAM),
    ("Ferro Manufacturing", 85_000, "business", "mid_market", 310, PRIYA),
    ("Mistral Voyages", 80_000, "business", "mid_market", 170, PRIYA),
    ("Sable & Fils", 60_000, "pro", "smb", 220, LUCAS),
    ("Grünwerk", 55_000, "pro", "smb", 90, LUCAS),
    ("Cassis Media", 48_000, "pro", "smb", 150, LUCAS),
    ("Tidal Foods", 42_000, "pro", "smb", 200, LUCAS),
    ("Onyx Robotics", 40_000, "pro", "smb", 330, PRIYA),
    ("Papyrus Edition", 36_000, "pro", "smb", 60, LUCAS),
    ("Velours Paris", 32_000, "pro", "smb", 250, PRIYA),
    ("Arbor Schools", 28_000, "pro", "smb", 110, LUCAS),
    ("Nimbus Dental", 25_000, "starter", "smb", 180, LUCAS),
    ("Piment Rouge", 22_000, "starter", "smb", 270, PRIYA),
    ("Lynx Security", 20_000, "starter", "smb", 130, LUCAS),
    ("Comète Events", 18_000, "starter", "smb", 35, PRIYA),
    ("Harbor Coffee", 15_000, "starter", "smb", 240, LUCAS),
    ("Delta Architectes", 12_000, "starter", "smb", 290, PRIYA),
    ("Fable Games", 10_000, "starter", "smb", 205, LUCAS),
]


def _slug(name: str) -> str:
    cleaned = "".join(
        c if c.isalnum() else "-"
        for c in name.lower().replace("é", "e").replace("è", "e").replace("ü", "u").replace("&", "and")
    )
    return "-".join(part for part in cleaned.split("-") if part)


ACCOUNTS = tuple(
    Account(
        f"acc-{_slug(name)}",
        name,
        f"{_slug(name).replace('-and-', '')}.example",
        arr,
        plan,
        segment,
        renewal,
        owner,
    )
    for name, arr, plan, segment, renewal, owner in _ACCOUNTS
)
BY_ID = {account.account_id: account for account in ACCOUNTS}
LARGE = tuple(account for account in ACCOUNTS if account.segment == "enterprise")

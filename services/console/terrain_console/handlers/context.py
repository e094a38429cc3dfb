"""What the use cases need besides the database: settings, identity issuer, password hasher, clock."""

import logging
from datetime import datetime

from argon2 import PasswordHasher
from terrain_contracts.types import utcnow
from terrain_kit.identity import Issuer

from ..settings import ConsoleSettings
from ..store import Database

log = logging.getLogger(__name__)


def issuer_of(settings: ConsoleSettings) -> Issuer:
    if settings.identity_key_file is not None:
        return Issuer.from_pem(settings.identity_key_file.read_text(), "terrain-console")
    pem = settings.identity_private_key.get_secret_value() if settings.identity_private_key else ""
    if pem.strip():
        return Issuer.from_pem(pem, "terrain-console")
    log.warning(
        "no identity key (CONSOLE_IDENTITY_KEY_FILE): signing with a throwaway key the services refuse"
    )
    return Issuer.generate("terrain-console")


class Context:
    def __init__(self, settings: ConsoleSettings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.issuer = issuer_of(settings)
        self.hasher = PasswordHasher()

    def now(self) -> datetime:
        return utcnow()

"""Routing rules as code: parsed from YAML or JSON, validated, SSRF-checked, then stored as the live rules."""

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from terrain_contracts.types import FieldError
from terrain_kit.errors import StaleVersion, check_version
from terrain_kit.uow import UnitOfWork

from ..domain.rules import DOCUMENT, Rules, RulesError, is_empty, keep_secrets, load_document, parse_rules
from ..domain.targets import SECRET_MASK
from ..store import directory
from .context import Context

EMPTY = (
    "empty: it would remove every route, endpoint and Product Ops member; "
    "send ?allow_empty=true if that is what you mean"
)


def parse_text(
    text: str,
    ssrf_allow: list[str],
    *,
    empty_allowed: bool = True,
    stored: Rules | None = None,
    required: bool = False,
) -> Rules:
    """``empty_allowed``: whether a document without any rule (blank, null, {}) is accepted; by API it is
    refused unless asked for (it silently wiped the routing). ``stored``: the live rules, whose secrets
    a masked secret sent back stands for. ``required``: blank or null is refused even when empty is allowed
    (by API, "no rules" is said with {})."""
    data = load_document(text)  # YAML is a superset of JSON: one parser for both, depth-bounded
    if data is None and required:
        raise RulesError.of(DOCUMENT, "no document: send the rules (or {} with ?allow_empty=true for none)")
    rules = parse_rules(data if stored is None else keep_secrets(data, stored), ssrf_allow)
    if is_empty(rules) and not empty_allowed:
        raise RulesError.of(DOCUMENT, EMPTY)
    return rules


def parse_body(
    body: bytes, ssrf_allow: list[str], *, allow_empty: bool = False, stored: Rules | None = None
) -> Rules:
    """Rules sent by API: UTF-8 YAML or JSON, never missing, without any rule only if ``allow_empty``."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RulesError.of(DOCUMENT, "not UTF-8 text") from None
    return parse_text(text, ssrf_allow, empty_allowed=allow_empty, stored=stored, required=True)


async def validate(context: Context, rules: Rules) -> list[str]:
    """Resolve endpoint hosts and refuse private targets; returns warnings (hosts that do not resolve now).

    Outside any transaction: it waits on DNS."""
    errors, warnings = await context.check_hosts(rules.endpoint_urls(), context.ssrf_allow)
    if errors:
        raise RulesError(errors)
    return warnings


def load_file(path: Path, ssrf_allow: list[str]) -> tuple[Rules, str]:
    """The rules file, validated (structure and literal addresses): a bad file stops the start-up."""
    text = path.read_text()
    try:
        rules = parse_text(text, ssrf_allow)
    except RulesError as exc:
        raise RulesError(
            [FieldError(field=f"{path}: {e.field}"[:300], message=e.message) for e in exc.errors]
        ) from None
    return rules, hashlib.sha256(text.encode()).hexdigest()


async def apply_file(uow: UnitOfWork, rules: Rules, file_hash: str, now: datetime) -> int | None:
    """Store the file's rules unless this very file was applied already (API edits survive restarts)."""
    record = await directory.rules_record(uow)
    if record is not None and record.get("file_hash") == file_hash:
        return None
    return await directory.save_rules(uow, rules, "file", "rules-file", now, file_hash=file_hash)


async def replace(uow: UnitOfWork, context: Context, rules: Rules, actor: str, if_match: int | None) -> int:
    """The rules edited by API become the live rules if ``if_match`` is the live version (428 without it,
    412 when stale); returns their new version."""
    current = await directory.rules_version(uow)
    check_version(current, if_match)
    version = await directory.save_rules(uow, rules, "api", actor, context.now(), expected=current)
    if version is None:
        raise StaleVersion(current, current + 1)  # a concurrent write came first
    return version


def masked(rules: Rules) -> dict[str, Any]:
    view = rules.model_dump(mode="json")
    for endpoint in view["endpoints"].values():
        if endpoint.get("secret"):
            endpoint["secret"] = SECRET_MASK
    return view

"""Routing rules as code: parsed from YAML or JSON, validated, SSRF-checked, then stored as the live rules."""

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from terrain_contracts.types import FieldError
from terrain_kit.uow import UnitOfWork

from ..domain.rules import DOCUMENT, Rules, RulesError, load_document, parse_rules
from ..store import directory
from .context import Context


def parse_text(text: str, ssrf_allow: list[str], *, empty_allowed: bool = True) -> Rules:
    """``empty_allowed``: whether an empty (or null) document means no rules; by API it is a mistake
    (it replaced the rules with none), and "{}" says "no rules"."""
    data = load_document(text)  # YAML is a superset of JSON: one parser for both, depth-bounded
    if data is None and not empty_allowed:
        raise RulesError.of(DOCUMENT, "empty or null: send the rules (or {} for none)")
    return parse_rules(data, ssrf_allow)


def parse_body(body: bytes, ssrf_allow: list[str]) -> Rules:
    """Rules sent by API: UTF-8 YAML or JSON, never empty."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RulesError.of(DOCUMENT, "not UTF-8 text") from None
    return parse_text(text, ssrf_allow, empty_allowed=False)


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


async def replace(uow: UnitOfWork, context: Context, rules: Rules, actor: str) -> int:
    """The rules edited by API become the live rules; returns their version."""
    return await directory.save_rules(uow, rules, "api", actor, context.now())


def masked(rules: Rules) -> dict[str, Any]:
    view = rules.model_dump(mode="json")
    for endpoint in view["endpoints"].values():
        if endpoint.get("secret"):
            endpoint["secret"] = "whsec_***"
    return view

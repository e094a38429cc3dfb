"""Routing rules as code: parsed from YAML or JSON, validated, SSRF-checked, then stored as the live rules."""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ..channels.http import check_hosts
from ..domain.rules import Rules, RulesError, parse_rules
from ..store import directory as config


def parse_text(text: str, ssrf_allow: Sequence[str], *, empty_allowed: bool = True) -> Rules:
    """``empty_allowed``: whether an empty (or null) document means no rules; by API it is a mistake
    (it replaced the rules with none), and "{}" says "no rules"."""
    try:
        data = yaml.safe_load(text)  # YAML is a superset of JSON: one parser for both
    except yaml.YAMLError as exc:
        raise RulesError([{"field": "(document)", "message": f"not valid YAML: {exc}"}]) from None
    if data is None and not empty_allowed:
        raise RulesError(
            [{"field": "(document)", "message": "empty or null: send the rules (or {} for none)"}]
        )
    return parse_rules(data, ssrf_allow)


async def validate(rules: Rules, ssrf_allow: Sequence[str]) -> list[str]:
    """Resolve endpoint hosts and refuse private targets; returns warnings (hosts that do not resolve now)."""
    errors, warnings = await check_hosts(rules.endpoint_urls(), ssrf_allow)
    if errors:
        raise RulesError(errors)
    return warnings


def load_file(path: Path, ssrf_allow: Sequence[str]) -> tuple[Rules, str]:
    """The rules file, validated (structure and literal addresses): a bad file stops the start-up."""
    text = path.read_text()
    try:
        rules = parse_text(text, ssrf_allow)
    except RulesError as exc:
        raise RulesError(
            [{"field": f"{path}: {e['field']}", "message": e["message"]} for e in exc.errors]
        ) from None
    return rules, hashlib.sha256(text.encode()).hexdigest()


async def apply_file(uow, rules: Rules, file_hash: str, now: datetime) -> int | None:
    """Store the file's rules unless this very file was applied already (API edits survive restarts)."""
    record = await config.rules_record(uow)
    if record is not None and record.get("file_hash") == file_hash:
        return None
    return await config.save_rules(uow, rules, "file", "rules-file", now, file_hash=file_hash)


def masked(rules: Rules) -> dict[str, Any]:
    view = rules.model_dump(mode="json")
    for endpoint in view["endpoints"].values():
        if endpoint.get("secret"):
            endpoint["secret"] = "whsec_***"
    return view

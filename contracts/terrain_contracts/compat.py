"""Is a new JSON Schema of an event still compatible with a published one?

Within a version, producers and consumers upgrade independently, so the
check is symmetric ("full" compatibility): old consumers must read new
events and new consumers must read old events still in the stream. The
only change allowed is a new optional property (and wording: titles,
descriptions, examples, defaults). Everything else is reported:

- a property removed,
- a property's type or constraints changed (including enum values added or
  removed: an unknown enum value fails a strict consumer),
- a property becoming required, or no longer required,
- a new required property.
"""

from typing import Any

Schema = dict[str, Any]

_WORDING = frozenset({"title", "description", "examples", "default", "$comment"})
_STRUCTURE = frozenset(
    {
        "properties",
        "required",
        "additionalProperties",
        "items",
        "prefixItems",
        "anyOf",
        "oneOf",
        "allOf",
        "$defs",
        "$ref",
    }
)


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every incompatibility between two root schemas, as readable sentences."""
    return _Comparison(old.get("$defs", {}), new.get("$defs", {})).compare(old, new, "$")


class _Comparison:
    def __init__(self, old_defs: Schema, new_defs: Schema) -> None:
        self._defs = (old_defs, new_defs)
        self._seen: set[tuple[str, str, str]] = set()

    def _resolve(self, schema: Schema, side: int) -> tuple[Schema, str | None]:
        ref = schema.get("$ref")
        if ref is None:
            return schema, None
        name = ref.rsplit("/", 1)[-1]
        return self._defs[side][name], name

    def compare(self, old: Schema, new: Schema, path: str) -> list[str]:
        old, old_ref = self._resolve(old, 0)
        new, new_ref = self._resolve(new, 1)
        if old_ref and new_ref:
            pair = (old_ref, new_ref, path)
            if pair in self._seen:  # recursive models
                return []
            self._seen.add(pair)
        if "properties" in old or "properties" in new:
            return self._compare_objects(old, new, path)
        problems = []
        keys = (set(old) | set(new)) - _WORDING - _STRUCTURE
        for key in sorted(keys):
            if old.get(key) != new.get(key):
                problems.append(f"{path}: type changed ({key}: {old.get(key)!r} -> {new.get(key)!r})")
        for key in ("items", "additionalProperties"):
            if isinstance(old.get(key), dict) or isinstance(new.get(key), dict):
                if not (isinstance(old.get(key), dict) and isinstance(new.get(key), dict)):
                    problems.append(f"{path}: type changed ({key})")
                else:
                    problems += self.compare(old[key], new[key], f"{path}[]")
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            old_options, new_options = old.get(key, []), new.get(key, [])
            if len(old_options) != len(new_options):
                problems.append(
                    f"{path}: type changed ({key} has {len(old_options)} -> {len(new_options)} options)"
                )
                continue
            for i, (o, n) in enumerate(zip(old_options, new_options, strict=True)):
                problems += self.compare(o, n, f"{path}<{key}[{i}]>")
        return problems

    def _compare_objects(self, old: Schema, new: Schema, path: str) -> list[str]:
        if "properties" not in old or "properties" not in new:
            return [f"{path}: type changed (object <-> non-object)"]
        problems = []
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name, old_prop in old["properties"].items():
            where = f"{path}.{name}"
            if name not in new["properties"]:
                problems.append(f"{where}: field removed")
                continue
            if name in old_required and name not in new_required:
                problems.append(f"{where}: no longer required")
            elif name not in old_required and name in new_required:
                problems.append(f"{where}: became required")
            problems += self.compare(old_prop, new["properties"][name], where)
        for name in new["properties"]:
            if name not in old["properties"] and name in new_required:
                problems.append(f"{path}.{name}: new required field")
        return problems

"""YAML documents people send (routing rules, taxonomies): read without trusting their shape.

PyYAML's composer recurses once per nesting level: a document 50,000 levels deep raised RecursionError
(a 500). The loaders here refuse nodes nested deeper than ``MAX_DEPTH`` as they compose them (the scanner
and the parser do not recurse). ``as_text`` reads every scalar as the text written, so YAML 1.1 does not
turn a slug ``no`` into False or ``2024`` into a number: the models validate the text.
"""

from typing import Any

import yaml

MAX_DEPTH = 64  # Terrain's documents nest about 5 deep: anything past this is a mistake or an attack


class DocumentError(ValueError):
    """A document that cannot be read; the message says why (for the field naming the body)."""


class _TooDeep(Exception):
    pass


class _BoundedLoader(yaml.SafeLoader):
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _TextLoader(_BoundedLoader):
    pass


def _as_written(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


for _tag in ("bool", "int", "float", "timestamp"):  # what YAML 1.1 would turn `no`, `on`, `2024` into
    _TextLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _as_written)


def load_yaml(text: str | bytes, *, as_text: bool = False, typed_keys: tuple[str, ...] = ()) -> Any:
    """A YAML (or JSON: YAML is a superset) document as data; :class:`DocumentError` when it is no YAML
    or nested deeper than ``MAX_DEPTH``. With ``as_text``, scalars are the text written, but for the
    top-level ``typed_keys`` (read as YAML would: a ``version: false`` stays no version number)."""
    loader = (_TextLoader if as_text else _BoundedLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        if typed_keys and isinstance(data, dict) and isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if loader.construct_object(key) in typed_keys and isinstance(value, yaml.ScalarNode):
                    data[key.value] = yaml.SafeLoader.yaml_constructors[value.tag](loader, value)
        return data
    except _TooDeep:
        raise DocumentError(f"nested deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()

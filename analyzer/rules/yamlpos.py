"""YAML loading for rule, waiver and expected-findings files: plain JSON-like values
(timestamps stay strings, as they are in Kubernetes objects) plus the line of every
mapping key and list item, so that errors can say ``FILE:LINE``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PlainLoader(_Base):  # type: ignore[misc,valid-type]
    """SafeLoader that keeps timestamps as strings."""


PlainLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def safe_load_plain(text: str) -> Any:
    return yaml.load(text, Loader=PlainLoader)  # noqa: S506 - PlainLoader is a SafeLoader


@dataclass
class Pos:
    """Line numbers (1-based) of a YAML node: ``line`` of the node itself, ``keys`` the line
    of each mapping key (or list index), ``children`` the positions of the values."""

    line: int
    keys: dict[Any, int] = field(default_factory=dict)
    children: dict[Any, Pos] = field(default_factory=dict)

    def key_line(self, key: Any) -> int:
        return self.keys.get(key, self.line)

    def child(self, key: Any) -> Pos:
        return self.children.get(key) or Pos(self.key_line(key))


def _positions(node: yaml.Node) -> Pos:
    pos = Pos(node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            if key is None:
                continue
            pos.keys[key] = k.start_mark.line + 1
            pos.children[key] = _positions(v)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            pos.keys[i] = v.start_mark.line + 1
            pos.children[i] = _positions(v)
    return pos


class YamlError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def load_with_positions(text: str) -> tuple[Any, Pos]:
    """Parse one YAML document; returns (data, positions).  Raises :class:`YamlError`."""
    loader = PlainLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, Pos(1)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else 1
        context = e.context or ""
        if context and e.context_mark is not None and mark is not None and e.context_mark.line != mark.line:
            context += f" (started on line {e.context_mark.line + 1})"
        msg = " ".join(str(x) for x in (context, e.problem) if x)
        raise YamlError(line, f"YAML syntax error: {msg}") from None
    except yaml.YAMLError as e:
        raise YamlError(1, f"YAML error: {' '.join(str(e).split())}") from None
    finally:
        loader.dispose()
    return data, _positions(node)

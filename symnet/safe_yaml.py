"""The one YAML loader symnet uses for every file it reads.

``yaml.safe_load`` builds no arbitrary objects, but it still accepts documents that
are dangerous to the code that walks the result:

- an alias bomb ("billion laughs"): a few hundred bytes whose aliases expand to
  billions of nodes once a walker copies the shared nodes;
- nesting deep enough to exhaust the interpreter's recursion limit;
- duplicate keys, of which YAML silently keeps the last.

:func:`load` rejects all three with a :class:`YamlLimitError` (a ``yaml.YAMLError``
carrying the 1-based line), before any Python object is built.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 50
"""Deepest nesting of mappings and sequences accepted."""
MAX_ALIASES = 100
"""Most aliases (``*name``) in one document."""
MAX_EXPANDED_NODES = 100_000
"""Most nodes the document holds once every alias is expanded."""


class YamlLimitError(yaml.YAMLError):
    """A document that parses but that symnet refuses (bomb, depth, duplicate key).

    Parameters
    ----------
    message : str
        What is wrong and what is expected.
    line : int or None
        1-based line of the offending node, or None.
    """

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return self.message


def _line(node_or_event: Any) -> int | None:
    mark = getattr(node_or_event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


class GuardedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with bounds on nesting and aliases, and no duplicate keys."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, counting aliases and nesting depth."""
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlLimitError(
                    f"more than {MAX_ALIASES} aliases (*name); expected plain values (write them out)",
                    _line(self.peek_event()),
                )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlLimitError(
                    f"nested deeper than {MAX_DEPTH} levels; expected a flatter structure", _line(self.peek_event())
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Any:
        """Compose the document and refuse it when its aliases expand too far."""
        node = super().compose_document()
        if node is not None and self._aliases:
            _check_expanded_size(node)
        return node

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """A mapping whose keys are unique (merge keys ``<<`` may still be overridden)."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int | None] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    repeated = key in seen
                except TypeError:  # an unhashable key: SafeConstructor reports it
                    continue
                if repeated:
                    first = seen[key]
                    where = f" (first given on line {first})" if first else ""
                    raise YamlLimitError(f"duplicate key '{key}'{where}; expected each key once", _line(key_node))
                seen[key] = _line(key_node)
        return super().construct_mapping(node, deep=deep)


def _check_expanded_size(root: Any) -> None:
    """Raise :class:`YamlLimitError` when the node graph, aliases expanded, exceeds
    :data:`MAX_EXPANDED_NODES`, or when an alias refers to a node that encloses it.
    Computed without expanding: the size of a shared node is memoised."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        children = _children(node)
        if done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[id(node)] > MAX_EXPANDED_NODES:
                raise YamlLimitError(
                    f"the aliases (*name) expand to more than {MAX_EXPANDED_NODES:,} values; "
                    "expected plain values (is this an alias bomb?)",
                    _line(node),
                )
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            raise YamlLimitError("an alias (*name) refers to a node that contains it; expected no cycles", _line(node))
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children)


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load(text: str) -> Any:
    """Parse one YAML document with :class:`GuardedLoader`.

    Raises
    ------
    yaml.YAMLError
        Invalid YAML, or a :class:`YamlLimitError` for a refused document.
    """
    return yaml.load(text, Loader=GuardedLoader)


def compose(text: str) -> Any:
    """The node graph of one YAML document, with the bounds of :class:`GuardedLoader`."""
    return yaml.compose(text, Loader=GuardedLoader)

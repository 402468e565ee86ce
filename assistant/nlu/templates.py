"""Intent templates: YAML files of sentences (hassil's shape) compiled into matchable patterns.

A file has `intents.<Name>.data[].sentences` (plus optional `slots` with fixed values and a
`weight`), `intents.<Name>.responses`, `lists`, `expansion_rules` and `skip_words`. Every
problem names the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import IntentFileError
from assistant.nlu.normalize import normalize

ENTITY_TYPES = ("artist", "album", "track", "playlist", "genre", "station", "podcast")


@dataclass(frozen=True)
class Word:
    text: str
    """The normalised word the matcher compares ("whats")."""
    spoken: str = ""
    """The word as a recogniser writes it ("what's"), when that differs."""

    @property
    def surface(self) -> str:
        return self.spoken or self.text


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    options: tuple[Node, ...]


@dataclass(frozen=True)
class SlotRef:
    name: str


Node = Word | Seq | Alt | SlotRef
EMPTY = Seq(())


@dataclass(frozen=True)
class ListValue:
    pattern: Node
    out: str | int


@dataclass(frozen=True)
class SlotList:
    """Where a slot's values come from."""

    name: str
    entities: str | None = None
    """Library entity type, resolved fuzzily (artist, album, track, ...)."""
    low: int = 0
    high: int = 0
    """For numbers: the allowed range, inclusive."""
    duration: bool = False
    """A length of time, as whole minutes ("half an hour" -> 30)."""
    values: tuple[ListValue, ...] = ()

    @property
    def is_number(self) -> bool:
        return self.high > self.low


@dataclass(frozen=True)
class Sentence:
    intent: str
    pattern: Node
    text: str
    where: str
    """file:line, for messages."""
    weight: float = 1.0
    fixed_slots: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class IntentSet:
    language: str
    sentences: tuple[Sentence, ...]
    lists: Mapping[str, SlotList]
    responses: Mapping[str, Mapping[str, str]]
    skip_words: tuple[tuple[str, ...], ...]
    rules: Mapping[str, Node]

    @property
    def intents(self) -> list[str]:
        return sorted({s.intent for s in self.sentences})

    def response(self, intent: str, key: str) -> str:
        return self.responses.get(intent, {}).get(key, "")


# --- loading -----------------------------------------------------------------------------


def load_intents(directory: Path) -> IntentSet:
    """Load every *.yaml file of a language folder into one IntentSet."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise IntentFileError(f"{directory}: no intent files (*.yaml)")
    return _Loader().load(files)


def intents_from_text(text: str, name: str = "<text>") -> IntentSet:
    """Load one YAML document (for tests and tools)."""
    return _Loader().load_docs([(name, text)])


class _Loader:
    def __init__(self) -> None:
        self.raw_sentences: list[tuple[str, str, str, float, dict[str, Any]]] = []
        self.raw_lists: dict[str, tuple[str, yaml.Node]] = {}
        self.raw_rules: dict[str, tuple[str, str]] = {}
        self.responses: dict[str, dict[str, str]] = {}
        self.skip_words: list[tuple[str, ...]] = []
        self.language = ""

    def load(self, files: Iterable[Path]) -> IntentSet:
        docs = []
        for path in files:
            try:
                docs.append((str(path), path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise IntentFileError(f"{path}: cannot read: {exc}") from exc
        return self.load_docs(docs)

    def load_docs(self, docs: Iterable[tuple[str, str]]) -> IntentSet:
        for name, text in docs:
            try:
                node = yaml.compose(text, Loader=yaml.SafeLoader)
            except yaml.YAMLError as exc:
                raise IntentFileError(f"{name}: not valid YAML: {exc}") from exc
            if node is not None:
                self._document(name, node)
        return self._compile()

    def _document(self, name: str, node: yaml.Node) -> None:
        top = _mapping(name, node, "top level")
        for key, (key_node, value) in top.items():
            if key == "language":
                self.language = _scalar(name, value, key)
            elif key == "intents":
                for intent, (inode, body) in _mapping(name, value, "intents").items():
                    self._intent(name, intent, inode, body)
            elif key == "lists":
                for list_name, (_, body) in _mapping(name, value, "lists").items():
                    self.raw_lists[list_name] = (name, body)
            elif key == "expansion_rules":
                for rule, (_, body) in _mapping(name, value, "expansion_rules").items():
                    self.raw_rules[rule] = (_at(name, body), _scalar(name, body, rule))
            elif key == "skip_words":
                for item in _sequence(name, value, "skip_words"):
                    words = tuple(normalize(_scalar(name, item, "skip_words")).split())
                    if words:
                        self.skip_words.append(words)
            else:
                raise IntentFileError(f"{_at(name, key_node)}: unknown key {key!r}")

    def _intent(self, name: str, intent: str, inode: yaml.Node, body: yaml.Node) -> None:
        if not re.fullmatch(r"[A-Z][A-Za-z]+", intent):
            raise IntentFileError(f"{_at(name, inode)}: intent names are CamelCase: {intent!r}")
        parts = _mapping(name, body, intent)
        for key, (key_node, _) in parts.items():
            if key not in ("data", "responses"):
                raise IntentFileError(f"{_at(name, key_node)}: unknown key {key!r} in {intent}")
        if "data" not in parts:
            raise IntentFileError(f"{_at(name, inode)}: intent {intent} has no data")
        for block in _sequence(name, parts["data"][1], f"{intent}.data"):
            fields = _mapping(name, block, f"{intent}.data")
            if "sentences" not in fields:
                raise IntentFileError(f"{_at(name, block)}: {intent}.data item has no sentences")
            weight = 1.0
            fixed: dict[str, Any] = {}
            for key, (key_node, value) in fields.items():
                if key == "weight":
                    weight = float(_scalar(name, value, "weight"))
                elif key == "slots":
                    fixed = {
                        k: yaml.safe_load(yaml.serialize(v))
                        for k, (_, v) in _mapping(name, value, "slots").items()
                    }
                elif key != "sentences":
                    raise IntentFileError(f"{_at(name, key_node)}: unknown key {key!r}")
            for item in _sequence(name, fields["sentences"][1], f"{intent}.sentences"):
                text = _scalar(name, item, "sentence")
                self.raw_sentences.append((intent, text, _at(name, item), weight, fixed))
        if "responses" in parts:
            for key, (_, value) in _mapping(name, parts["responses"][1], "responses").items():
                self.responses.setdefault(intent, {})[key] = _scalar(name, value, key)

    def _compile(self) -> IntentSet:
        rules: dict[str, Node] = {}
        for rule in self.raw_rules:
            self._rule(rule, rules, ())
        lists = {
            name: self._list(name, src, body, rules) for name, (src, body) in self.raw_lists.items()
        }
        sentences = []
        for intent, text, where, weight, fixed in self.raw_sentences:
            pattern = parse_template(text, where, rules)
            for slot in _slots(pattern):
                if slot not in lists:
                    raise IntentFileError(f"{where}: unknown slot {{{slot}}} in {text!r}")
            for slot in fixed:
                if slot not in lists:
                    raise IntentFileError(f"{where}: unknown fixed slot {slot!r}")
            sentences.append(Sentence(intent, pattern, text, where, weight, fixed))
        return IntentSet(
            language=self.language,
            sentences=tuple(sentences),
            lists=lists,
            responses=self.responses,
            skip_words=tuple(sorted(set(self.skip_words), key=len, reverse=True)),
            rules=rules,
        )

    def _rule(self, rule: str, done: dict[str, Node], stack: tuple[str, ...]) -> Node:
        if rule in done:
            return done[rule]
        if rule not in self.raw_rules:
            raise IntentFileError(f"unknown expansion rule <{rule}> (used by {' > '.join(stack)})")
        where, text = self.raw_rules[rule]
        if rule in stack:
            raise IntentFileError(f"{where}: expansion rule <{rule}> refers to itself")
        node = parse_template(text, where, _RuleLookup(self, done, (*stack, rule)))
        done[rule] = node
        return node

    def _list(self, name: str, src: str, body: yaml.Node, rules: Mapping[str, Node]) -> SlotList:
        spec = _mapping(src, body, f"lists.{name}")
        where = _at(src, body)
        if "entities" in spec:
            kind = _scalar(src, spec["entities"][1], "entities")
            if kind not in ENTITY_TYPES:
                raise IntentFileError(f"{where}: entities must be one of {', '.join(ENTITY_TYPES)}")
            return SlotList(name, entities=kind)
        if "range" in spec:
            bounds = _mapping(src, spec["range"][1], "range")
            try:
                low = int(_scalar(src, bounds["from"][1], "from"))
                high = int(_scalar(src, bounds["to"][1], "to"))
            except (KeyError, ValueError) as exc:
                raise IntentFileError(f"{where}: range needs whole numbers from and to") from exc
            return SlotList(name, low=low, high=high)
        if "duration" in spec:
            return SlotList(name, duration=True)
        if "values" in spec:
            values = []
            for item in _sequence(src, spec["values"][1], "values"):
                fields = _mapping(src, item, "value")
                if "in" not in fields or "out" not in fields:
                    raise IntentFileError(f"{_at(src, item)}: a list value needs in and out")
                pattern = parse_template(_scalar(src, fields["in"][1], "in"), _at(src, item), rules)
                out = yaml.safe_load(yaml.serialize(fields["out"][1]))
                values.append(ListValue(pattern, out))
            return SlotList(name, values=tuple(values))
        raise IntentFileError(f"{where}: list {name} needs entities, range, duration or values")


class _RuleLookup(Mapping[str, Node]):
    """Resolves <rule> references lazily so rules may use rules defined later."""

    def __init__(self, loader: _Loader, done: dict[str, Node], stack: tuple[str, ...]) -> None:
        self._loader, self._done, self._stack = loader, done, stack

    def __getitem__(self, key: str) -> Node:
        return self._loader._rule(key, self._done, self._stack)

    def __iter__(self) -> Any:
        return iter(self._loader.raw_rules)

    def __len__(self) -> int:
        return len(self._loader.raw_rules)


def _at(name: str, node: yaml.Node) -> str:
    return f"{name}:{node.start_mark.line + 1}"


def _mapping(name: str, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise IntentFileError(f"{_at(name, node)}: {what} must be a mapping")
    return {str(k.value): (k, v) for k, v in node.value}


def _sequence(name: str, node: yaml.Node, what: str) -> list[yaml.Node]:
    if not isinstance(node, yaml.SequenceNode):
        raise IntentFileError(f"{_at(name, node)}: {what} must be a list")
    return list(node.value)


def _scalar(name: str, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise IntentFileError(f"{_at(name, node)}: {what} must be a single value")
    return str(node.value)


# --- template syntax ------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(\[|\]|\(|\)|\||\{[^{}\s]*\}|<[^<>\s]*>|[^\[\]()|{}<>\s]+)")


def parse_template(text: str, where: str, rules: Mapping[str, Node]) -> Node:
    """Parse "play [some] (music|songs) by {artist}" into a pattern tree."""
    tokens = [m.group(1) for m in _TOKEN.finditer(text)]
    if "".join(tokens) != re.sub(r"\s+", "", text):
        raise IntentFileError(f"{where}: cannot parse template {text!r}")
    pos = 0

    def alternatives(closing: str | None) -> Node:
        nonlocal pos
        options: list[Node] = [sequence()]
        while pos < len(tokens) and tokens[pos] == "|":
            pos += 1
            options.append(sequence())
        if closing is not None:
            if pos >= len(tokens) or tokens[pos] != closing:
                raise IntentFileError(f"{where}: missing {closing!r} in template {text!r}")
            pos += 1
        if closing == "]":
            options.append(EMPTY)
        return options[0] if len(options) == 1 else Alt(tuple(options))

    def sequence() -> Node:
        nonlocal pos
        items: list[Node] = []
        while pos < len(tokens) and tokens[pos] not in ("|", ")", "]"):
            token = tokens[pos]
            pos += 1
            if token == "(":
                items.append(alternatives(")"))
            elif token == "[":
                items.append(alternatives("]"))
            elif token.startswith("{"):
                slot = token[1:-1]
                if not slot:
                    raise IntentFileError(f"{where}: empty slot {{}} in template {text!r}")
                items.append(SlotRef(slot))
            elif token.startswith("<"):
                try:
                    items.append(rules[token[1:-1]])
                except IntentFileError as exc:
                    raise IntentFileError(f"{where}: {exc}") from exc
            else:
                words = normalize(token).split()
                surface = token.lower()
                if len(words) == 1 and surface != words[0] and surface.isascii():
                    items.append(Word(words[0], surface))
                else:
                    items.extend(Word(w) for w in words)
        return items[0] if len(items) == 1 else Seq(tuple(items))

    node = alternatives(None)
    if pos != len(tokens):
        raise IntentFileError(f"{where}: unbalanced {tokens[pos]!r} in template {text!r}")
    return node


def _slots(node: Node) -> set[str]:
    if isinstance(node, SlotRef):
        return {node.name}
    if isinstance(node, Seq):
        return set().union(*(_slots(n) for n in node.items)) if node.items else set()
    if isinstance(node, Alt):
        return set().union(*(_slots(n) for n in node.options))
    return set()

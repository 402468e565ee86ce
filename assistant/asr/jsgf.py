"""Render a command Grammar as JSGF text for pocketsphinx."""

from __future__ import annotations

import re
import zlib

from assistant.asr.base import Grammar

_RULE_NAME = re.compile(r"[^A-Za-z0-9_]")


def rule_name(name: str) -> str:
    """A JSGF-safe rule name; distinct Grammar names stay distinct."""
    safe = _RULE_NAME.sub("_", name)
    return safe if safe == name else f"{safe}_{zlib.crc32(name.encode()) % 100000}"


_SPECIAL = re.compile(r'[\s;=|*+<>()\[\]{}/"\\#!]')


def jsgf_word(word: str) -> str:
    """A word as a bare JSGF token (pocketsphinx keeps quotes as part of the word, so none).

    Characters JSGF gives meaning to become "_"; the engine adds that spelling to its
    dictionary and maps it back to the original word.
    """
    return _SPECIAL.sub("_", word) or "_"


def to_jsgf(grammar: Grammar, *, name: str = "commands", extra_public: str = "") -> str:
    """JSGF for `grammar`; its start rule is public as <start>.

    `extra_public` is appended to the top-level alternatives (e.g. a garbage loop).
    """
    lines = ["#JSGF V1.0;", f"grammar {name};"]
    names = {rule: rule_name(rule) for rule in grammar.rules}
    for rule, alternatives in grammar.rules.items():
        rendered: list[str] = []
        optional = False
        for alt in alternatives:
            tokens = [f"<{names[t[1:-1]]}>" if Grammar.is_ref(t) else jsgf_word(t) for t in alt]
            if tokens:
                rendered.append(" ".join(tokens))
            else:
                optional = True
        body = " | ".join(f"( {r} )" for r in rendered) if rendered else "<NULL>"
        if optional and rendered:
            body = f"[ {body} ]"
        public = "public " if rule == grammar.start else ""
        if rule == grammar.start and extra_public:
            body = f"( {body} ) | {extra_public}"
        lines.append(f"{public}<{names[rule]}> = {body};")
    return "\n".join(lines) + "\n"

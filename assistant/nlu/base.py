"""What understanding produces: an intent with slots that name real things, or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SlotValue = str | int


@dataclass(frozen=True)
class IntentResult:
    """A command understood: the intent of the contract, its slots, and how sure we are.

    Slot values are the library's own spelling for names, integers for numbers.
    """

    intent: str
    slots: Mapping[str, SlotValue]
    confidence: float
    """0..1: how well the words matched a template and how well names matched the library."""
    text: str = ""
    """The words this result was understood from."""
    unresolved: Mapping[str, str] = field(default_factory=dict)
    """Slot words that matched nothing in the library (e.g. an artist the owner doesn't have)."""
    choices: tuple[Mapping[str, SlotValue], ...] = field(default=())
    """Where a name fits several library items about equally well, the slot sets to ask between."""

"""Choosing the recogniser from the config: vosk when its model is there, else pocketsphinx."""

from __future__ import annotations

import logging

from assistant.asr.base import Grammar, Recognizer
from assistant.config import AsrConfig
from assistant.errors import ModelError

logger = logging.getLogger(__name__)


def make_recognizer(config: AsrConfig, grammar: Grammar | None) -> Recognizer:
    """The configured recogniser, constrained by `grammar`.

    engine "auto" uses vosk if `vosk_model` exists and loads, and otherwise the pocketsphinx
    model embedded in its wheel (logging why). "vosk" never falls back: a missing model is a
    ModelError that says how to install one.
    """
    if config.engine in ("auto", "vosk"):
        from assistant.asr.vosk_engine import VoskRecognizer

        try:
            recognizer: Recognizer = VoskRecognizer(
                model_path=config.vosk_model, grammar=grammar, alternatives=config.alternatives
            )
        except ModelError as exc:
            if config.engine == "vosk":
                raise
            logger.info("asr: vosk not used (%s); using pocketsphinx", exc)
        else:
            logger.info("asr: using %s", recognizer.name)
            return recognizer
    from assistant.asr.pocketsphinx_engine import PocketsphinxRecognizer

    recognizer = PocketsphinxRecognizer(
        grammar=grammar, alternatives=config.alternatives, verify=config.verify
    )
    logger.info("asr: using %s", recognizer.name)
    return recognizer

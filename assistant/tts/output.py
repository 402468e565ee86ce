"""The assistant's voice as the daemon uses it: sentences through the Speaker, and earcons."""

from __future__ import annotations

import logging

from assistant.logsafe import shown
from assistant.tts.base import SpeechEventSink, SpeechFinished, SpeechStarted
from assistant.tts.earcons import Earcons
from assistant.tts.speaker import Speaker

logger = logging.getLogger(__name__)


class VoiceOutput:
    """Speech and earcons over one clip player; either may be switched off in config."""

    def __init__(
        self,
        *,
        speaker: Speaker | None,
        earcons: Earcons | None,
        on_event: SpeechEventSink | None = None,
    ) -> None:
        self._speaker = speaker
        self._earcons = earcons
        self._on_event = on_event

    def say(self, text: str) -> None:
        if self._speaker is not None:
            self._speaker.say(text)
            return
        logger.info("(speech off) %s", shown(text))
        # Whoever waits for the answer to be spoken learns it is done.
        if self._on_event is not None:
            self._on_event(SpeechStarted(text))
            self._on_event(SpeechFinished(text, interrupted=False))

    def interrupt(self) -> None:
        if self._speaker is not None:
            self._speaker.interrupt()

    def earcon(self, name: str) -> None:
        if self._earcons is None:
            return
        # Earcons share the clip player with speech: a tone replaces whatever is speaking.
        self.interrupt()
        try:
            self._earcons.play(name)
        except Exception:
            logger.exception("earcon %s failed", name)

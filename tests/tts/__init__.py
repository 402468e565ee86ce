"""Tests of assistant.tts."""

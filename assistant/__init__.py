"""An offline, voice-controlled smart speaker for Raspberry Pi-class devices."""

__version__ = "0.1.0"

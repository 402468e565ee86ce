"""One exception base for the assistant, with one subclass per area."""


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose; its message is for the user."""


class ConfigError(AssistantError):
    """The config file is missing, not YAML, or has invalid keys or values."""


class IntentFileError(AssistantError):
    """An intent template file is malformed."""


class LibraryError(AssistantError):
    """The music catalogue cannot be read or written."""


class EngineError(AssistantError):
    """A native engine (mpv, vosk, pocketsphinx, espeak-ng, PortAudio) is missing or failed."""


class PlayerError(AssistantError):
    """The player could not carry out a request."""


class AudioError(AssistantError):
    """An audio source (microphone or file) could not be opened or read."""


class ModelError(AssistantError):
    """A speech model is missing, invalid, or could not be installed."""


class ControlError(AssistantError):
    """The control socket could not be reached or answered with an error."""


class LearnError(AssistantError):
    """A history import or a recommendation request cannot be carried out as asked."""


class UnsafeFolderError(AssistantError):
    """A folder the assistant would write into could be written, or was made, by someone else."""

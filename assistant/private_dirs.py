"""Folders the assistant writes into that nobody else can: the state dir and the speech folder.

A folder another user made, or can write into, lets them plant a symlink where we are about to
write (a daemon run as root then overwrites a file of their choosing) or read what we wrote.
So: a folder is used only if we made it, or it is ours and 0700. A shared folder (sticky or
writable by others, like /tmp) is never made private by chmod, which would lock out everyone
else: we make a folder of our own inside it.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path

from assistant.errors import UnsafeFolderError

logger = logging.getLogger(__name__)


def ensure_private(path: Path) -> Path:
    """Make `path` (mode 0700), or check that it is already a folder of ours that only we can
    use; UnsafeFolderError otherwise. Parents are made as needed, with the usual mode."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(path, 0o700)
        return path
    except FileExistsError:
        pass
    except OSError as exc:
        raise UnsafeFolderError(f"cannot create {path}: {exc.strerror or exc}") from exc
    problem = _not_private(path)
    if problem:
        raise UnsafeFolderError(f"{path} {problem}: refusing to use it")
    return path


def _not_private(path: Path) -> str | None:
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"cannot be checked ({exc.strerror or exc})"
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return "is not a folder"
    if st.st_uid != os.geteuid():
        return f"belongs to another user (uid {st.st_uid})"
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        return f"is open to other users (mode {mode:o}, not 700)"
    return None


def _shared(st: os.stat_result) -> bool:
    return bool(st.st_mode & (stat.S_ISVTX | stat.S_IWOTH))


def state_dir(configured: Path) -> Path:
    """The folder to keep state in for the configured `state_dir`.

    A folder that does not exist yet is made 0700. A shared one (sticky or world-writable, such
    as /tmp) gets a folder of our own inside it, `assistant-<uid>`, made 0700 by us, or refused
    when it exists and is not ours alone. Any other existing folder is used as it is, its mode
    left alone: the files we keep there are 0600 themselves.
    """
    try:
        st = os.stat(configured)
    except FileNotFoundError:
        return ensure_private(configured)
    except OSError as exc:
        raise UnsafeFolderError(f"state_dir {configured}: {exc.strerror or exc}") from exc
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeFolderError(f"state_dir {configured} is not a folder")
    if _shared(st):
        own = ensure_private(configured / f"assistant-{os.geteuid()}")
        logger.debug("state_dir %s is shared: keeping state in %s", configured, own)
        return own
    return configured


def runtime_dir() -> Path:
    """A private folder for speech WAVs and earcons while the daemon runs.

    `$XDG_RUNTIME_DIR/assistant` where the session has one, else `assistant-<uid>` in the
    temporary folder; if that is unsafe (another user made it, or it is open to others), a new
    folder with an unguessable name instead, so a squatter cannot silence the speaker.
    """
    base = os.environ.get("XDG_RUNTIME_DIR")
    path = (
        Path(base) / "assistant"
        if base
        else Path(tempfile.gettempdir()) / f"assistant-{os.geteuid()}"
    )
    try:
        return ensure_private(path)
    except UnsafeFolderError as exc:
        fresh = Path(tempfile.mkdtemp(prefix="assistant-"))
        logger.warning("speech folder %s; using %s instead", exc, fresh)
        return fresh

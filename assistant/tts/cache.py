"""A small on-disk cache of synthesised sentences, for answers that repeat ("Nothing is playing.").

Keyed by the text and the synthesizer's settings_key (voice, rate, volume), bounded by a number
of files, least recently used dropped first.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from assistant.errors import EngineError
from assistant.tts.base import Synthesizer

logger = logging.getLogger(__name__)


class CachedSynthesizer:
    """A Synthesizer that answers repeated sentences from `cache_dir`.

    Not thread-safe: one user (the Speaker's worker thread). Hands out copies, never the cached
    files themselves, so a caller that deletes or overwrites its WAV cannot spoil the cache.
    """

    def __init__(self, *, synthesizer: Synthesizer, cache_dir: Path, max_entries: int = 64) -> None:
        if max_entries < 1:
            raise EngineError(f"speech cache size must be at least 1, got {max_entries}")
        self._inner = synthesizer
        self._dir = cache_dir
        self._max = max_entries
        self.hits = 0
        self.misses = 0
        try:
            cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as e:
            raise EngineError(f"cannot create the speech cache {cache_dir}: {e}") from e
        for stale in cache_dir.glob("*.tmp"):  # left by a crash while storing
            stale.unlink(missing_ok=True)

    @property
    def settings_key(self) -> str:
        return self._inner.settings_key

    def entry(self, text: str) -> Path:
        """Where `text` is (or would be) cached."""
        key = hashlib.sha256(f"{self._inner.settings_key}\0{text}".encode()).hexdigest()
        return self._dir / f"{key[:32]}.wav"

    def synthesize(self, text: str, path: Path) -> Path:
        cached = self.entry(text)
        if cached.is_file():
            try:
                _copy_to_new(cached, path)
                os.utime(cached)  # most recently used: evicted last
                self.hits += 1
                return path
            except OSError as e:
                logger.warning("speech cache entry %s unusable, synthesising again: %s", cached, e)
        self.misses += 1
        self._inner.synthesize(text, path)
        self._store(path, cached)
        return path

    def _store(self, wav: Path, cached: Path) -> None:
        # Written under a temporary name and renamed, so a power cut never leaves half a WAV
        # under a key.
        try:
            fd, tmp = tempfile.mkstemp(dir=self._dir, suffix=".tmp")
            os.close(fd)
            shutil.copyfile(wav, tmp)
            os.replace(tmp, cached)
        except OSError as e:
            logger.warning("cannot cache speech in %s: %s", self._dir, e)
            return
        self._evict()

    def _evict(self) -> None:
        entries = []
        for p in self._dir.glob("*.wav"):
            with contextlib.suppress(OSError):
                entries.append((p.stat().st_mtime_ns, p))
        entries.sort()
        for _, p in entries[: max(0, len(entries) - self._max)]:
            p.unlink(missing_ok=True)


def _copy_to_new(src: Path, dst: Path) -> None:
    """Copy `src` to `dst`, never through a symlink at `dst`: one planted there would have us
    overwrite whatever it points at (the speech folder is private, this is belt and braces)."""
    dst.unlink(missing_ok=True)
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with open(fd, "wb") as out, open(src, "rb") as inp:
        shutil.copyfileobj(inp, out)

"""Text from outside (file names, tags, playlist lines, what was said) made safe to log.

A log line must stay one line that says what happened: a title with a newline or a terminal
escape would forge or hide lines, and a 1 MB playlist entry would bury the log.
"""

from __future__ import annotations

import logging
import os
import re

LIMIT = 160
"""Characters of one value shown before it is cut."""

MESSAGE_LIMIT = 4000
"""Characters of one whole log message: the backstop for a value logged without `shown`."""

# C0 and C1 controls, DEL, lone surrogates (undecodable file-name bytes) and the Unicode
# line and paragraph separators, which some viewers break lines on.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode: show the byte
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{code:02x}")
    return f"\\u{code:04x}"


def escape(text: str) -> str:
    """`text` with control characters and undecodable bytes written as escapes, never cut."""
    return _UNSAFE.sub(_escape, text)


def shown(value: object, limit: int = LIMIT) -> str:
    """One outside value for a log line or a message: escaped, and cut to `limit` characters.

    Bytes (a raw file name) are decoded as the file system would, so their bad bytes show as
    `\\xNN`.
    """
    text = os.fsdecode(value) if isinstance(value, bytes) else str(value)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit} more characters)"
    return escape(text)


def summary(items: list[str], *, examples: int = 3) -> str:
    """A few of `items`, shown, and how many more: for a warning about many bad entries."""
    shown_items = "; ".join(shown(i) for i in items[:examples])
    more = len(items) - examples
    return shown_items + (f"; and {more} more" if more > 0 else "")


class SafeMessages(logging.Filter):
    """A handler filter that escapes and caps every message, whoever logged it.

    The backstop behind `shown`: code that formats an outside value into a message without it
    still cannot forge a line. Tracebacks (exc_info) are left as they are.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = shown(message, MESSAGE_LIMIT)
        if safe != message:
            record.msg, record.args = safe, None
        return True

"""Text from data, made safe to print: no control character reaches a terminal."""

from __future__ import annotations

import math
import re
import reprlib
from typing import Any

# C0 (but newline), DEL, C1, and the characters that reorder or break a line as shown: the
# bidirectional marks and overrides, and the line and paragraph separators.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                     r"\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return {"\t": "\\t", "\r": "\\r", "\x1b": "\\e"}.get(char, f"\\u{ord(char):04x}"
                                                        if ord(char) > 0xff else
                                                        f"\\x{ord(char):02x}")


def printable(text: str, keep_newlines: bool = True) -> str:
    """``text`` with every control character (C0, DEL, C1, and the bidirectional overrides
    that reorder what a terminal shows) written as an escape: ``\\e[2J`` instead of a cleared
    screen. Newlines stay when ``keep_newlines`` (a message's own line breaks), else show as
    ``\\n``."""
    out = _UNSAFE.sub(_escaped, text.replace("\t", "\\t"))
    if not keep_newlines:
        out = out.replace("\n", "\\n")
    return out



def json_printable(text: str) -> str:
    """JSON text (``ensure_ascii=False``) with the characters :func:`printable` escapes written
    as JSON escapes: still valid JSON, decoding to the same data."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


MAX_SHOWN_CHARS = 200
"""A value quoted in a message is cut to about this length."""

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = MAX_SHOWN_CHARS
_REPR.maxlong = 100
_REPR.maxlevel = 3
_REPR.maxlist = _REPR.maxdict = _REPR.maxset = _REPR.maxtuple = 10


def shown(value: Any) -> str:
    """``repr(value)``, cut short; never fails (an integer too long to print, deep nesting)."""
    try:
        return _REPR.repr(value)
    except (ValueError, RecursionError):
        if isinstance(value, int):
            return f"<a whole number of about {int(value.bit_length() * math.log10(2)):,} digits>"
        return f"<{type(value).__name__}>"


def as_text(value: Any) -> str:
    """``str(value)``, never failing (see :func:`shown`)."""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except (ValueError, RecursionError):
        return shown(value)

"""Texts made writable: the loader keeps any JSON string, but UTF-8 has no lone surrogates
and XML 1.0 has no control characters; each such character becomes U+FFFD."""

from __future__ import annotations

import re

__all__ = ["utf8_text", "xml_text"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def utf8_text(text: str) -> str:
    """``text`` with every lone surrogate (which UTF-8 cannot encode) replaced."""
    return _SURROGATE.sub("\ufffd", text)


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 forbids (controls, surrogates) replaced."""
    return _NOT_XML.sub("\ufffd", text)

"""A tour step's narration spoken for the studio server (its ``narrate`` route).

The server is given :func:`narrate_for_server` as a plain callable (``streaming`` never
imports ``tools``); it speaks one text with :func:`museion.tools.narration.speak`, so a
draft recording from the studio sounds like one from ``museion scene narrate``.
"""

from __future__ import annotations

from museion.scenes.errors import SceneError
from museion.tools.narration import DEFAULT_VOICES, NarrationOptions, speak

__all__ = ["narrate_for_server", "voice_for"]


def voice_for(language: str, voices: dict[str, str] | None = None) -> str:
    """The espeak-ng voice for ``language`` (its primary subtag's when it has none)."""
    table = DEFAULT_VOICES if voices is None else voices
    voice = table.get(language) or table.get(language.split("-")[0])
    if voice is None:
        raise SceneError(
            f"there is no narration voice for {language!r}; name one (e.g. voice 'en-gb')",
            code="NARRATION_VOICE_UNKNOWN",
        )
    return voice


def narrate_for_server(text: str, language: str, voice: str | None) -> bytes:
    """``text`` spoken in ``language`` (by ``voice``, or the language's default) as Ogg
    Opus bytes: the shape ``museion.streaming.studio.media.Narrator`` names."""
    chosen = voice or voice_for(language)
    try:
        options = NarrationOptions(voices={language: chosen})
    except ValueError as exc:
        raise SceneError(str(exc), code="NARRATION_VOICE_UNKNOWN") from exc
    return speak(text, chosen, options)

"""Draft narration recordings for guided tours, spoken by a speech synthesiser.

Curators write narration text per language; until a voice is recorded, ``museion scene
narrate FILE`` speaks every step's text with espeak-ng (Debian package ``espeak-ng``),
encodes it as Ogg Opus (small, played by every browser) and names the files in each step's
``audio`` map.  A step that already has recordings keeps them unless ``--force``.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import wave
from dataclasses import dataclass, field, replace
from pathlib import Path

import av
import numpy as np

from museion.scenes.document.file import atomic_write
from museion.scenes.document.model import SceneDocument, Tour, TourStep
from museion.scenes.errors import SceneError

__all__ = ["DEFAULT_VOICES", "NarrationOptions", "narrate", "speak"]

logger = logging.getLogger(__name__)

DEFAULT_VOICES = {"zh": "cmn", "en": "en-gb", "fr": "fr", "de": "de", "ja": "ja", "es": "es"}

# An espeak-ng voice (``cmn``, ``en-gb``, ``en-us+f3``, ``mb-en1``): it goes on the
# synthesiser's command line, so nothing that could read as an option.
_VOICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+/-]{0,63}")


@dataclass(frozen=True)
class NarrationOptions:
    """Which tours, which voices (language -> espeak-ng voice), where the files go."""

    tours: tuple[str, ...] = ()  # empty: every tour
    voices: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VOICES))
    folder: str = "narration"
    words_per_minute: int = 150
    bitrate: int = 24_000
    force: bool = False

    def __post_init__(self) -> None:
        for tag, voice in self.voices.items():
            if not tag or not _VOICE.fullmatch(voice):
                raise ValueError(f"voices: {tag!r}={voice!r} is not LANG=VOICE (e.g. zh=cmn)")
        parts = self.folder.split("/")
        if "\\" in self.folder or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"folder: {self.folder!r} is not a relative path inside the assets")
        if not 80 <= self.words_per_minute <= 450:
            raise ValueError("words_per_minute must lie in [80, 450] (espeak-ng's range)")
        if not 6_000 <= self.bitrate <= 510_000:
            raise ValueError("bitrate must lie in [6000, 510000] bits a second (Opus's range)")


def _synthesiser() -> str:
    found = shutil.which("espeak-ng")
    if found is None:
        raise SceneError(
            "narration needs espeak-ng (apt-get install espeak-ng)", code="NARRATOR_MISSING"
        )
    return found


def speak(text: str, voice: str, options: NarrationOptions) -> bytes:
    """``text`` spoken by ``voice``, as Ogg Opus bytes."""
    result = subprocess.run(
        [_synthesiser(), "-v", voice, "-s", str(options.words_per_minute), "--stdout", text],
        capture_output=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0 or not result.stdout:
        raise SceneError(
            f"espeak-ng could not speak with voice {voice!r}: {result.stderr.decode()[:200]}",
            code="NARRATION_FAILED",
        )
    with wave.open(io.BytesIO(result.stdout)) as source:
        rate = source.getframerate()
        samples = np.frombuffer(source.readframes(source.getnframes()), np.int16)
    return _opus(samples, rate, options.bitrate)


def _opus(samples: np.ndarray, rate: int, bitrate: int) -> bytes:
    """Mono 16-bit samples as an Ogg Opus file (48 kHz, as Opus requires)."""
    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=48_000)
        stream.bit_rate = bitrate
        stream.layout = "mono"
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for chunk in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(chunk):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def _narrate_step(
    tour: Tour, index: int, step: TourStep, asset_root: Path, options: NarrationOptions
) -> TourStep:
    if step.audio and not options.force:
        return step
    audio: dict[str, str] = {}
    for tag, text in sorted(step.narration.items()):
        voice = options.voices.get(tag) or options.voices.get(tag.split("-")[0])
        if voice is None or not text.strip():
            logger.warning(
                "no voice for %r: step %d of %r stays silent in it", tag, index + 1, tour.id
            )
            continue
        name = f"{options.folder}/{tour.id}-{index + 1}.{tag}.ogg"
        atomic_write(asset_root / name, speak(text, voice, options))
        logger.info("spoke %s", name)
        audio[tag] = name
    return replace(step, audio=audio or None)


def narrate(
    document: SceneDocument, asset_root: Path, options: NarrationOptions | None = None
) -> SceneDocument:
    """``document`` with recordings for its tours' steps (files written under ``asset_root``)."""
    options = options or NarrationOptions()
    known = {t.id for t in document.tours}
    unknown = [t for t in options.tours if t not in known]
    if unknown:
        raise SceneError(f"no tour {unknown[0]!r} in this document", code="TOUR_UNKNOWN")
    tours = []
    for tour in document.tours:
        if options.tours and tour.id not in options.tours:
            tours.append(tour)
            continue
        steps = tuple(
            _narrate_step(tour, i, step, asset_root, options) for i, step in enumerate(tour.steps)
        )
        tours.append(replace(tour, steps=steps))
    return replace(document, tours=tuple(tours))

"""Draft narration: every step's text spoken per language, as small Ogg Opus files."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import pytest

from museion.scenes.checked_scene import open_scene
from museion.scenes.document.file import read_scene
from museion.tools.cli import main
from museion.tools.narration import NarrationOptions
from tests.conftest import copy_gallery

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (make deps installs it)"
)


@pytest.fixture
def gallery(tmp_path: Path) -> Path:
    return copy_gallery(tmp_path)


def _duration(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        return sum(frame.samples for frame in container.decode(stream)) / 48_000


@needs_espeak
def test_narrate_speaks_each_step_in_each_language(gallery: Path) -> None:
    assert main(["scene", "narrate", str(gallery), "--tour", "highlights"]) == 0
    document = read_scene(gallery, asset_root=gallery.parent)
    (tour,) = [t for t in document.tours if t.id == "highlights"]
    for index, step in enumerate(tour.steps):
        assert isinstance(step.audio, dict)
        assert sorted(step.audio) == sorted(step.narration)
        for tag, name in step.audio.items():
            assert name == f"narration/highlights-{index + 1}.{tag}.ogg"
            path = gallery.parent / name
            assert path.stat().st_size < 64 * 1024
            assert 0.8 < _duration(path) < 30  # a spoken sentence
    # The recordings are the exhibition's media, served to visitors and nothing else.
    scene = open_scene(gallery)
    assert len(scene.media) == 2 * len(tour.steps)
    # Running again keeps what is recorded; --force speaks again.
    before = {p: p.stat().st_mtime_ns for p in (gallery.parent / "narration").iterdir()}
    assert main(["scene", "narrate", str(gallery)]) == 0
    after = {p: p.stat().st_mtime_ns for p in (gallery.parent / "narration").iterdir()}
    assert all(after[p] == before[p] for p in before)


@needs_espeak
def test_narrate_refuses_unknown_tours_and_bad_voices(gallery: Path) -> None:
    original = gallery.read_bytes()
    assert main(["scene", "narrate", str(gallery), "--tour", "nowhere"]) == 1
    with pytest.raises(SystemExit) as exited:
        main(["scene", "narrate", str(gallery), "--voice", "zh"])
    assert exited.value.code == 2
    assert gallery.read_bytes() == original  # nothing saved


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"voices": {"zh": "-x"}}, "voices"),  # would read as an option of espeak-ng
        ({"voices": {"zh": "cmn extra"}}, "voices"),
        ({"voices": {"": "cmn"}}, "voices"),
        ({"folder": ""}, "folder"),
        ({"folder": "../outside"}, "folder"),
        ({"folder": "/srv/narration"}, "folder"),
        ({"folder": "a\\b"}, "folder"),
        ({"words_per_minute": 10}, "words_per_minute"),
        ({"words_per_minute": 1000}, "words_per_minute"),
        ({"bitrate": 1000}, "bitrate"),
        ({"bitrate": 1_000_000}, "bitrate"),
    ],
)
def test_options_refuse_values_the_synthesiser_or_the_assets_cannot_take(
    change: dict[str, object], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        NarrationOptions(**change)  # type: ignore[arg-type]


def test_options_take_every_default_voice_and_a_nested_folder() -> None:
    options = NarrationOptions(folder="audio/zh", voices={"en": "en-us+f3", "zh": "cmn"})
    assert options.folder == "audio/zh"
    assert NarrationOptions().voices["zh"] == "cmn"


def test_narrate_with_a_voice_it_cannot_take_is_a_config_error(
    gallery: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = gallery.read_bytes()
    assert main(["scene", "narrate", str(gallery), "--voice", "zh=-x"]) == 1
    assert capsys.readouterr().err.startswith("museion: CONFIG_INVALID: voices: 'zh'='-x' ")
    assert gallery.read_bytes() == original  # nothing saved

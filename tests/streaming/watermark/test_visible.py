"""The visible mark (:mod:`~museion.streaming.watermark.visible`) and its place in the mark
stage: drawn inside the rectangles only, never outside, within its opacity, before the
invisible mark, which still names the session."""

from __future__ import annotations

import hypothesis
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import SceneDocument
from museion.streaming.settings import StreamSettings
from museion.streaming.watermark import (
    Cover,
    VisibleMark,
    detect,
    marker_for,
    session_code,
    visible_for,
)
from museion.streaming.watermark.visible import WIDE_FONT
from tests.scenes.document.scene_examples import _edit
from tests.streaming.watermark.pictures import clip, scene

KEY = b"a visible watermark key"
TEXT_KEY = KEY.decode()


def _changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    changed: np.ndarray = (before != after).any(axis=2)
    return changed


@pytest.mark.parametrize("rects", [[(100, 50, 500, 300)], [(0, 0, 200, 120), (150, 90, 420, 360)]])
def test_only_pixels_inside_the_rectangles_change(rects: list[tuple[int, int, int, int]]) -> None:
    frame = scene(3, 640, 360)
    marked = VisibleMark("© The Palace Museum", session_code(KEY, "s"), 0.3).apply(frame, rects)
    inside = np.zeros(frame.shape[:2], dtype=bool)
    for left, top, right, bottom in rects:
        inside[top:bottom, left:right] = True
    changed = _changed(frame, marked)
    assert not changed[~inside].any()
    assert changed[inside].mean() > 0.03  # the text shows across the exhibit
    assert marked.dtype == np.uint8 and marked.shape == frame.shape


def test_the_frame_given_is_left_as_it_was() -> None:
    frame = scene(4, 320, 180)
    kept = frame.copy()
    VisibleMark("Museum", "abc123", 1.0).apply(frame, [(0, 0, 320, 180)])
    assert np.array_equal(frame, kept)


def test_no_rectangle_is_the_same_picture() -> None:
    frame = scene(5, 320, 180)
    mark = VisibleMark("Museum", "abc123", 0.5)
    for rects in ([], [(400, 10, 500, 90)], [(50, 50, 50, 90)]):  # none, outside, empty
        assert np.array_equal(mark.apply(frame, rects), frame)


def test_a_rectangle_past_the_edges_is_clipped() -> None:
    frame = scene(6, 320, 180)
    marked = VisibleMark("Museum", "abc123", 0.5).apply(frame, [(-50, -50, 100, 1000)])
    changed = _changed(frame, marked)
    assert changed[:, :100].any() and not changed[:, 100:].any()


def test_opacity_bounds_how_far_a_pixel_moves() -> None:
    frame = np.full((180, 320, 3), 128, dtype=np.uint8)
    moves = []
    for opacity in (0.05, 0.25, 1.0):
        marked = VisibleMark("Museum", "abc123", opacity).apply(frame, [(0, 0, 320, 180)])
        moved = np.abs(marked.astype(int) - 128).max()
        assert moved <= 128 * opacity + 1
        moves.append(moved)
    assert moves[0] < moves[1] < moves[2]
    assert moves[2] >= 100  # opaque text is as white (or as dark) as it gets


@pytest.mark.parametrize("opacity", [0.0, -0.1, 1.01])
def test_an_opacity_outside_zero_to_one_is_refused(opacity: float) -> None:
    with pytest.raises(ValueError, match="opacity"):
        VisibleMark("Museum", "abc123", opacity)


def test_the_session_code_is_keyed_and_short() -> None:
    code = session_code(KEY, "visitor-1")
    assert len(code) == 6 and code == session_code(KEY, "visitor-1")
    assert code != session_code(KEY, "visitor-2")
    assert code != session_code(b"another key", "visitor-1")
    assert VisibleMark("Museum", code, 0.3).text.endswith(code)


def test_a_preview_gets_the_rectangles_at_its_scale() -> None:
    cover = Cover(((100, 50, 301, 151),), (640, 360))
    assert cover.scaled(320, 180) == [(50, 25, 151, 76)]
    assert Cover(((600, 300, 900, 500),), (640, 360)).scaled(640, 360) == [(600, 300, 640, 360)]


def _document(watermark: object, access: str = "restricted") -> SceneDocument:
    def change(document: dict[str, object]) -> None:
        exhibits = document["exhibits"]
        assert isinstance(exhibits, list)
        exhibits[0]["access"] = access
        if watermark is not None:
            document["watermark"] = watermark

    return load_scene(_edit(change))


def test_the_document_decides_whether_there_is_a_visible_mark() -> None:
    settings = StreamSettings(watermark_key=TEXT_KEY)
    asked = visible_for(settings, _document({"visible": True}), "s")
    assert asked is not None and asked.opacity == 0.25
    assert asked.text.startswith("青铜器展 · ")  # the title in the default language
    texted = visible_for(
        settings,
        _document({"visible": True, "text": {"zh": "故宫", "en": "Palace"}, "opacity": 0.5}),
        "s",
    )
    assert texted is not None and texted.text.startswith("故宫 · ") and texted.opacity == 0.5
    assert visible_for(settings, _document(None), "s") is None
    assert visible_for(settings, _document({"visible": False}), "s") is None
    public = _document({"visible": True}, access="public")
    assert visible_for(settings, public, "s") is None
    assert visible_for(settings, None, "s") is None


def test_visible_first_then_the_invisible_mark_still_names_the_session() -> None:
    settings = StreamSettings(watermark="all", watermark_key=TEXT_KEY)
    visible = VisibleMark("© The Palace Museum", session_code(KEY, "visitor-9"), 0.3)
    cover = Cover(((0, 0, 320, 180), (320, 180, 640, 360)), (640, 360))
    mark = marker_for(
        settings, "visitor-9", 640, 360, restricted=True, visible=visible, cover=lambda: cover
    )
    assert mark is not None
    plain = marker_for(settings, "visitor-9", 640, 360, restricted=True)
    assert plain is not None
    frames = list(clip(21, 30))
    marked = [mark(f) for f in frames]
    # The same as the visible mark, then the invisible one, frame by frame.
    expected = plain(visible.apply(frames[0], cover.scaled(640, 360)))
    assert np.array_equal(marked[0], expected)
    others = [f"visitor-{i}" for i in range(999)]
    found = detect(marked, KEY, [*others, "visitor-9"])
    assert found.session == "visitor-9", found


def test_a_visible_mark_alone_marks_when_the_invisible_one_is_off() -> None:
    settings = StreamSettings(watermark="off")
    visible = VisibleMark("Museum", "abc123", 0.3)
    cover: Cover | None = None
    mark = marker_for(
        settings, "s", 320, 180, restricted=True, visible=visible, cover=lambda: cover
    )
    assert mark is not None
    frame = scene(8, 320, 180)
    assert np.array_equal(mark(frame), frame)  # no rectangle yet: nothing drawn
    cover = Cover(((0, 0, 160, 180),), (320, 180))
    changed = _changed(frame, mark(frame))
    assert changed[:, :160].any() and not changed[:, 160:].any()


@pytest.mark.skipif(not WIDE_FONT.is_file(), reason="no font with Chinese glyphs installed")
def test_chinese_text_is_drawn_with_its_glyphs() -> None:
    frame = np.full((360, 640, 3), 128, dtype=np.uint8)
    whole = [(0, 0, 640, 360)]
    one = VisibleMark("故宫博物院", "abc123", 0.5).apply(frame, whole)
    other = VisibleMark("博物院故宫", "abc123", 0.5).apply(frame, whole)
    assert not np.array_equal(one, other)  # empty boxes would make both the same


_EDGE = st.integers(-100, 500)
_MARK = VisibleMark("© The Palace Museum", "abc123", 0.8)


@hypothesis.settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_EDGE, _EDGE, _EDGE, _EDGE), max_size=4))
def test_nothing_outside_the_rectangles_ever_changes(rects: list[tuple[int, ...]]) -> None:
    frame = scene(9, 320, 180)
    marked = _MARK.apply(frame, rects)  # type: ignore[arg-type]
    inside = np.zeros(frame.shape[:2], dtype=bool)
    for left, top, right, bottom in rects:
        inside[max(0, top) : max(0, bottom), max(0, left) : max(0, right)] = True
    assert np.array_equal(marked[~inside], frame[~inside])

"""The quality ladder on a fake clock: what it does with each kind of link feedback."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.streaming.visit.ladder import (
    Feedback,
    Ladder,
    LadderSettings,
    Rung,
    rungs,
    stream_shape,
)

LADDER = rungs(1280, 720, 30)
TOP, BPP = LADDER[0], LadderSettings().bits_per_pixel


def test_the_rungs_step_down_in_size_then_frame_rate() -> None:
    assert [(r.width, r.height, r.fps) for r in LADDER] == [
        (1280, 720, 30),
        (960, 540, 30),
        (640, 360, 30),
        (640, 360, 20),
        (480, 270, 15),
    ]
    portrait = rungs(720, 1280, 30)
    assert (portrait[2].width, portrait[2].height) == (360, 640)
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in rungs(650, 1412, 24))


def test_a_desktop_near_the_configured_shape_keeps_it() -> None:
    assert stream_shape(1280, 720, None) == (1280, 720)
    assert stream_shape(1280, 720, (1280, 700, 1.0)) == (1280, 720)
    assert stream_shape(1280, 720, (1920, 1080, 2.0)) == (1280, 720)


def test_a_phone_upright_gets_a_portrait_stream_capped() -> None:
    width, height = stream_shape(1280, 720, (390, 844, 3.0))
    assert height > width
    assert width * height <= 1280 * 720
    assert width % 16 == 0 and height % 16 == 0
    assert abs((width / height) / (390 / 844) - 1) <= 0.02
    # A phone of few device pixels gets no more than it has.
    small = stream_shape(1280, 720, (320, 568, 1.0))
    assert small[0] * small[1] <= 320 * 568 and small[0] <= 320 and small[1] <= 568
    # Turned: landscape, at its own (wider than 16:9) aspect.
    wide = stream_shape(1280, 720, (844, 390, 3.0))
    assert wide[0] > wide[1] and abs((wide[0] / wide[1]) / (844 / 390) - 1) <= 0.02
    # max_pixels caps it further.
    capped = stream_shape(1280, 720, (390, 844, 3.0), max_pixels=640 * 360)
    assert capped[0] * capped[1] <= 640 * 360


@given(st.floats(1, 16384), st.floats(1, 16384), st.floats(0.25, 8), st.integers(256, 1920 * 1080))
def test_any_screen_gets_a_renderable_even_size(
    width: float, height: float, dpr: float, pixels: int
) -> None:
    w, h = stream_shape(1280, 720, (width, height, dpr), max_pixels=pixels)
    assert 16 <= w <= 7680 and 16 <= h <= 4320
    assert w % 2 == 0 and h % 2 == 0


class Link:
    """A fake clock and a link that reports every half second."""

    def __init__(self) -> None:
        self.now = 100.0
        self.ladder = Ladder(LADDER, self.now)
        self.remb: float | None = None
        self.remb_at = -1e9

    def run(
        self, seconds: float, heard: Callable[[float], Feedback] = lambda t: Feedback()
    ) -> list[Rung]:
        """Decide every half second for ``seconds``; the rungs chosen."""
        chosen = []
        for _ in range(round(seconds / 0.5)):
            self.now += 0.5
            chosen.append(self.ladder.decide(self.now, heard(self.now)))
        return chosen

    def estimate(self, bitrate: float) -> Callable[[float], Feedback]:
        """A receiver sending ``bitrate`` as its REMB every half second."""
        return lambda t: Feedback(remb=bitrate, remb_at=t)


def test_loss_steps_down_at_once_to_what_got_through() -> None:
    link = Link()
    link.run(2, link.estimate(3_000_000))
    assert link.ladder.rung == TOP
    lossy = link.run(0.5, lambda t: Feedback(loss=0.3, sent=1_400_000))
    # 70% of 1.4 Mbit/s got through: the best rung that fits it.
    assert lossy[-1] == next(r for r in LADDER if r.need(BPP) <= 0.7 * 1_400_000)
    assert link.ladder.reason == "loss 30%"


def test_an_estimate_that_fell_below_the_rung_steps_down_to_the_rung_that_fits() -> None:
    link = Link()
    link.run(2, link.estimate(1_500_000))
    assert link.ladder.rung == TOP  # enough for the top rung
    assert link.run(0.5, link.estimate(500_000))[-1] == LADDER[2]  # 640x360 needs 346k


def test_a_low_estimate_that_never_fell_is_not_congestion() -> None:
    """A receiver's first estimate follows what it has seen (little, while the picture
    rests): it says nothing of what the link can carry."""
    link = Link()
    assert link.run(10, link.estimate(200_000))[-1] == TOP


def test_a_cleared_link_is_climbed_back_within_ten_seconds() -> None:
    link = Link()
    link.run(2, link.estimate(1_500_000))
    link.run(0.5, lambda t: Feedback(remb=100_000, remb_at=t, loss=0.4, sent=300_000))
    assert link.ladder.index == len(LADDER) - 1
    climbed = link.run(10, link.estimate(2_000_000))
    assert climbed[-1] == TOP
    assert len(set(climbed)) == len(LADDER)  # one rung at a time


def test_a_link_that_only_just_fits_is_tried_now_and_then_not_see_sawed() -> None:
    """An estimate between the top rung's need and the margin over it: the top rung is
    tried only after ``probe`` calm seconds, and each try the link refuses (its estimate
    falls) is followed by as long a calm again."""
    settings = LadderSettings()
    link = Link()
    link.run(2, link.estimate(1_500_000))
    link.run(0.5, link.estimate(1_000_000))
    assert link.ladder.rung == LADDER[1]
    between = TOP.need(BPP) * 1.05
    tries: list[float] = []

    def refusing(t: float) -> Feedback:
        # At the top rung the receiver's estimate falls a second later, as on a link that
        # cannot carry it; below, it holds.
        at_top = link.ladder.index == 0
        if at_top and t - link.ladder._changed >= 1.0:
            return Feedback(remb=between * 0.7, remb_at=t)
        return Feedback(remb=between, remb_at=t)

    previous, started = link.ladder.index, link.now
    for i, rung in enumerate(link.run(60, refusing)):
        if LADDER.index(rung) < previous:
            tries.append(started + 0.5 * (i + 1))
        previous = LADDER.index(rung)
    assert tries, "the top rung was never tried"
    assert all(b - a >= settings.probe for a, b in itertools.pairwise(tries)), tries
    assert len(tries) <= 60 / settings.probe


def test_an_estimate_far_below_the_next_rung_is_not_tried() -> None:
    link = Link()
    link.run(2, link.estimate(1_500_000))
    link.run(0.5, link.estimate(400_000))
    index = link.ladder.index
    assert set(link.run(60, link.estimate(400_000))) == {LADDER[index]}


def test_a_step_up_that_fails_waits_longer_before_the_next() -> None:
    link = Link()
    link.run(2, link.estimate(2_000_000))
    steps: list[float] = []
    started = link.now

    def tries(t: float) -> Feedback:
        # Each time the top rung is tried, the link loses packets a second later.
        lossy = link.ladder.index == 0 and t - link.ladder._changed >= 1.0
        return Feedback(remb=2_000_000, remb_at=t, loss=0.2 if lossy else 0.0, sent=1_500_000)

    previous = link.ladder.index
    for i, rung in enumerate(link.run(60, tries)):
        index = LADDER.index(rung)
        if index < previous:
            steps.append(started + 0.5 * (i + 1))
        previous = index
    waits = [b - a for a, b in itertools.pairwise(steps)]
    assert waits == sorted(waits)  # never sooner than the last wait
    assert len(steps) <= 60 / (1 + 1 + LadderSettings().hold_max) + 2


def test_no_estimate_still_climbs_after_a_longer_quiet() -> None:
    link = Link()
    link.run(2.5, lambda t: Feedback(loss=0.5, sent=1_000_000))
    assert link.ladder.index > 0
    link.run(LadderSettings().hold + 0.5)
    assert link.ladder.index > 0  # not yet: nothing says the link can take more
    link.run(LadderSettings().hold_max)
    assert link.ladder.index == 0 or link.ladder.reason == "quiet"


def test_a_rising_round_trip_steps_down_once_not_all_the_way() -> None:
    link = Link()
    link.run(2, lambda t: Feedback(rtt=0.02))
    link.run(0.5, lambda t: Feedback(rtt=0.30))
    assert link.ladder.index == 1
    link.run(5, lambda t: Feedback(rtt=0.30))  # still high, not rising: a queue draining
    assert link.ladder.index == 1


def test_reports_right_after_a_step_describe_the_old_rung_and_are_let_pass() -> None:
    link = Link()
    link.run(2)
    link.run(0.5, lambda t: Feedback(loss=0.2))
    assert link.ladder.index == 1
    link.run(0.5, lambda t: Feedback(loss=0.2))  # within the settle time
    assert link.ladder.index == 1


def test_the_lowest_rung_stays_under_congestion() -> None:
    link = Link()
    for _ in range(10):
        link.run(1.5, lambda t: Feedback(loss=0.5))
    assert link.ladder.rung == LADDER[-1]


def test_a_new_screen_rebases_on_the_same_step() -> None:
    link = Link()
    link.run(2.5, lambda t: Feedback(loss=0.1, sent=3_000_000))
    assert link.ladder.index == 1
    rung = link.ladder.rebase(rungs(720, 1280, 30), link.now)
    assert (rung.width, rung.height) == (540, 960)


@pytest.mark.parametrize(
    "field", [{"interval": 0}, {"bits_per_pixel": 0}, {"loss": 2}, {"hold": 9, "hold_max": 3}]
)
def test_settings_out_of_range_are_refused(field: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        LadderSettings(**field)


@pytest.mark.parametrize(
    "field", [{"max_pixels": 100}, {"max_pixels": 10**9}, {"screen_tolerance": -0.1}]
)
def test_stream_settings_of_the_screens_shape_out_of_range_are_refused(
    field: dict[str, float],
) -> None:
    from museion.streaming.settings import StreamSettings

    with pytest.raises(ValueError):
        StreamSettings(**field)  # type: ignore[arg-type]
    assert StreamSettings().ladder and StreamSettings().max_pixels is None

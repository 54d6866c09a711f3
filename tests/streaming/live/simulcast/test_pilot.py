"""The layer pilot on a hand-turned clock: down at once on the link's word, up only after a
quiet while, a failed try doubling the wait; a viewer's own choice kept."""

from __future__ import annotations

from museion.streaming.live.simulcast.pilot import AUTO, Feedback, LayerRate, Pilot

LAYERS = [LayerRate("h", 2_500_000), LayerRate("m", 800_000), LayerRate("l", 200_000)]
QUIET = Feedback()


def _run(pilot: Pilot, start: float, end: float, heard: Feedback = QUIET) -> str | None:
    now, target = start, pilot.target
    while now < end:
        target = pilot.decide(now, LAYERS, heard)
        now += pilot.settings.interval
    return target


def test_a_viewer_starts_on_the_best_layer_and_stays_while_the_link_is_quiet() -> None:
    pilot = Pilot(0)
    assert _run(pilot, 0, 60) == "h"


def test_each_sign_of_congestion_steps_down_a_layer_after_the_switch_settles() -> None:
    for heard in (Feedback(drops=3), Feedback(loss=0.1), Feedback(nack_share=0.2)):
        pilot = Pilot(0)
        assert pilot.decide(0, LAYERS, QUIET) == "h"
        assert pilot.decide(2.5, LAYERS, heard) == "m"
        assert pilot.decide(3.0, LAYERS, heard) == "m"  # the reports still speak of h
        assert pilot.decide(5.0, LAYERS, heard) == "l"
        assert pilot.decide(8.0, LAYERS, heard) == "l"  # nothing lower


def test_a_low_estimate_goes_straight_to_the_layer_it_fits() -> None:
    pilot = Pilot(0)
    pilot.decide(0, LAYERS, QUIET)
    assert pilot.decide(3, LAYERS, Feedback(remb=300_000)) == "l"
    assert pilot.decide(6, LAYERS, Feedback(remb=300_000)) == "l"  # l fits: no more change


def test_a_quiet_link_earns_a_try_up_and_a_failed_try_doubles_the_wait() -> None:
    pilot = Pilot(0)
    pilot.decide(0, LAYERS, QUIET)
    pilot.decide(3, LAYERS, Feedback(drops=1))  # → m
    assert _run(pilot, 3.5, 8.5) == "m"  # 6 s of quiet not yet over
    assert _run(pilot, 8.5, 10) == "h"  # the try
    assert pilot.decide(12.5, LAYERS, Feedback(loss=0.2)) == "m"  # failed at once
    assert _run(pilot, 13, 24) == "m"  # the wait is 12 s now
    assert _run(pilot, 24, 26) == "h"


def test_a_chosen_layer_is_kept_whatever_the_link_says_and_auto_takes_over_again() -> None:
    pilot = Pilot(0)
    pilot.choose("l")
    assert _run(pilot, 0, 30) == "l"
    pilot.choose("h")
    assert pilot.decide(30, LAYERS, Feedback(drops=5)) == "h"
    pilot.choose(AUTO)
    assert pilot.decide(33, LAYERS, Feedback(drops=5)) == "m"


def test_a_layer_that_stops_sending_hands_its_viewers_to_the_best_that_sends() -> None:
    pilot = Pilot(0)
    pilot.choose("h")
    assert pilot.decide(0, LAYERS, QUIET) == "h"
    assert pilot.decide(1, LAYERS[1:], QUIET) == "m"
    assert pilot.decide(2, LAYERS, QUIET) == "h"
    assert pilot.decide(3, [], QUIET) == "h"  # nothing sends: nothing to change to

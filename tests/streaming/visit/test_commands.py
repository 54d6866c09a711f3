"""Datachannel command parsing: accept what the client sends, refuse the rest by code."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.runtime.view_commands import Orbit, Pan, Reset, Zoom
from museion.streaming.errors import CommandError
from museion.streaming.visit.commands import MAX_MESSAGE_BYTES, Language, Screen, parse_command


def test_orbit_with_seq() -> None:
    parsed = parse_command('{"type": "orbit", "yaw": 12.5, "pitch": -3, "seq": 7}')
    assert parsed.command == Orbit(yaw=12.5, pitch=-3.0)
    assert parsed.seq == 7


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ('{"type": "zoom", "factor": 0.8}', Zoom(0.8)),
        ('{"type": "pan", "dx": 0.1, "dy": -0.2}', Pan(0.1, -0.2)),
        ('{"type": "reset"}', Reset()),
        (b'{"type": "reset", "seq": 0}', Reset()),
    ],
)
def test_each_command_type(text: str | bytes, command: object) -> None:
    assert parse_command(text).command == command


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", "COMMAND_MALFORMED"),
        ("[1, 2]", "COMMAND_MALFORMED"),
        ('{"type": "fly"}', "COMMAND_UNKNOWN"),
        ('{"yaw": 1}', "COMMAND_UNKNOWN"),
        ('{"type": "orbit", "yaw": "1", "pitch": 0}', "COMMAND_MALFORMED"),
        ('{"type": "orbit", "yaw": true, "pitch": 0}', "COMMAND_MALFORMED"),
        ('{"type": "orbit", "yaw": 1}', "COMMAND_MALFORMED"),
        ('{"type": "orbit", "yaw": 1000, "pitch": 0}', "COMMAND_OUT_OF_RANGE"),
        ('{"type": "orbit", "yaw": NaN, "pitch": 0}', "COMMAND_OUT_OF_RANGE"),
        ('{"type": "zoom", "factor": 0}', "COMMAND_OUT_OF_RANGE"),
        ('{"type": "zoom", "factor": 1e309}', "COMMAND_OUT_OF_RANGE"),
        # An integer too large for a float (OverflowError escaped and ended the session).
        ('{"type":"zoom","factor":1' + "0" * 309 + "}", "COMMAND_OUT_OF_RANGE"),
        ('{"type":"orbit","yaw":-1' + "0" * 400 + ',"pitch":0}', "COMMAND_OUT_OF_RANGE"),
        ('{"type":"reset","seq":1' + "0" * 400 + "}", "COMMAND_MALFORMED"),
        ('{"type": "pan", "dx": 5, "dy": 0}', "COMMAND_OUT_OF_RANGE"),
        ('{"type": "reset", "extra": 1}', "COMMAND_MALFORMED"),
        ('{"type": "reset", "seq": -1}', "COMMAND_MALFORMED"),
        (b"\xff\xfe", "COMMAND_MALFORMED"),
        ("[" * 5000, "COMMAND_TOO_LARGE"),
        ("[" * 4000, "COMMAND_MALFORMED"),
    ],
)
def test_refused_with_stable_code(text: str | bytes, code: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(text)
    assert caught.value.code == code
    assert caught.value.message


def test_size_cap_is_bytes_of_the_message() -> None:
    padded = json.dumps({"type": "reset"}) + " " * (MAX_MESSAGE_BYTES + 1)
    with pytest.raises(CommandError):
        parse_command(padded)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.floats()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_fuzz_text_parses_or_raises_command_error(raw: str | bytes) -> None:
    try:
        parse_command(raw)
    except CommandError as exc:
        assert exc.code.startswith("COMMAND_")


@given(
    st.sampled_from(["orbit", "zoom", "pan", "reset", "x"]),
    st.dictionaries(st.sampled_from(["yaw", "pitch", "factor", "dx", "dy", "seq"]), json_values),
)
def test_fuzz_shaped_messages(kind: str, fields: dict[str, object]) -> None:
    try:
        text = json.dumps({"type": kind, **fields})
    except ValueError:
        return
    try:
        parsed = parse_command(text)
    except CommandError as exc:
        assert exc.code.startswith("COMMAND_")
    else:
        assert parsed.command is not None


def test_pick_takes_fractions_of_the_frame() -> None:
    from museion.runtime.view_commands import PickAt

    assert parse_command('{"type": "pick", "x": 0.25, "y": 1}').command == PickAt(0.25, 1.0)
    with pytest.raises(CommandError) as caught:
        parse_command('{"type": "pick", "x": -0.1, "y": 0.5, "seq": 9}')
    assert caught.value.code == "COMMAND_OUT_OF_RANGE"
    assert caught.value.seq == 9  # the refusal names the message it refuses


def test_walk_steps_are_bounded_and_mode_names_a_known_mode() -> None:
    from museion.runtime.view_commands import ModeCommand, Walk

    parsed = parse_command('{"type": "walk", "forward": 0.05, "turn": -2}')
    assert parsed.command == Walk(forward=0.05, right=0.0, turn=-2.0, look=0.0)
    with pytest.raises(CommandError) as caught:
        parse_command('{"type": "walk", "forward": 30}')  # a 30 m stride
    assert caught.value.code == "COMMAND_OUT_OF_RANGE"
    assert parse_command('{"type": "mode", "mode": "walk"}').command == ModeCommand("walk")
    assert parse_command('{"type": "mode", "mode": "orbit", "exhibit": "ding"}').command == (
        ModeCommand("orbit", "ding")
    )
    for bad in (
        '{"type": "mode", "mode": "fly"}',
        '{"type": "mode", "mode": "orbit", "exhibit": 3}',
    ):
        with pytest.raises(CommandError) as caught:
            parse_command(bad)
        assert caught.value.code == "COMMAND_MALFORMED"


def test_screen_is_the_pages_picture_area_bounded() -> None:
    parsed = parse_command('{"type": "screen", "width": 390, "height": 844, "dpr": 3, "seq": 2}')
    assert parsed.command == Screen(390.0, 844.0, 3.0)
    for text, code in [
        ('{"type": "screen", "width": 0, "height": 844, "dpr": 3}', "COMMAND_OUT_OF_RANGE"),
        ('{"type": "screen", "width": 390, "height": 1e9, "dpr": 3}', "COMMAND_OUT_OF_RANGE"),
        ('{"type": "screen", "width": 390, "height": 844, "dpr": 80}', "COMMAND_OUT_OF_RANGE"),
        ('{"type": "screen", "width": 390, "height": 844}', "COMMAND_MALFORMED"),
        ('{"type": "screen", "width": "390", "height": 844, "dpr": 1}', "COMMAND_MALFORMED"),
        ('{"type": "screen", "width": 390, "height": 844, "dpr": 1, "x": 1}', "COMMAND_MALFORMED"),
    ]:
        with pytest.raises(CommandError) as caught:
            parse_command(text)
        assert caught.value.code == code, text


def test_language_is_a_known_bcp47_tag() -> None:
    for tag in ("en", "zh", "zh-Hant", "fr-CA"):
        assert parse_command(json.dumps({"type": "language", "lang": tag})).command == Language(tag)
    for value in ("", "x" * 36, "../etc", "zz-!!", 7, None, ["en"]):
        with pytest.raises(CommandError) as caught:
            parse_command(json.dumps({"type": "language", "lang": value}))
        assert caught.value.code == "COMMAND_MALFORMED", value


@given(st.text(max_size=40))
def test_fuzz_language_parses_or_raises_a_documented_error(tag: str) -> None:
    try:
        parsed = parse_command(json.dumps({"type": "language", "lang": tag}))
    except CommandError as error:
        assert error.code == "COMMAND_MALFORMED"
    else:
        assert parsed.command == Language(tag) and 0 < len(tag) <= 35


@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_fuzz_screen_parses_in_bounds_or_raises(width: float, height: float, dpr: float) -> None:
    text = json.dumps({"type": "screen", "width": width, "height": height, "dpr": dpr})
    try:
        command = parse_command(text).command
    except CommandError as exc:
        assert exc.code in ("COMMAND_OUT_OF_RANGE", "COMMAND_MALFORMED")
        return
    assert isinstance(command, Screen)
    assert 1 <= command.width <= 16384 and 1 <= command.height <= 16384
    assert 0.25 <= command.dpr <= 8


def test_a_headset_controller_ray_and_a_teleport_parse_bounded() -> None:
    from museion.runtime.view_commands import PickRay, Resume, SnapTurn, Teleport
    from museion.streaming.visit.commands import Shown

    ray = parse_command('{"type":"pick_ray","origin":[0.2,1.4,-0.3],"direction":[0,-0.2,-1]}')
    assert ray.command == PickRay((0.2, 1.4, -0.3), (0.0, -0.2, -1.0))
    hop = parse_command('{"type":"teleport","x":1.5,"z":-2,"head":[0.1,0.0],"seq":4}')
    assert hop.command == Teleport(1.5, -2.0, (0.1, 0.0)) and hop.seq == 4
    turn = parse_command('{"type":"turn","degrees":-30,"head":[0.1,0.2]}')
    assert turn.command == SnapTurn(-30.0, (0.1, 0.2))
    assert parse_command('{"type":"shown","late":-0.01}').command == Shown(-0.01)
    walk = parse_command('{"type":"resume","mode":"walk","at":[1,1.6,-2],"heading":30,"look":-5}')
    assert walk.command == Resume("walk", position=(1.0, 1.6, -2.0), heading=30.0, look=-5.0)
    orbit = '{"type":"resume","mode":"orbit","exhibit":"ding","view":[0,1,0,45,10,1.8],"tour":"t"}'
    assert parse_command(orbit).command == Resume(
        "orbit", "ding", view=(0.0, 1.0, 0.0, 45.0, 10.0, 1.8), tour="t"
    )
    for bad, code in [
        ('{"type":"pick_ray","origin":[0,1],"direction":[0,0,-1]}', "COMMAND_MALFORMED"),
        ('{"type":"pick_ray","origin":[0,1,0],"direction":[0,0,0]}', "COMMAND_OUT_OF_RANGE"),
        ('{"type":"pick_ray","origin":[0,1e9,0],"direction":[0,0,-1]}', "COMMAND_OUT_OF_RANGE"),
        ('{"type":"pick_ray","origin":"here","direction":[0,0,-1]}', "COMMAND_MALFORMED"),
        ('{"type":"teleport","x":1,"z":null}', "COMMAND_MALFORMED"),
        ('{"type":"teleport","x":1,"z":2,"head":[true,0]}', "COMMAND_MALFORMED"),
        ('{"type":"turn","degrees":720}', "COMMAND_OUT_OF_RANGE"),
        ('{"type":"turn","degrees":30,"head":[0]}', "COMMAND_MALFORMED"),
        ('{"type":"shown","late":"soon"}', "COMMAND_MALFORMED"),
        ('{"type":"shown","late":1e400}', "COMMAND_OUT_OF_RANGE"),
        ('{"type":"resume","mode":"fly"}', "COMMAND_MALFORMED"),
        ('{"type":"resume","mode":"walk","at":[0,1e9,0]}', "COMMAND_OUT_OF_RANGE"),
        ('{"type":"resume","mode":"orbit","view":[0,0,0,0,95,1]}', "COMMAND_OUT_OF_RANGE"),
        ('{"type":"resume","mode":"orbit","view":[0,0,0,0,0,0]}', "COMMAND_OUT_OF_RANGE"),
        ('{"type":"resume","mode":"walk","step":-1}', "COMMAND_OUT_OF_RANGE"),
        ('{"type":"resume","mode":"walk","tour":""}', "COMMAND_MALFORMED"),
    ]:
        with pytest.raises(CommandError) as refused:
            parse_command(bad)
        assert refused.value.code == code, bad

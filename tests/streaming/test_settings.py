"""streaming/settings.py: every value a server cannot work with is refused where it is
made, with the field's name in the sentence."""

from __future__ import annotations

import pytest

from museion.streaming.settings import IceServer, StreamSettings


def test_the_defaults_are_valid() -> None:
    settings = StreamSettings()
    assert (settings.h264_preset, settings.retry_after, settings.max_sdp_bytes) == (
        "veryfast",
        10,
        64 * 1024,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"h264_preset": "warp"}, "h264_preset"),
        ({"vp8_static_threshold": -1}, "vp8_static_threshold"),
        ({"retry_after": -1}, "retry_after"),
        ({"retry_after": 86_400}, "retry_after"),
        ({"max_sdp_bytes": 100}, "max_sdp_bytes"),
        ({"max_sdp_bytes": 64 * 1024 * 1024}, "max_sdp_bytes"),
        ({"max_commands_per_second": 0}, "max_commands_per_second"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"connect_timeout": 3600}, "connect_timeout"),
    ],
)
def test_settings_refuse_values_the_server_cannot_work_with(
    change: dict[str, object], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        StreamSettings(**change)  # type: ignore[arg-type]


@pytest.mark.parametrize("preset", ["ultrafast", "medium", "placebo"])
def test_every_x264_preset_is_taken(preset: str) -> None:
    assert StreamSettings(h264_preset=preset).h264_preset == preset


@pytest.mark.parametrize(
    "urls", ["stun:stun.example.org:3478", "turn:turn.example.org", "turns:t.example.org:443"]
)
def test_ice_servers_take_stun_and_turn_urls(urls: str) -> None:
    credentials = ("u", "p") if urls.startswith("turn") else (None, None)
    assert IceServer(urls, *credentials).urls == urls


@pytest.mark.parametrize(
    ("server", "words"),
    [
        (("http://turn.example.org",), "not a stun: or turn: URL"),
        (("turn.example.org:3478",), "not a stun: or turn: URL"),
        (("turn:turn.example.org", "u"), "username and a credential go together"),
        (("turn:turn.example.org", None, "p"), "username and a credential go together"),
    ],
)
def test_ice_servers_refuse_what_ice_cannot_use(server: tuple[str, ...], words: str) -> None:
    with pytest.raises(ValueError, match="ice_servers") as caught:
        IceServer(*server)
    assert words in str(caught.value)

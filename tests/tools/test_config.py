"""Settings layering: defaults < config file < environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from museion.runtime.settings import RuntimeSettings
from museion.streaming.settings import IceServer, StreamSettings
from museion.tools.config import ConfigError, build_settings, read_config_file


def test_defaults_reach_nowhere_on_the_internet() -> None:
    settings = build_settings(StreamSettings, section="streaming", environ={})
    assert settings.ice_servers == ()
    assert settings.host == "127.0.0.1"
    assert (settings.width, settings.height, settings.fps) == (1280, 720, 30)


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    config = tmp_path / "museion.toml"
    config.write_text('[streaming]\nport = 9000\nmax_sessions = 7\ncodec = "H264"\n')
    file = read_config_file(config)
    settings = build_settings(
        StreamSettings,
        section="streaming",
        file=file,
        environ={"MUSEION_STREAMING_PORT": "9100", "MUSEION_STREAMING_MAX_SESSIONS": "9"},
        flags={"port": 9200, "max_sessions": None},
    )
    assert settings.port == 9200  # flag beats environment
    assert settings.max_sessions == 9  # environment beats file
    assert settings.codec == "H264"  # file beats default


def test_tuples_and_nested_settings_from_text_and_toml(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[streaming]\nice_servers = [{urls = "turn:turn.example.org", username = "u", '
        'credential = "p"}]\n'
    )
    settings = build_settings(
        StreamSettings,
        section="streaming",
        file=read_config_file(config),
        environ={"MUSEION_STREAMING_ICE_ADDRESSES": "127.0.0.1, 10.1.2.3"},
    )
    assert settings.ice_addresses == ("127.0.0.1", "10.1.2.3")
    assert settings.ice_servers == (IceServer("turn:turn.example.org", "u", "p"),)


def test_path_and_bool_fields() -> None:
    settings = build_settings(
        RuntimeSettings,
        section="runtime",
        environ={"MUSEION_RUNTIME_ASSET_ROOT": "/srv/relics", "MUSEION_RUNTIME_GL_DEBUG": "yes"},
    )
    assert settings.asset_root == Path("/srv/relics")
    assert settings.gl_debug is True


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        ({"MUSEION_STREAMING_PORT": "eighty"}, "MUSEION_STREAMING_PORT"),
        ({"MUSEION_STREAMING_CODEC": "AV2"}, "MUSEION_STREAMING_CODEC"),
        ({"MUSEION_STREAMING_FPS": "500"}, "fps"),
        ({"MUSEION_STREAMING_WIDTH": "1281"}, "even"),
    ],
)
def test_bad_values_name_their_source(environ: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_settings(StreamSettings, section="streaming", environ=environ)
    assert fragment in caught.value.message


def test_unknown_keys_and_bad_files_are_errors(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[streaming]\nprot = 1\n")
    with pytest.raises(ConfigError, match="prot"):
        build_settings(
            StreamSettings, section="streaming", file=read_config_file(config), environ={}
        )
    config.write_text("not = [toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_config_file(config)
    with pytest.raises(ConfigError, match="cannot read"):
        read_config_file(tmp_path / "missing.toml")


def test_a_nested_setting_that_refuses_its_value_names_where_it_came_from(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[streaming]\nice_servers = [{urls = "http://turn.example.org"}]\n')
    with pytest.raises(ConfigError) as caught:
        build_settings(
            StreamSettings, section="streaming", file=read_config_file(config), environ={}
        )
    assert caught.value.message.startswith("[streaming] ice_servers: ")
    assert "http://turn.example.org" in caught.value.message

"""Settings in layers: defaults < config file (TOML) < environment < command-line flags.

Each layer's settings are a frozen dataclass; this module only fills one from the layers,
converting text (environment variables, flags) to each field's declared type.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from museion.tools.errors import ConfigError

__all__ = ["ConfigError", "build_settings", "read_config_file"]

T = TypeVar("T")


def read_config_file(path: Path | None) -> dict[str, Any]:
    """The parsed TOML file, or ``{}`` when no file is given."""
    if path is None:
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def _convert(value: Any, kind: Any, where: str) -> Any:
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        empty = value is None or (isinstance(value, str) and value.lower() in ("", "none"))
        if empty and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(value, inner[0], where)
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{where}: {value!r} is not one of {list(args)}")
        return value
    if origin is tuple:
        items = value.split(",") if isinstance(value, str) else list(value)
        items = [i.strip() if isinstance(i, str) else i for i in items if i != ""]
        return tuple(_convert(i, args[0], where) for i in items)
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        factory: Any = kind
        try:
            return factory(**value) if isinstance(value, Mapping) else factory(value)
        except TypeError as exc:
            raise ConfigError(f"{where}: {value!r} does not fit {kind.__name__}") from exc
        except ValueError as exc:  # its own __post_init__ refused a value
            raise ConfigError(f"{where}: {exc}") from exc
    if kind is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where}: {value!r} is not a boolean")
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {value!r} is not a valid {kind.__name__}") from exc


def build_settings(
    cls: type[T],
    *,
    section: str,
    file: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> T:
    """Fill ``cls`` from the layers; ``MUSEION_<SECTION>_<FIELD>`` names environment values."""
    assert dataclasses.is_dataclass(cls)
    hints = typing.get_type_hints(cls)
    environ = os.environ if environ is None else environ
    from_file = dict((file or {}).get(section, {}))
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        env_name = f"MUSEION_{section.upper()}_{field.name.upper()}"
        layers = [
            (from_file.pop(field.name, None), f"[{section}] {field.name}"),
            (environ.get(env_name), env_name),
            ((flags or {}).get(field.name), f"--{field.name.replace('_', '-')}"),
        ]
        for raw, where in layers:
            if raw is not None:
                values[field.name] = _convert(raw, hints[field.name], where)
    if from_file:
        raise ConfigError(f"unknown setting(s) in [{section}]: {', '.join(sorted(from_file))}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[{section}]: {exc}") from exc

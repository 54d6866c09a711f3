"""Every sub-package ships: setup.cfg's ``packages`` names each folder that has an
``__init__.py`` (the editable install maps whole folders, so a missing name would only
show in a wheel)."""

from __future__ import annotations

import configparser

from tests.conftest import REPO

LAYERS = {"scenes": "museion.scenes", "runtime": "museion.runtime"}
LAYERS |= {"streaming": "museion.streaming", "tools": "museion.tools"}


def test_setup_cfg_lists_every_package_folder() -> None:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    listed = set(config["options"]["packages"].split())
    on_disk = {
        ".".join([LAYERS[folder], *init.parent.relative_to(REPO / folder).parts])
        for folder in LAYERS
        for init in (REPO / folder).rglob("__init__.py")
    }
    assert listed == on_disk

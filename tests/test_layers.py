"""The arrows between layers point one way: scenes <- runtime <- streaming <- tools."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

FORBIDDEN = {
    "scenes": (
        "museion.runtime",
        "museion.streaming",
        "museion.tools",
        "panda3d",
        "aiortc",
        "aiohttp",
    ),
    "runtime": ("museion.streaming", "museion.tools", "aiortc", "aiohttp"),
    "streaming": ("museion.tools",),
    "tools": (),
}


def _imports(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_lies_below(layer: str) -> None:
    files = sorted((REPO / layer).rglob("*.py"))
    assert files
    for path in files:
        for name in _imports(path.read_text("utf-8")):
            for banned in FORBIDDEN[layer]:
                assert not (name == banned or name.startswith(banned + ".")), (
                    f"{path.relative_to(REPO)} imports {name}"
                )


# Rooms inside a layer: the live relay and the visitor path share only the layer's common
# modules (settings, errors, signalling, ICE, reservations); the server joins them.
ROOMS = {
    # A document names glTF files and has them checked; the glTF gate knows no document.
    "scenes/gltf": (
        "museion.scenes.document",
        "museion.scenes.checked_scene",
        "museion.scenes.showcase",
    ),
    "scenes/document": ("museion.scenes.checked_scene", "museion.scenes.showcase"),
    # The gate's checks read the JSON (rules) or the bytes (accessors); neither decodes nor
    # inspects, and the decoder and the inspector lean on neither's verdicts.
    "scenes/gltf/rules": (
        "museion.scenes.gltf.accessors",
        "museion.scenes.gltf.decode",
        "museion.scenes.gltf.inspect",
        "museion.scenes.gltf.gate",
    ),
    "scenes/gltf/accessors": (
        "museion.scenes.gltf.rules",
        "museion.scenes.gltf.decode",
        "museion.scenes.gltf.inspect",
        "museion.scenes.gltf.gate",
    ),
    "scenes/gltf/decode": ("museion.scenes.gltf.inspect", "museion.scenes.gltf.rules"),
    "scenes/gltf/inspect": ("museion.scenes.gltf.decode", "museion.scenes.gltf.rules"),
    # Loading a model knows nothing of rendering or of visitors.
    "runtime/loading": (
        "museion.runtime.engine",
        "museion.runtime.visit",
        "museion.runtime.frame_source",
        "museion.runtime.render_view",
        "museion.runtime.scene_models",
        "museion.runtime.graphics",
    ),
    "streaming/live": (
        "museion.streaming.visit",
        "museion.streaming.tours",
        "museion.streaming.admission",
        "museion.streaming.server",
    ),
    "streaming/visit": (
        "museion.streaming.live",
        "museion.streaming.tours",
        "museion.streaming.admission",
        "museion.streaming.server",
    ),
    # A show's layers are parsed, received and chosen apart from the relay that uses them.
    "streaming/live/simulcast": (
        "museion.streaming.live.stream",
        "museion.streaming.live.fanout",
        "museion.streaming.live.rtp_out",
        "museion.streaming.live.viewers",
        "museion.streaming.live.registry",
        "museion.streaming.live.routes",
        "museion.streaming.live.pool",
        "museion.streaming.live.worker",
        "museion.streaming.live.wire",
        "museion.streaming.live.status",
    ),
    # A tour is a visitor's session relayed live: above both, below the server.
    "streaming/tours": ("museion.streaming.server", "museion.streaming.admission"),
    # Admission knows places, render time and passes, not what a session does.
    "streaming/admission": (
        "museion.streaming.visit",
        "museion.streaming.live",
        "museion.streaming.tours",
        "museion.streaming.server",
    ),
    # The cluster knows Redis and the records nodes write there; a node's own server joins
    # it, the door serves beside it: neither sessions nor the relay are its business.
    "streaming/cluster": (
        "museion.streaming.visit",
        "museion.streaming.live",
        "museion.streaming.tours",
        "museion.streaming.admission",
        "museion.streaming.server",
    ),
    # Staff accounts and sign-in know nothing of what the staff then do.
    "streaming/staff": (
        "museion.streaming.visit",
        "museion.streaming.live",
        "museion.streaming.tours",
        "museion.streaming.admission",
        "museion.streaming.cluster",
        "museion.streaming.server",
    ),
    # A hall mounts whole galleries (the server's app): what a session, a tour, a queue or
    # the cluster does inside one is none of its business.
    "streaming/hall": (
        "museion.streaming.visit",
        "museion.streaming.tours",
        "museion.streaming.admission",
        "museion.streaming.cluster",
    ),
    # The studio works on exhibitions' libraries through the hall, and its draft view is a
    # visitor's session with edits; tours, queues, the cluster and the relay are not its.
    "streaming/studio": (
        "museion.streaming.tours",
        "museion.streaming.admission",
        "museion.streaming.cluster",
        "museion.streaming.live",
    ),
    # The sample builders and the optimizer are separate tools; the CLI sits on both.
    "tools/samples": ("museion.tools.transform", "museion.tools.cli"),
    "tools/transform": ("museion.tools.samples", "museion.tools.cli"),
    # What the studio's server is given (importing models) never reaches back to the CLI.
    "tools/studio": ("museion.tools.cli", "museion.tools.samples"),
}
COMMON = (
    "museion.streaming.admission",
    "museion.streaming.cluster",
    "museion.streaming.live",
    "museion.streaming.visit",
    "museion.streaming.tours",
    "museion.streaming.server",
)


@pytest.mark.parametrize("room", sorted(ROOMS))
def test_a_room_does_not_import_its_neighbour(room: str) -> None:
    files = sorted((REPO / room).rglob("*.py"))
    assert files
    for path in files:
        for name in _imports(path.read_text("utf-8")):
            for banned in ROOMS[room]:
                assert not (name == banned or name.startswith(banned + ".")), (
                    f"{path.relative_to(REPO)} imports {name}"
                )


def test_the_layers_common_modules_import_no_room() -> None:
    """The modules beside the rooms serve both; only the server and the package's own
    public surface join them."""
    for path in sorted((REPO / "streaming").glob("*.py")):
        if path.name in ("server.py", "__init__.py"):
            continue
        for name in _imports(path.read_text("utf-8")):
            for banned in COMMON:
                assert not (name == banned or name.startswith(banned + ".")), (
                    f"{path.relative_to(REPO)} imports {name}"
                )


# What a visitor does is plain state over the camera: no Panda3D, so every client (browser,
# docent follower, headset, studio) reuses it and it is tested on a clock.
PURE_RUNTIME = ("visit", "view_commands", "camera", "navigation", "tour_player", "resume")


@pytest.mark.parametrize("module", PURE_RUNTIME)
def test_a_visitors_state_imports_no_panda3d(module: str) -> None:
    path = REPO / "runtime" / f"{module}.py"
    for name in _imports(path.read_text("utf-8")):
        assert not (name == "panda3d" or name.startswith("panda3d.")), f"{path} imports {name}"


def test_view_commands_are_plain_data() -> None:
    names = _imports((REPO / "runtime" / "view_commands.py").read_text("utf-8"))
    assert not [name for name in names if name.startswith("museion")]

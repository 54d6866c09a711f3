"""The engine's models as Panda3D nodes, and a heavy model's proxy swapped for it whole.

Models are converted by worker processes (:mod:`museion.runtime.loading`) before the scene
graph is built, and read from the cache on the render thread; a heavy one comes as its
proxy first, and the whole model, read meanwhile, is swapped in on the render thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from museion.runtime.errors import AssetLoadFailed
from museion.runtime.lighting import prepare_model
from museion.runtime.loading import PROXY_TAG, convert_models, load_model
from museion.scenes.gltf.gate import CheckedGltf

if TYPE_CHECKING:
    from museion.runtime.engine import RenderEngine

__all__ = ["SceneModels"]


class SceneModels:
    """Loads ``engine``'s models; counts a proxy shown in its ``pending_detail``."""

    def __init__(self, engine: RenderEngine, models: Iterable[CheckedGltf]) -> None:
        self._engine = engine
        # Cache misses convert in parallel workers before the scene graph is built.
        self._converted: dict[Path, Path | AssetLoadFailed] = convert_models(
            models, engine.settings
        )

    def convert(self, models: list[CheckedGltf]) -> None:
        """Convert models not converted yet (see :meth:`RenderEngine.convert`)."""
        missing = [m for m in models if m.path not in self._converted]
        if missing:
            self._converted.update(convert_models(missing, self._engine.settings))

    def load(self, model: CheckedGltf) -> Any:
        """``model`` as a NodePath, converted by a worker (or found in the cache); a model
        the scene did not name at set-up (one the studio imports) is converted now."""
        engine = self._engine
        if model.path not in self._converted:
            self._converted.update(convert_models([model], engine.settings))
        converted = self._converted.get(model.path)
        if isinstance(converted, AssetLoadFailed):
            raise converted
        node = load_model(model, engine.settings, converted, arrived=self._whole_arrived(model))
        if node.has_tag(PROXY_TAG):
            engine.pending_detail += 1
        return prepare_model(node, model) if engine.settings.shading == "lean" else node

    def _whole_arrived(self, model: CheckedGltf) -> Callable[[Any, Callable[[], None]], None]:
        """What to do with ``model`` read whole while its proxy is shown: prepare it (on
        the reading thread), swap it in on the render thread, have every view draw anew."""
        engine = self._engine

        def arrived(whole: Any, swap: Callable[[], None]) -> None:
            if engine.settings.shading == "lean":
                prepare_model(whole, model)
            engine.swap_in_detail(swap, model.name)

        return arrived

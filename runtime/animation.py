"""glTF animations played on the server: every model's bound animations, advanced on a
clock only when a view is about to render.

panda3d-gltf converts a model's skins, node animations and morph targets into a
``Character`` with one ``AnimBundle`` per glTF animation; :func:`auto_bind` ties them to
the character.  Panda3D animates the vertices on the CPU when the shader does not ask
for hardware skinning (the lean shader does not), before the shader sees them, so skins
and morphs deform with no change to the shaders.

Nothing here runs on its own: :meth:`Animator.tick` is called by a view before it decides
whether to render, poses what is playing for that moment and returns whether anything
moved, so a still gallery (nothing playing) costs one check per frame.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from museion.runtime.errors import RenderError
from museion.runtime.node_animation import (
    NodeClip,
    NodeTracks,
    animation_names,
    bind_tracks,
    read_node_clips,
)
from museion.scenes.document.model import Exhibit
from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.gate import CheckedGltf

__all__ = ["Animator", "Playing"]

logger = logging.getLogger(__name__)

MAX_SPEED = 10.0
"""The fastest an animation may play (times its own rate); faster is refused."""


@dataclass(frozen=True)
class Playing:
    """What one model plays: its animation ``name``, whether it loops, at what speed."""

    name: str
    loop: bool = True
    speed: float = 1.0


class _Model:
    """One model's animations by name, and what it plays since when."""

    def __init__(
        self,
        node: Any,
        controls: dict[str, list[Any]],
        characters: list[Any],
        tracks: NodeTracks | None = None,
        order: tuple[str, ...] = (),
    ) -> None:
        self.node = node
        self.controls = controls
        self.characters = characters
        self.tracks = tracks
        clips = tracks.clips if tracks is not None else {}
        rank = {name: i for i, name in enumerate(order)}
        self.names = tuple(
            sorted({*controls, *clips}, key=lambda name: (rank.get(name, len(rank)), name))
        )
        self.playing: Playing | None = None
        self.started = 0.0
        self.frame: float | None = None  # the pose shown, None before the first
        self.changed = 0  # the animator's version when this pose was set
        # Where it stands, in its own coordinates, as a sphere one and a half times the
        # rest pose's (a walking fox's legs reach beyond it): for views to tell whether
        # they see it move without walking its vertices every frame.
        low, high = node.get_tight_bounds(node) or ((0, 0, 0), (0, 0, 0))
        self.centre = tuple((a + b) / 2 for a, b in zip(low, high, strict=True))
        self.radius = 0.75 * math.dist(low, high) + 1e-3

    def in_view(self, camera: Any, lens: Any, root: Any) -> bool:
        """Whether the model could be in ``camera``'s picture (frustum test)."""
        from panda3d.core import BoundingSphere, BoundingVolume, Point3

        frustum = lens.make_bounds()
        frustum.xform(camera.get_mat(root))
        to_root = self.node.get_mat(root)
        centre = to_root.xform_point(Point3(*self.centre))
        scale = max(abs(s) for s in self.node.get_scale(root))
        sphere = BoundingSphere(centre, self.radius * scale)
        return bool(frustum.contains(sphere) != BoundingVolume.IF_no_intersection)


class Animator:
    """Every model's animations, posed for the moment a view renders.

    Call everything on the render thread.  :attr:`clock` (seconds) is a test seam: a
    test replaces it to render chosen moments.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._models: dict[str, _Model] = {}
        self.version = 0
        """Bumped whenever a pose changes: views compare it with what they drew."""

    def add(
        self,
        key: str,
        node: Any,
        characters: list[Any],
        tracks: NodeTracks | None = None,
        order: tuple[str, ...] = (),
    ) -> tuple[str, ...]:
        """Bind the animations of ``characters`` (Character NodePaths of one model, under
        ``node``) and the node clips of ``tracks`` as ``key``'s; returns their names, in
        ``order`` (the glTF's animation names) where given (none for a still model, which
        is then not kept).  Animations of the same name play together."""
        from panda3d.core import AnimControlCollection, PartGroup, auto_bind

        flags = PartGroup.HMF_ok_part_extra | PartGroup.HMF_ok_anim_extra
        controls: dict[str, list[Any]] = {}
        for character in characters:
            collection = AnimControlCollection()
            auto_bind(character.node(), collection, flags | PartGroup.HMF_ok_wrong_root_name)
            for i in range(collection.get_num_anims()):
                control = collection.get_anim(i)
                if control.get_num_frames() > 0 and control.get_frame_rate() > 0:
                    # Between key frames the pose is blended, not held: smooth at any speed.
                    control.get_part().set_frame_blend_flag(True)
                    controls.setdefault(collection.get_anim_name(i), []).append(control)
        # The glTF's order, not auto_bind's (which varies from run to run), so "the first
        # animation" is the file's first every time; panda3d-gltf puts each animation's
        # bundle before the ones already there, so the scene graph holds them reversed.
        if not order:
            bundles = node.find_all_matches("**/+AnimBundleNode")
            order = tuple(b.node().get_bundle().get_name() for b in reversed(list(bundles)))
        if controls or (tracks is not None and tracks.clips):
            model = self._models[key] = _Model(node, controls, characters, tracks, order)
            logger.info("%s: animations %s", key or "the venue", ", ".join(model.names))
            return model.names
        return ()

    def add_models(
        self, placed: dict[str, tuple[Any, CheckedGltf]], characters: dict[str, list[Any]]
    ) -> None:
        """Bind every model: ``placed`` maps a key to the node its model is loaded under
        and the model (each file's animations are read once), ``characters`` a key to its
        Character NodePaths."""
        read: dict[Path, tuple[dict[str, Any], dict[str, NodeClip]]] = {}
        for key, (node, model) in placed.items():
            if model.path not in read:
                try:
                    read[model.path] = read_node_clips(model)
                except (AssetRejected, OSError) as exc:
                    # Shown still rather than not at all: the gate passed it, so this is
                    # a file changed since, or a decoder's limit.
                    logger.warning("%s: node animations left out: %s", model.name, exc)
                    read[model.path] = ({}, {})
            document, clips = read[model.path]
            tracks = bind_tracks(node, document, clips)
            self.add(key, node, characters.get(key, []), tracks, animation_names(document))
        for key in set(characters) - set(placed):
            self.add(key, placed[""][0], characters[key])

    def forget(self, key: str) -> None:
        """Drop ``key``'s animations (the model left the scene)."""
        self._models.pop(key, None)

    def animations(self, key: str) -> tuple[str, ...]:
        """The names of ``key``'s animations (none for a still or unknown model)."""
        model = self._models.get(key)
        return () if model is None else model.names

    def now_playing(self, key: str) -> Playing | None:
        """What ``key`` plays (None: nothing, or held by :meth:`stop`)."""
        model = self._models.get(key)
        return None if model is None else model.playing

    def play(
        self, key: str, name: str | None = None, *, loop: bool = True, speed: float = 1.0
    ) -> None:
        """Have ``key`` play animation ``name`` (its first when None) from its start.

        Raises :class:`RenderError` ``NO_SUCH_ANIMATION`` or ``BAD_ANIMATION_SPEED``.
        """
        model = self._models.get(key)
        if model is None or (name is not None and name not in model.names):
            raise RenderError(
                f"{key or 'the venue'} has no animation {name or ''}".rstrip(),
                code="NO_SUCH_ANIMATION",
            )
        if not (math.isfinite(speed) and 0 < speed <= MAX_SPEED):
            raise RenderError(
                f"an animation plays at a speed above 0 and at most {MAX_SPEED}",
                code="BAD_ANIMATION_SPEED",
            )
        model.playing = Playing(name or model.names[0], loop, speed)
        model.started = self.clock()
        model.frame = None

    def play_chosen(self, exhibits: Iterable[Exhibit]) -> None:
        """What each exhibit's document says it plays (its ``animation``): after
        :meth:`play_all`, a chosen animation replaces the first, ``False`` stops it."""
        for exhibit in exhibits:
            if exhibit.animation is not None:
                self.choose(exhibit)

    def choose(self, exhibit: Exhibit) -> None:
        """Play what ``exhibit``'s document now says (its first animation, looping, when
        it says nothing; none when ``False``): the studio changed it.  Raises
        :class:`RenderError` as :meth:`play` does."""
        model = self._models.get(exhibit.id)
        if model is None or not model.names:
            return
        if exhibit.animation is False:
            self.stop(exhibit.id)
        elif exhibit.animation is None:
            self.play(exhibit.id)
        else:
            chosen = exhibit.animation
            self.play(exhibit.id, chosen.name, loop=chosen.loop, speed=chosen.speed)

    def stop(self, key: str) -> None:
        """Hold ``key`` where it is."""
        model = self._models.get(key)
        if model is not None:
            model.playing = None

    def rest(self, key: str) -> None:
        """Stop ``key`` and put it back in its rest pose (joints and animated nodes as its
        glTF gives them): a thumbnail or a reference picture shows the model as made.
        Views that see it draw anew."""
        model = self._models.get(key)
        if model is None:
            return
        model.playing = None
        for character in model.characters:
            node = character.node()
            for i in range(node.get_num_bundles()):
                node.get_bundle(i).clear_control_effects()  # each joint back to its rest
            node.force_update()
        if model.tracks is not None:
            model.tracks.reset()
        model.frame = None
        self.version += 1
        model.changed = self.version

    def play_all(self) -> None:
        """Every animated model plays its first animation, looping (what a visitor expects
        of a model made to move, until a scene document says otherwise)."""
        for key in self._models:
            self.play(key)

    @property
    def playing(self) -> bool:
        """Whether anything is moving (a non-looping animation that ended is not)."""
        return any(self._moving(m, self.clock()) for m in self._models.values())

    def _moving(self, model: _Model, now: float) -> bool:
        playing = model.playing
        if playing is None:
            return False
        return playing.loop or model.frame is None or model.frame < _length(model, playing.name)

    def tick(self) -> bool:
        """Pose every playing model for now; True (and :attr:`version` bumped) when a
        pose changed, so views that see it render anew."""
        now = self.clock()
        stamp = self.version + 1
        moved = False
        for model in self._models.values():
            playing = model.playing
            if playing is None:
                continue
            elapsed = (now - model.started) * playing.speed
            # Where the pose stands, in seconds: looping wraps after the longest part's
            # period; once ends on the last key.
            at = (
                math.fmod(elapsed, _period(model, playing.name))
                if playing.loop
                else min(elapsed, _length(model, playing.name))
            )
            if at == model.frame:
                continue
            for control in model.controls.get(playing.name, ()):
                frames, rate = control.get_num_frames(), control.get_frame_rate()
                own = elapsed * rate
                control.pose(math.fmod(own, frames) if playing.loop else min(own, frames - 1.0))
            tracks = model.tracks
            if tracks is not None and playing.name in tracks.clips:
                clip = tracks.clips[playing.name]
                tracks.pose(
                    playing.name,
                    math.fmod(elapsed, clip.duration)
                    if playing.loop and clip.duration > 0
                    else min(elapsed, clip.duration),
                )
            for character in model.characters:
                # Now, not at the next clock tick: the view renders with this pose.
                character.node().force_update()
            model.frame = at
            model.changed = stamp
            moved = True
        if moved:
            self.version = stamp
        return moved

    def moved_in_view(self, since: int, camera: Any, lens: Any, root: Any) -> bool:
        """Whether a model ``camera`` can see changed its pose after :attr:`version`
        ``since`` (what the view last drew)."""
        return any(
            model.changed > since and model.in_view(camera, lens, root)
            for model in self._models.values()
        )


def _period(model: _Model, name: str) -> float:
    """Seconds before animation ``name`` of ``model`` repeats (its longest part)."""
    spans = [float(c.get_num_frames() / c.get_frame_rate()) for c in model.controls.get(name, ())]
    if model.tracks is not None and name in model.tracks.clips:
        spans.append(model.tracks.clips[name].duration)
    return max([*spans, 1e-6])


def _length(model: _Model, name: str) -> float:
    """Seconds from the first pose of animation ``name`` to its last."""
    controls = model.controls.get(name, ())
    spans = [float((c.get_num_frames() - 1) / c.get_frame_rate()) for c in controls]
    if model.tracks is not None and name in model.tracks.clips:
        spans.append(model.tracks.clips[name].duration)
    return max([*spans, 0.0])

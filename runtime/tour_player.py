"""Playing a guided tour: which step, where the camera is on its flight, when to move on.

Pure and clock-driven (``now`` is passed in), so it is tested without waiting: the session
asks ``view(now)`` for every frame and ``advance(now)`` to move on after a step's dwell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from museion.runtime.camera import ViewState, interpolate, view_from_pose
from museion.scenes.document.model import ModelCamera, Pose, Tour, TourPlay, TourStep

__all__ = ["FLIGHT_SECONDS", "TourPlayer"]

FLIGHT_SECONDS = 1.6


@dataclass
class TourPlayer:
    """One visitor's progress through ``tour``; ``exhibit_views`` frames each exhibit;
    ``on_play`` starts the animation a step asks for when the step is reached (the engine's
    :meth:`~museion.runtime.engine.RenderEngine.play_animation`); ``camera_views`` is where
    each glTF camera a step rests on looks from (the engine's ``camera_views``)."""

    tour: Tour
    exhibit_views: dict[str, ViewState]
    on_play: Callable[[TourPlay], None] | None = None
    camera_views: Mapping[ModelCamera, ViewState] = field(default_factory=dict)
    index: int = 0
    playing: bool = True
    _from: ViewState | None = None
    _flight_start: float = 0.0
    _step_start: float = 0.0
    _paused_at: float | None = None

    @property
    def step(self) -> TourStep:
        return self.tour.steps[self.index]

    def step_view(self, step: TourStep) -> ViewState:
        """Where the camera rests for ``step``."""
        camera = step.camera
        if isinstance(camera, Pose):
            return view_from_pose(camera.position, camera.target, camera.fov)
        if isinstance(camera, ModelCamera):
            # Absent only when its exhibit's model failed to load: frame the exhibit instead.
            found = self.camera_views.get(camera)
            return found if found is not None else self.exhibit_views[camera.exhibit]
        assert step.exhibit is not None  # the loader requires an exhibit or a camera
        return self.exhibit_views[step.exhibit]

    def start(self, current: ViewState, now: float, index: int = 0) -> None:
        """Fly from ``current`` to step ``index``."""
        self.index = max(0, min(index, len(self.tour.steps) - 1))
        self._from = current
        self._flight_start = self._step_start = now
        self._paused_at = None if self.playing else now
        play = self.step.play
        if play is not None and self.on_play is not None:
            self.on_play(play)

    def view(self, now: float) -> ViewState:
        """The camera at ``now``: on its flight to the step, then resting there."""
        target = self.step_view(self.step)
        if self._from is None:
            return target
        return interpolate(self._from, target, (now - self._flight_start) / FLIGHT_SECONDS)

    def due(self, now: float) -> bool:
        """True when a playing tour has dwelt long enough on its step to move on."""
        if not self.playing:
            return False
        return now - self._step_start >= FLIGHT_SECONDS + self.step.dwell

    def go(self, delta: int, now: float) -> bool:
        """Move ``delta`` steps (from where the camera is now); False past either end."""
        index = self.index + delta
        if not 0 <= index < len(self.tour.steps):
            return False
        self.start(self.view(now), now, index)
        return True

    def pause(self, now: float) -> None:
        if self.playing:
            self.playing = False
            self._paused_at = now

    def resume(self, now: float) -> None:
        if not self.playing:
            self.playing = True
            if self._paused_at is not None:  # the dwell counts only while playing
                self._step_start += now - self._paused_at
            self._paused_at = None

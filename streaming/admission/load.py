"""How busy the render thread is, measured from the visitors' own frames.

Every visitor frame is made by a job on the engine's render executor; each session's
:class:`MeteredExecutor` in front of it times its jobs.  Over the last few seconds, summed
over the sessions open now, that gives the thread's busy share and what one rendered frame
costs, so admission can ask the question that matters: could one more visitor, moving,
get ``fps`` frames a second while everyone already moving keeps theirs?  The measure
includes everything that slows a render (llvmpipe's threads, encoders on the same cores),
so it follows the machine.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

__all__ = ["DEFAULT_FRAME_COST", "MeteredExecutor", "RenderLoad"]

T = TypeVar("T")

WINDOW = 3.0  # seconds over which the load is measured
RENDER_FLOOR = 0.002  # a job shorter than this re-sent an unchanged picture: not a render
DEFAULT_FRAME_COST = 0.025  # seconds, a 720p frame on llvmpipe, until one is measured
HEADROOM = 0.9  # of the thread's time admission may plan for


class RenderLoad:
    """The render jobs of the last :data:`WINDOW` seconds of every open session (a
    session's meter is forgotten when it ends, and its load with it)."""

    def __init__(
        self,
        capacity: int = 1,
        clock: Callable[[], float] = time.monotonic,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.capacity = max(1, capacity)
        self.clock = clock  # when a job ended
        self.timer = timer  # how long it took
        self._meters: set[MeteredExecutor] = set()

    def meter(self, executor: Executor) -> MeteredExecutor:
        """``executor`` metered for one session, until :meth:`forget`."""
        meter = MeteredExecutor(executor, self.clock, self.timer)
        self._meters.add(meter)
        return meter

    def forget(self, meter: MeteredExecutor) -> None:
        self._meters.discard(meter)

    def _recent(self) -> list[float]:
        horizon = self.clock() - WINDOW
        return [seconds for meter in list(self._meters) for seconds in meter.since(horizon)]

    def busy(self) -> float:
        """The render threads' busy share (0 idle, 1 every thread always busy)."""
        return min(1.0, sum(self._recent()) / (WINDOW * self.capacity))

    def frame_cost(self) -> float:
        """Seconds one rendered frame takes now (a prior until frames were rendered)."""
        renders = [s for s in self._recent() if s >= RENDER_FLOOR]
        return sum(renders) / len(renders) if renders else DEFAULT_FRAME_COST

    def room_for(self, fps: int) -> bool:
        """Whether one more visitor moving at ``fps`` fits beside the load of now."""
        return self.busy() + self.frame_cost() * fps / self.capacity <= HEADROOM

    def figures(self) -> dict[str, float]:
        return {"busy": round(self.busy(), 3), "frame_cost": round(self.frame_cost(), 4)}


class MeteredExecutor(Executor):
    """``executor`` with each job's time kept (one session's frames)."""

    def __init__(
        self, executor: Executor, clock: Callable[[], float], timer: Callable[[], float]
    ) -> None:
        self._executor = executor
        self._clock = clock
        self._timer = timer
        self._jobs: collections.deque[tuple[float, float]] = collections.deque()
        self._lock = threading.Lock()

    def since(self, horizon: float) -> list[float]:
        """The durations of the jobs that ended after ``horizon`` (older ones dropped)."""
        with self._lock:
            while self._jobs and self._jobs[0][0] < horizon:
                self._jobs.popleft()
            return [seconds for _, seconds in self._jobs]

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        def timed() -> T:
            started = self._timer()
            try:
                return fn(*args, **kwargs)
            finally:
                took = self._timer() - started
                with self._lock:
                    self._jobs.append((self._clock(), took))

        return self._executor.submit(timed)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """The engine's executor is the engine's to shut down."""

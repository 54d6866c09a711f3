"""Who may open a gallery session now: the render load, the waiting room and its passes."""

from museion.streaming.admission.load import MeteredExecutor, RenderLoad
from museion.streaming.admission.routes import (
    ADMISSION_KEY,
    add_admission_routes,
    run_waiting_room,
)
from museion.streaming.admission.waiting import PASS_HEADER, Waiter, WaitingRoom

__all__ = [
    "ADMISSION_KEY",
    "PASS_HEADER",
    "MeteredExecutor",
    "RenderLoad",
    "Waiter",
    "WaitingRoom",
    "add_admission_routes",
    "run_waiting_room",
]

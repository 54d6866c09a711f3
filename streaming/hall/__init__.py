"""A hall: every exhibition of a folder served at ``/e/<id>/``, published without a restart."""

from museion.streaming.hall.catalog import Catalog, Entry, valid_id
from museion.streaming.hall.hall import HALL_KEY, Generation, Hall, MountedExhibitions
from museion.streaming.hall.routes import make_hall_app, serve_hall

__all__ = [
    "HALL_KEY",
    "Catalog",
    "Entry",
    "Generation",
    "Hall",
    "MountedExhibitions",
    "make_hall_app",
    "serve_hall",
    "valid_id",
]

"""Docent-led tours: one docent's rendered view relayed to many followers as a live
stream, with a room beside it for what the docent shows, chat and raised hands."""

from museion.streaming.tours.docent import DocentSession, docent_request, open_tour
from museion.streaming.tours.routes import TOURS_KEY, add_tour_routes
from museion.streaming.tours.tour import Follower, Tour

__all__ = [
    "TOURS_KEY",
    "DocentSession",
    "Follower",
    "Tour",
    "add_tour_routes",
    "docent_request",
    "open_tour",
]

"""What a visit's answers look like on the datachannel: JSON messages the page knows, with
the document's media names turned into URLs it can fetch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from museion.runtime.picking import HotspotMark
from museion.runtime.resume import whereabouts
from museion.runtime.view_commands import Resume
from museion.runtime.visit import ModeChanged, Picked, TourLeft, TourStepShown, Visit

__all__ = [
    "WhereTeller",
    "event_message",
    "marks_message",
    "media_url",
    "picked_message",
    "where_message",
    "with_media_urls",
]


def media_url(name: str) -> str:
    """Where the page fetches the recording or image the document calls ``name``."""
    return "/media/" + quote(name)


def with_media_urls(label: dict[str, Any]) -> dict[str, Any]:
    """A label whose hotspot images are URLs the page can show."""
    hotspots = [
        {**h, "image": media_url(h["image"])} if h.get("image") else h
        for h in label.get("hotspots", [])
    ]
    return {**label, "hotspots": hotspots}


def _audio_urls(audio: str | dict[str, str] | None) -> str | dict[str, str] | None:
    """A step's recordings as URLs the page can play (served by ``server.media``)."""
    if isinstance(audio, dict):
        return {tag: media_url(name) for tag, name in audio.items()}
    return None if audio is None else media_url(audio)


def event_message(event: ModeChanged | TourStepShown | TourLeft) -> dict[str, Any]:
    """The message telling the page of ``event`` (a refusal is an error reply instead)."""
    if isinstance(event, ModeChanged):
        return {
            "type": "mode",
            "mode": event.mode,
            "exhibit": event.exhibit,
            "can_walk": event.can_walk,
        }
    if isinstance(event, TourStepShown):
        return {
            "type": "tour",
            "tour": event.tour,
            "state": "playing" if event.playing else "paused",
            "step": event.step,
            "steps": event.steps,
            "narration": event.narration,
            "exhibit": event.exhibit,
            "audio": _audio_urls(event.audio),
        }
    return {"type": "tour", "tour": event.tour, "state": event.state}


def picked_message(hit: Picked, seq: int | None) -> dict[str, Any]:
    """The answer to a click or a controller's ray: what it hit, with its label."""
    reply: dict[str, Any] = {"type": "picked", "seq": seq, "exhibit": None, "hotspot": None}
    if hit.exhibit is not None and hit.point is not None:
        reply.update(
            exhibit=hit.exhibit, hotspot=hit.hotspot, point=[round(c, 4) for c in hit.point]
        )
        if hit.label is not None:
            reply["label"] = with_media_urls(hit.label)
    return reply


def marks_message(
    marks: list[HotspotMark],
    size: tuple[int, int],
    rtp: int | None,
    near: Callable[[HotspotMark], bool],
) -> dict[str, Any]:
    """Where each hotspot is in the frame of RTP timestamp ``rtp`` (fractions of its
    ``size``), shown only when it can be seen and is ``near`` the visitor."""
    width, height = size
    return {
        "type": "hotspots",
        "rtp": rtp,
        "marks": [
            {
                "exhibit": m.exhibit,
                "hotspot": m.hotspot,
                "x": round(m.x / width, 4),
                "y": round(m.y / height, 4),
                "visible": m.visible and near(m),
            }
            for m in marks
        ],
    }


def where_message(where: Resume) -> dict[str, Any]:
    """Where the visitor is (the page keeps the newest and, on another node after a
    failover, sends it back as a ``resume`` command: the same fields)."""
    message: dict[str, Any] = {"type": "where", "mode": where.mode}
    if where.position is not None:
        message["at"] = [round(c, 4) for c in where.position]
        message["heading"] = round(where.heading, 3)
        message["look"] = round(where.look, 3)
    if where.exhibit is not None:
        message["exhibit"] = where.exhibit
    if where.view is not None:
        message["view"] = [round(c, 4) for c in where.view]
    if where.tour is not None:
        message["tour"], message["step"] = where.tour, where.step
    return message


class WhereTeller:
    """Tells the page where its visitor is when that changed, at most every ``every``
    seconds (it is checked as each frame goes out)."""

    def __init__(self, send: Callable[[dict[str, Any]], None], every: float = 0.5) -> None:
        self._send = send
        self._every = every
        self._told: Resume | None = None
        self._at = -math.inf

    def tell(self, visit: Visit, now: float) -> None:
        if now - self._at < self._every:
            return
        where = whereabouts(visit)
        if where != self._told:
            self._told, self._at = where, now
            self._send(where_message(where))

"""What a visit's answers look like on the datachannel: JSON messages the page knows, with
the document's media names turned into URLs it can fetch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from museion.runtime.picking import HotspotMark
from museion.runtime.visit import ModeChanged, Picked, TourLeft, TourStepShown

__all__ = ["event_message", "marks_message", "media_url", "picked_message", "with_media_urls"]


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

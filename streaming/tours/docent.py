"""A docent's gallery session, and the tour it leads: one render, one encode, many followers.

The docent is a visitor (:class:`Session`) whose encoder hands each encoded frame to the
live stream ``tour-<id>`` (:func:`open_tour`), whose microphone (Opus) is passed through
to it unchanged, and whose datachannel also carries the tour's messages (chat, lowering a
hand, closing the shared label).  Followers are live viewers of that stream: they cost a
relay viewer, not a render.  The tour lives on the docent's reservation: when the docent
leaves (DELETE, a closed tab, shutdown) every follower is told and let go.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from typing import Any

from aiortc import sdp

from museion.streaming.errors import AuthorizationRequired, TokenRejected, TourMessageError
from museion.streaming.live.encoded_media import tap_receiver
from museion.streaming.live.registry import LiveRegistry, Publisher, feed_pool
from museion.streaming.live.stream import EncodedFrame
from museion.streaming.negotiation import answer_publisher
from museion.streaming.passes import DOCENT_TOKEN_ID
from museion.streaming.reservation import Reservation
from museion.streaming.settings import StreamSettings
from museion.streaming.tours.room import clean_text, parse_docent_message
from museion.streaming.tours.tour import Tour
from museion.streaming.visit.session import Session

__all__ = ["DEFAULT_TITLE", "ENDED", "DocentSession", "docent_request", "open_tour"]

logger = logging.getLogger(__name__)

DEFAULT_TITLE = "Guided tour"
MAX_TITLE_CHARS = 80
ENDED = "The docent has left; the tour has ended."
H264_PROFILE = "42e01f"  # what aiortc's H.264 encoder makes: Constrained Baseline 3.1


def docent_request(settings: StreamSettings, header: str | None, asked: bool) -> bool:
    """Whether a gallery offer is a docent's: it carries a bearer token (or asked with
    ``?docent``).  A docent's token must be ``docent_token`` or one the studio signed:
    none is 401, another 403."""
    if header is None and not asked:
        return False
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthorizationRequired("Leading a tour needs 'Authorization: Bearer <docent token>'.")
    expected = settings.docent_token
    try:
        given = token.strip().encode("ascii")
    except UnicodeEncodeError:
        given = b""
    signed = settings.signed_token(given, DOCENT_TOKEN_ID)
    if not signed and (expected is None or not hmac.compare_digest(given, expected.encode())):
        raise TokenRejected("This token may not lead a tour.")
    return True


class DocentSession(Session):
    """A visitor's session whose view, voice and words go to a tour's followers."""

    tour: Tour | None = None
    _on_audio: Any = None
    takes_poses = False  # followers get one flat picture: two eyes side by side would not do

    def offer_taken(self, offer: sdp.SessionDescription) -> None:
        """Answer the docent's microphone with the Opus it sends, frames to the tour."""
        offered = {media.rtp.muxId: media.rtp.codecs for media in offer.media}
        for transceiver in self.pc.getTransceivers():
            if transceiver.kind == "audio":
                answer_publisher(transceiver, offered.get(transceiver.mid or "", []))
                tap_receiver(transceiver.receiver, self._audio)

    @property
    def has_microphone(self) -> bool:
        return any(t.kind == "audio" for t in self.pc.getTransceivers())

    def _audio(self, codec: str, data: bytes, timestamp: int) -> None:
        if self._on_audio is not None and codec.lower() == "opus":
            self._on_audio(data, timestamp)

    def send(self, message: dict[str, Any]) -> None:
        """Tell the docent's page ``message`` (its greeting names the tour they lead);
        what followers see too goes to the tour."""
        if self.tour is not None and message.get("type") == "hello":
            message = {**message, "leading": self.tour.summary()}
        super().send(message)
        if self.tour is not None:
            self.tour.docent_told(message)

    def handle_other(self, raw: str | bytes) -> bool:
        """The tour's messages (chat, lower a hand, close the label)."""
        if self.tour is None:
            return False
        try:
            message = parse_docent_message(raw, self.settings.max_chat_chars)
        except TourMessageError as exc:
            if exc.code == "MESSAGE_UNKNOWN":
                return False
            self._refuse(None, exc.code, exc.message)
            return True
        self.tour.from_docent(message)
        return True

    async def _tick(self, tour: Tour) -> None:
        while tour.ended is None:
            tour.tick()
            await asyncio.sleep(1.0)


def open_tour(
    session: DocentSession,
    live: LiveRegistry,
    tours: dict[str, Tour],
    exhibition: dict[str, Any],
    title: str | None,
) -> Tour:
    """Start the tour ``session`` leads: its live stream, relay feed and room, all ended
    with the session (and each given back if a step fails)."""
    loop = asyncio.get_running_loop()
    held = Reservation("docent tour")
    session.held.add(held.release)  # if a step below raises, the session's release ends it
    tour_id = secrets.token_urlsafe(6)
    while f"tour-{tour_id}" in live.streams:
        tour_id = secrets.token_urlsafe(6)
    stream = live.claim_stream(f"tour-{tour_id}", held)
    codec = session.settings.codec
    encoder = session.encoder
    if encoder is None:
        raise RuntimeError("a docent's session needs our encoder to share its frames")

    def keyframe() -> None:
        encoder.keyframe_wanted = True

    profile = H264_PROFILE if codec == "H264" else None
    stream.start(codec, keyframe, None, profile)
    stream.has_audio = session.has_microphone
    stream.listed = False  # GET /tours lists it, with its title and languages
    publisher = Publisher(f"docent-{tour_id}", stream, session.pc, held)
    live.publishers[publisher.id] = publisher
    held.add(lambda: live.publishers.pop(publisher.id, None))
    if live.pool is not None:
        feed_pool(live.pool, publisher, codec, profile)
        live.spawn(live.pool.start())

    def publish(frame: EncodedFrame) -> None:
        if stream.live:
            stream.publish(frame)

    def tap(data: bytes, timestamp: int, keyframe: bool, payloads: list[bytes]) -> None:
        frame = EncodedFrame(data, timestamp, keyframe, tuple(payloads))
        loop.call_soon_threadsafe(publish, frame)

    encoder.tap = tap
    held.add(lambda: setattr(encoder, "tap", None))

    def publish_audio(data: bytes, timestamp: int) -> None:
        if stream.live:
            stream.publish_audio(data, timestamp)

    session._on_audio = publish_audio

    def retime(rtp: int) -> int | None:
        """The docent's RTP timestamp of a frame as the relay stamps it for followers."""
        origin = session.rtp_origin
        return None if origin is None else (rtp - origin + stream.rtp_origin) % 2**32

    tour = Tour(
        tour_id,
        clean_text(title or "", MAX_TITLE_CHARS) or DEFAULT_TITLE,
        exhibition,
        lambda message: Session.send(session, message),
        lambda: live.watching(stream),
        session.settings.chat_per_minute,
        retime,
    )
    tours[tour.id] = tour
    held.add(lambda: tours.pop(tour.id, None))
    held.add(lambda: tour.end(ENDED, "DOCENT_LEFT"))
    session.held.add(lambda: live.end_publisher(publisher, ENDED))
    session.tour = tour
    session._spawn(session._tick(tour))
    logger.info("tour %s (%s) led by session %s", tour.id, tour.title, session.label)
    return tour

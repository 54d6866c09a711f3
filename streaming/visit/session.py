"""One visitor's WebRTC session: peer connection, view, track, datachannel, clean-up.

The session is the transport: what the visitor does (walk, orbit, tours, picks) is
decided by their :class:`~museion.runtime.visit.Visit`; the session rate-limits the
datachannel, parses its messages and turns the visit's answers into JSON messages.

A session ends by ``DELETE``, by ICE failing (consent lost: the tab vanished), by never
connecting, by a flood of messages, or by server shutdown; each path runs the same
:meth:`Session.close`, which releases its :class:`Reservation`: the peer connection, the
render view, its place and every task, each even when another fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Coroutine
from concurrent.futures import Executor
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription, sdp
from aiortc.rtcdatachannel import RTCDataChannel

from museion.runtime.camera import ViewState, fitted
from museion.runtime.engine import RenderEngine
from museion.runtime.frame_source import Frame, FrameSource
from museion.runtime.navigation import Navigator
from museion.runtime.view_commands import PickAt, PickRay, Walk
from museion.runtime.visit import Refusal, Visit, VisitEvent
from museion.streaming.errors import CommandError, SdpMalformed
from museion.streaming.ice import announce_candidates, rtc_configuration
from museion.streaming.metrics import LinkFigures, VisitMetrics
from museion.streaming.negotiation import offer_refusals, preferred_codecs
from museion.streaming.peer_watch import watch_peer
from museion.streaming.reservation import Reservation
from museion.streaming.settings import StreamSettings
from museion.streaming.visit.commands import (
    Language,
    ParsedCommand,
    Screen,
    Shown,
    parse_command,
)
from museion.streaming.visit.encoders import (
    RenderedH264Encoder,
    RenderedVp8Encoder,
    install_encoder,
)
from museion.streaming.visit.headset import Headset, HeadsetFrame
from museion.streaming.visit.messages import WhereTeller, event_message, picked_message
from museion.streaming.visit.overlays import Overlays
from museion.streaming.visit.pose import KeptPose, PoseKeeper
from museion.streaming.visit.quality import Quality
from museion.streaming.visit.rate_limit import ERROR_REPLIES, FLOOD_GRACE, RateLimit
from museion.streaming.visit.track import OwnRender, ViewTrack

__all__ = ["Session"]

logger = logging.getLogger(__name__)


class Session:
    """A visitor's stream; made by :meth:`start`, ended by :meth:`close`."""

    def __init__(
        self,
        engine: RenderEngine,
        source: FrameSource,
        settings: StreamSettings,
        held: Reservation,
        start_at: str | None = None,
        metrics: VisitMetrics | None = None,
        executor: Executor | None = None,
    ) -> None:
        """``held`` already holds the visitor's place and ``source``; the session adds its
        peer connection and tasks, and releases it all in :meth:`close`.  Frames are made
        on ``executor`` (the engine's render thread, metered for admission), by default
        the engine's own."""
        self.id = secrets.token_urlsafe(16)
        self.label = hashlib.sha256(self.id.encode()).hexdigest()[:8]
        """Stands for the session in metrics and logs without naming its id (the id is
        what ends it)."""
        self.engine = engine
        self.settings = settings
        self.source = source
        self.visit = Visit(engine, time.monotonic(), start_at, settings.hotspot_range)
        self.pc = RTCPeerConnection(rtc_configuration(settings))
        self.started = time.monotonic()
        self._replies = RateLimit(ERROR_REPLIES)
        self.poses = PoseKeeper(lambda code, text: self._refuse(None, code, text), self.label)
        """A headset's newest pose, from the ``pose`` datachannel (WebXR pages open it)."""
        self.headset = Headset(
            engine, self.visit, self.poses, settings.width * settings.height, settings.headset_fps
        )
        """While poses arrive, frames are the headset's two eyes."""
        self.overlays = Overlays(
            engine, source, settings, self.id, self.visit, self.headset, self.send
        )
        """The hotspot marks and the restricted exhibits' cover sent with each picture."""
        overlays = self.overlays
        self.track = ViewTrack(
            source,
            executor or engine.executor,
            self.current_view,
            settings.fps,
            stamp_clock=settings.stamp_clock,
            idle_fps=settings.idle_fps,
            after_render=overlays.after_render if overlays.wanted else None,
            on_frame=self._on_frame,
            on_render=None if metrics is None else metrics.rendered,
            own_render=self._own_render,
            mark=overlays.marker(settings, self.id),
        )
        self._metrics = metrics
        self._where = WhereTeller(self.send)
        # The camera of each recent new picture by its pts (for tests and diagnostics).
        self.pictures: deque[tuple[int, ViewState]] = deque(maxlen=600)
        self.channel: RTCDataChannel | None = None
        self.commands_applied = 0
        self.closed = asyncio.Event()
        self.end_reason: str | None = None
        self._closing = False
        self.held = held
        self._limit = RateLimit(settings.max_commands_per_second)
        self._tasks: set[asyncio.Future[None]] = set()
        self._sender: Any = None
        # Ours, once answered (None: aiortc's own).
        self.encoder: RenderedVp8Encoder | RenderedH264Encoder | None = None
        self.quality = Quality(self)
        """The stream's size and frame rate, following the visitor's link and screen."""
        held.add(self.pc.close)
        held.add(self._stop)
        held.add(
            lambda: asyncio.get_running_loop().run_in_executor(engine.executor, self.headset.close)
        )
        self.pc.on("datachannel", self._on_datachannel)

    async def answer(self, offer_sdp: str, offer: sdp.SessionDescription) -> str:
        """Negotiate: the offer (text and parsed) in, the answer with candidates out."""
        wanted = f"video/{self.settings.codec}".lower()
        offered = {
            c.mimeType.lower() for m in offer.media if m.kind == "video" for c in m.rtp.codecs
        }
        if wanted not in offered:
            raise SdpMalformed(
                f"The offer does not accept {self.settings.codec} video, which this server sends."
            )
        transceiver = self.pc.addTransceiver(self.track, direction="sendonly")
        capabilities = RTCRtpSender.getCapabilities("video").codecs
        # H.264: the profile aiortc's encoder makes.
        transceiver.setCodecPreferences(preferred_codecs(capabilities, self.settings.codec))
        on_encode = None if self._metrics is None else self._metrics.encoded
        self.encoder = install_encoder(transceiver.sender, self.settings, on_encode)
        self._sender = transceiver.sender
        with offer_refusals():
            await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            self.offer_taken(offer)
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        watch_peer(
            self.pc, self.settings.connect_timeout, self.close, self.held, f"session {self.id}"
        )
        self._spawn(self.quality.listen())
        return announce_candidates(self.pc.localDescription.sdp, self.settings)

    takes_poses = True
    """A headset may drive this session's view (a docent's, relayed flat, may not)."""

    def offer_taken(self, offer: sdp.SessionDescription) -> None:
        """Between the offer and the answer: a docent's session answers its microphone
        here; a visitor's has nothing to add."""

    def handle_other(self, raw: str | bytes) -> bool:
        """A message that is no view command: False, and it is refused as unknown (a
        docent's session takes its tour messages here)."""
        return False

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        if channel.label == "pose" and self.poses.channel is None and self.takes_poses:
            self.poses.attach(channel)
            return
        if self.channel is not None:  # one "view" channel a visitor; more cost us tasks
            logger.info("session %s: closing extra datachannel %r", self.id, channel.label[:40])
            channel.close()
            return
        self.channel = channel

        @channel.on("open")
        def _open() -> None:
            self.send(
                {
                    "type": "hello",
                    "session": self.id,
                    "width": self.quality.base[0],
                    "height": self.quality.base[1],
                    **self.engine.exhibition_info(),
                }
            )
            self._tell([self.visit.greeting()], None)

        channel.on("message", self.handle_message)
        if self.engine.has_hotspots:
            self._spawn(self._resend_hotspots())
        if channel.readyState == "open":
            _open()

    def send(self, message: dict[str, Any]) -> None:
        """Send a JSON message to the visitor if the channel is open."""
        if self.channel is not None and self.channel.readyState == "open":
            self.channel.send(json.dumps(message, separators=(",", ":")))

    def handle_message(self, raw: str | bytes) -> None:
        """Apply one view command, or answer with an error; never ends the session."""
        # Dropped first, before any parsing: an excess message costs a counter.
        if not self._limit.allow():
            self._drop()
            return
        try:
            parsed = parse_command(raw)
        except CommandError as exc:
            if exc.code != "COMMAND_UNKNOWN" or not self.handle_other(raw):
                self._refuse(exc.seq, exc.code, exc.message)
            return
        try:
            self._apply(parsed)
        except Exception:  # a bug on one message must not end the visitor's session
            logger.exception("session %s: a view command failed", self.id)
            self._refuse(parsed.seq, "COMMAND_FAILED", "That command could not be applied.")

    def _drop(self) -> None:
        """One message over the rate: warn once a second; close a channel that floods (and
        end the session if the close has not gone through in time)."""
        now = time.monotonic()
        channel = self.channel
        if channel is None or not self._limit.flooding:
            if now - self._limit.warned_at >= 1.0:
                self._limit.warned_at = now
                self._refuse(None, "COMMAND_RATE_LIMITED", "Too many view commands; dropped.")
            return
        if channel.readyState == "open":
            logger.warning(
                "session %s: datachannel flooding (%d dropped); closing it",
                self.id,
                self._limit.dropped,
            )
            self.send(  # past the replies' own limit: the last thing the channel carries
                {
                    "type": "error",
                    "code": "COMMAND_FLOOD",
                    "message": "Too many view commands; controls are closed.",
                    "seq": None,
                }
            )
            channel.close()
            self._spawn(self._end_if_still_flooding())

    async def _end_if_still_flooding(self) -> None:
        """A channel whose close has not gone through in time (the client ignored the
        stream reset, or never got it behind its own flood) takes the session with it: a
        socket closed costs nothing, a flood on a half-closed channel costs a core."""
        await asyncio.sleep(FLOOD_GRACE)
        if self.channel is not None and self.channel.readyState != "closed":
            await self.close("datachannel flood")

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        if self._closing:
            coroutine.close()
            return
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _apply(self, parsed: ParsedCommand) -> None:
        command = parsed.command
        if isinstance(command, Language):
            if self.overlays.speak(command.tag):
                self.track.remake()
            return
        if isinstance(command, Screen):
            self.quality.screen(command)
            return
        if isinstance(command, Shown):
            self.headset.shown(command.late)
            return
        if isinstance(command, PickAt | PickRay):
            self._spawn(self._pick(command, parsed.seq))
            self.commands_applied += 1
            return
        events = self.visit.apply(command, time.monotonic())
        self._tell(events, parsed.seq)
        refused_step = isinstance(command, Walk) and any(isinstance(e, Refusal) for e in events)
        if not refused_step:  # counted as before the visit moved: all but a refused step
            self.commands_applied += 1

    def _tell(self, events: list[VisitEvent], seq: int | None) -> None:
        """Each of the visit's answers as the message the page knows."""
        for event in events:
            if isinstance(event, Refusal):
                self._refuse(seq, event.code, event.message)
            else:
                self.send(event_message(event))

    @property
    def view(self) -> ViewState:
        """The camera now (a tour's, or the visitor's own), without advancing the tour."""
        return self.visit.view(time.monotonic())

    @property
    def pose(self) -> KeptPose | None:
        """The headset's newest pose and its arrival (None: no headset, or none yet)."""
        return self.poses.kept

    @property
    def nav(self) -> Navigator:
        """The visitor's own camera (walking or orbiting), for tests and diagnostics."""
        return self.visit.nav

    def _refuse(self, seq: int | None, code: str, message: str) -> None:
        """An error message to the visitor, at most ``ERROR_REPLIES`` a second: a flood of
        bad messages must not become a flood of replies queued ahead of everything."""
        if not self._replies.allow():
            return
        self.send({"type": "error", "code": code, "seq": seq, "message": message})

    def current_view(self) -> ViewState:
        """The camera for the next frame: the visitor's, or the tour's on its way."""
        view, events = self.visit.next_view(time.monotonic())
        self._tell(events, None)
        return view

    def _own_render(self) -> OwnRender | None:
        """A headset's render for this slot, if any: both eyes, then (on the render thread,
        before the frame is marked) where its restricted exhibits are in each eye."""
        job = self.headset.job()
        if job is None:
            return None

        def rendered() -> tuple[Frame, HeadsetFrame]:
            image, about = job()
            self.overlays.after_stereo(self.headset.view)
            return image, about

        return rendered

    def _on_frame(self, pts: int, marked: Any, view: ViewState) -> None:
        """Called as each frame goes to the encoder: count it, tell the page where the
        visitor is, and send a new picture's hotspot marks (:class:`Overlays`)."""
        self.overlays.timed(pts, self._sender)
        if self._metrics is not None:
            self._metrics.sent()
        self._where.tell(self.visit, time.monotonic())  # the page keeps it for a failover
        if marked is not None and not isinstance(marked, HeadsetFrame):
            self.pictures.append((pts, view))
        self.overlays.send_marks(pts, marked, view)

    async def link_figures(self) -> LinkFigures:
        """The video link as RTCP tells it, and the stream's shape (for metrics)."""
        return await self.quality.figures(self.label, self.track.frames_sent)

    @property
    def sender(self) -> Any:
        """The video's RTCRtpSender (None until answered)."""
        return self._sender

    @property
    def rtp_origin(self) -> int | None:
        """What aiortc adds to our pts to make RTP timestamps (None until a frame went out)."""
        return self.overlays.rtp_origin

    async def _resend_hotspots(self) -> None:
        """Repeat the latest marks once a second (a page that missed them catches up)."""
        while not self._closing:
            await asyncio.sleep(1.0)
            self.overlays.resend()

    async def _pick(self, at: PickAt | PickRay, seq: int | None) -> None:
        """Ray-cast the click in this visitor's own view (or a headset controller's ray);
        answer with what it hit."""
        width, height = self.track.size  # the frame the visitor is looking at
        view = fitted(self.visit.shown, width, height)
        loop = asyncio.get_running_loop()
        if isinstance(at, PickRay):
            found = await loop.run_in_executor(self.engine.executor, self.visit.pick_local, at)
            if isinstance(found, Refusal):
                self._refuse(seq, found.code, found.message)
                return
            hit = found
        else:
            hit = await loop.run_in_executor(
                self.engine.executor, self.visit.pick, at, width, height, view
            )
        self.send(picked_message(hit, seq))

    def _stop(self) -> None:
        """No more frames, messages or tasks (the first step of every ending)."""
        self._closing = True
        self.track.stop()
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()

    async def close(self, reason: str = "closed") -> None:
        """Free everything this session holds; safe to call more than once."""
        if self.end_reason is not None:
            await self.closed.wait()
            return
        self.end_reason = reason
        logger.info("session %s ends: %s", self.id, reason)
        await self.held.release()
        self.closed.set()

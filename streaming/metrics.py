"""``GET /metrics``: what the gallery and the live relay hold and do, for Prometheus.

What the server holds (sessions by kind, places, render views, live streams and their
viewers) is read from its own state when scraped, so the figures cannot drift from it;
what happens per frame (a render, a frame sent) is counted as it happens.  Each
application has its own registry, so two servers in one process never mix their figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as _generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = [
    "CONTENT_TYPE",
    "SESSION_KINDS",
    "Held",
    "LinkFigures",
    "Metrics",
    "StreamFigures",
    "VisitMetrics",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The text format every Prometheus reads (2.x and 3.x); our names need no escaping."""
SESSION_KINDS = ("visitor", "headset", "docent", "follower", "live_viewer", "waiting")
"""Every kind is always reported (0 until the server has one), so dashboards keep their
series."""

# A view renders in ~25 ms at 720p on llvmpipe and in ~10 ms at preview size; the buckets
# tell a 30 fps budget (33 ms) from a missed one.
_RENDER_BUCKETS = (0.005, 0.01, 0.02, 0.033, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0)


@dataclass(frozen=True)
class StreamFigures:
    """One live stream, as its registry knows it."""

    name: str
    viewers: int
    frames_in: int
    bytes_in: int
    bytes_out: int = 0  # to all its viewers, wherever they are served
    layers: list[dict[str, object]] = field(default_factory=list)  # simulcast, best first


@dataclass(frozen=True)
class LinkFigures:
    """One visitor's video link as RTCP tells it; ``label`` stands for the session without
    naming its id (the id is the capability to end it)."""

    label: str
    bytes_sent: int
    packets_lost: int
    round_trip: float | None
    frames_sent: int = 0  # its rate is the visitor's frame rate
    rung: tuple[int, int, int] = (0, 0, 0)  # the stream's width, height and fps now


@dataclass(frozen=True)
class Held:
    """What the server holds at one moment."""

    sessions: dict[str, int]
    places_in_use: int
    max_sessions: int
    views_in_use: int
    publishers: int
    streams: list[StreamFigures] = field(default_factory=list)
    links: list[LinkFigures] = field(default_factory=list)
    render_busy: float = 0.0  # the render threads' busy share, last few seconds


@dataclass(frozen=True)
class VisitMetrics:
    """What a visitor's video track reports as it happens."""

    renders: Histogram
    encodes: Histogram
    frames: Counter

    def rendered(self, seconds: float) -> None:
        """A frame was rendered (or found unchanged) for a visitor in ``seconds``."""
        self.renders.observe(seconds)

    def encoded(self, seconds: float) -> None:
        """A visitor's frame was encoded in ``seconds`` (on aiortc's encoder thread)."""
        self.encodes.observe(seconds)

    def sent(self) -> None:
        self.frames.inc()


class _Exposition(Collector):
    """One scrape: the counters as they stand, then what the server holds (read by the
    caller just before: a visitor's RTCP figures are read asynchronously, a collector is
    not)."""

    def __init__(self, counted: CollectorRegistry, held: Held) -> None:
        self._counted = counted
        self._held = held

    def collect(self) -> Iterator[Metric]:
        yield from self._counted.collect()
        held = self._held
        yield from self._links_families(held.links)
        sessions = GaugeMetricFamily(
            "museion_sessions", "Sessions open now, by kind.", labels=["kind"]
        )
        for kind in SESSION_KINDS:
            sessions.add_metric([kind], held.sessions.get(kind, 0))
        yield sessions
        yield GaugeMetricFamily(
            "museion_places_in_use",
            "Gallery places taken (each an own render).",
            value=held.places_in_use,
        )
        yield GaugeMetricFamily(
            "museion_places",
            "Gallery places there are (--max-sessions).",
            value=held.max_sessions,
        )
        yield GaugeMetricFamily(
            "museion_queue_length",
            "Visitors waiting in the queue for a place.",
            value=held.sessions.get("waiting", 0),
        )
        yield GaugeMetricFamily(
            "museion_render_busy_ratio",
            "Share of the render threads' time spent on visitors' frames (last 3 s).",
            value=held.render_busy,
        )
        yield GaugeMetricFamily(
            "museion_render_views_in_use",
            "Offscreen render views in use.",
            value=held.views_in_use,
        )
        yield GaugeMetricFamily(
            "museion_live_publishers", "Live shows being published.", value=held.publishers
        )
        viewers = GaugeMetricFamily(
            "museion_live_viewers", "Viewers of each live stream.", labels=["stream"]
        )
        frames = CounterMetricFamily(
            "museion_live_frames_in", "Frames a live stream took in.", labels=["stream"]
        )
        size = CounterMetricFamily(
            "museion_live_bytes_in", "Bytes of video a live stream took in.", labels=["stream"]
        )
        out = CounterMetricFamily(
            "museion_live_bytes_out",
            "Bytes a live stream's viewers were sent (RTP payloads).",
            labels=["stream"],
        )
        layer_rate = GaugeMetricFamily(
            "museion_live_layer_bitrate_bits",
            "A simulcast layer's bitrate as the publisher sends it.",
            labels=["stream", "rid"],
        )
        layer_frames = CounterMetricFamily(
            "museion_live_layer_frames_in",
            "Frames a simulcast layer took in.",
            labels=["stream", "rid"],
        )
        for stream in held.streams:
            viewers.add_metric([stream.name], stream.viewers)
            frames.add_metric([stream.name], stream.frames_in)
            size.add_metric([stream.name], stream.bytes_in)
            out.add_metric([stream.name], stream.bytes_out)
            for layer in stream.layers:
                rid = str(layer["rid"])
                layer_rate.add_metric([stream.name, rid], float(str(layer["bitrate"])))
                layer_frames.add_metric([stream.name, rid], float(str(layer["frames_in"])))
        yield from (viewers, frames, size, out, layer_rate, layer_frames)

    @staticmethod
    def _links_families(links: list[LinkFigures]) -> Iterator[Metric]:
        sent = CounterMetricFamily(
            "museion_session_bytes_sent", "Video bytes sent to a visitor.", labels=["session"]
        )
        lost = CounterMetricFamily(
            "museion_session_packets_lost",
            "Video packets a visitor reported lost (RTCP).",
            labels=["session"],
        )
        frames = CounterMetricFamily(
            "museion_session_frames_sent",
            "Video frames sent to a visitor (its rate: their frames a second).",
            labels=["session"],
        )
        pixels = GaugeMetricFamily(
            "museion_session_stream_pixels",
            "The pixels of a visitor's stream now (its quality ladder's rung, its screen).",
            labels=["session"],
        )
        rate = GaugeMetricFamily(
            "museion_session_stream_fps",
            "The frame rate a visitor's stream is sent at while it moves (its rung).",
            labels=["session"],
        )
        rtt = GaugeMetricFamily(
            "museion_session_rtt_seconds",
            "Round-trip time to a visitor (RTCP), once it reported one.",
            labels=["session"],
        )
        for link in links:
            sent.add_metric([link.label], link.bytes_sent)
            frames.add_metric([link.label], link.frames_sent)
            pixels.add_metric([link.label], link.rung[0] * link.rung[1])
            rate.add_metric([link.label], link.rung[2])
            lost.add_metric([link.label], max(0, link.packets_lost))
            if link.round_trip is not None:
                rtt.add_metric([link.label], link.round_trip)
        yield from (sent, frames, pixels, rate, lost, rtt)


class Metrics:
    """One application's counters; each scrape adds what the server holds then."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.visit = VisitMetrics(
            renders=Histogram(
                "museion_render_seconds",
                "Time to make one visitor frame (render and read back, or reuse).",
                buckets=_RENDER_BUCKETS,
                registry=self.registry,
            ),
            encodes=Histogram(
                "museion_encode_seconds",
                "Time to encode one visitor frame (VP8 or H.264).",
                buckets=_RENDER_BUCKETS,
                registry=self.registry,
            ),
            frames=Counter(
                "museion_visitor_frames_sent",
                "Frames sent to gallery visitors.",
                registry=self.registry,
            ),
        )

        self.queue_waits = Histogram(
            "museion_queue_wait_seconds",
            "How long admitted visitors waited in the queue.",
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600),
            registry=self.registry,
        )

    def text(self, held: Held) -> bytes:
        """The exposition, in Prometheus text format: the counters and ``held``."""
        return _generate_latest(_Exposition(self.registry, held))

"""How the server listens, streams and talks ICE; one frozen object."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field
from typing import Literal

from museion.streaming.errors import PassRefused
from museion.streaming.passes import read as read_pass

__all__ = ["IceServer", "StreamSettings", "VideoCodec"]

VideoCodec = Literal["VP8", "H264"]

# libx264's presets, fastest first.
_H264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)


_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class IceServer:
    """A STUN or TURN server (``urls`` like ``stun:stun.example.org:3478``)."""

    urls: str
    username: str | None = None
    credential: str | None = None

    def __post_init__(self) -> None:
        if self.urls.partition(":")[0] not in ("stun", "stuns", "turn", "turns"):
            raise ValueError(f"ice_servers: urls {self.urls!r} is not a stun: or turn: URL")
        if (self.username is None) != (self.credential is None):
            raise ValueError("ice_servers: a username and a credential go together")


@dataclass(frozen=True)
class StreamSettings:
    """Network settings.

    ICE: ``ice_addresses`` are the local addresses candidates are gathered on (empty: every
    interface, loopback included); ``announced_address`` replaces the address in host
    candidates (for a server behind 1:1 NAT, like mediasoup's announced IP); ``ice_servers``
    is the exact STUN/TURN list, empty by default so nothing reaches the internet.
    ``consent_interval`` x ``consent_failures`` (plus half a second a check) bounds how
    long a vanished browser keeps its session: 5 misses of 1 s checks free it in about
    8 s, yet a viewer whose machine stalls for 4 s keeps its stream.  Hotspot markers
    show within ``hotspot_range`` metres of the camera, so a walker sees those of the
    relics near them, not the whole hall's.  ``stamp_clock`` draws the wall-clock time
    into each frame (a diagnostic for measuring glass-to-glass latency; see ``bench/``).

    Hostile clients: a peer (visitor, publisher, live viewer) not connected within
    ``connect_timeout`` seconds is let go; a connection that has not sent its request's
    headers within ``header_timeout`` seconds is closed, a body not complete within
    ``body_timeout`` is refused (408); an offer or WHIP session gives ICE at most
    ``max_remote_candidates`` remote candidates, none in ``ice_denied_networks`` (CIDR;
    unspecified, multicast and reserved addresses are always refused).

    Live relay: a WHIP publisher of stream ``S`` must present the bearer token that
    ``stream_tokens`` pairs with ``S`` (entries ``S=TOKEN``), or ``publish_token`` (one
    token for every stream: demos and tests); with neither, nothing can be published.
    ``max_live_viewers`` bounds the WHEP viewers of all live streams together; with
    ``record_dir`` every show is also written there as fragmented MP4.  Viewers are sent
    to from ``relay_workers`` processes (None: one per core; 0: the server process itself).
    A stage screen in the venue shows its live stream at up to ``stage_fps`` pictures a
    second.

    Admission: a visitor is let in while a place is free and the render thread has time
    for one more moving visitor at ``admission_fps`` frames a second beside those moving
    now (0: places alone decide); otherwise they wait in the queue (``GET /queue``).

    Quality: each gallery visitor's stream follows their link (``ladder``): on congestion
    (REMB, loss, round trip) it steps down in size, then frame rate, and climbs back once
    the link clears (:mod:`museion.streaming.visit.ladder`); False keeps ``width`` x
    ``height`` at ``fps`` whatever the link, as aiortc alone does (only the bitrate
    follows).  A page tells the shape its picture is shown in: a stream takes that aspect
    (a phone held upright gets a portrait stream) with at most ``max_pixels`` pixels (None:
    ``width`` x ``height``) and no more than the screen's own device pixels, unless shape and
    pixels are within ``screen_tolerance`` of ``width`` x ``height`` (then it keeps those).
    A docent's stream (shared with the tour) keeps its size.

    Several boxes: with ``redis_url`` (``redis://[user:password@]host:6379/0``,
    ``rediss://`` for TLS) this node joins a cluster, registered as ``node_id`` (None: the
    host's name and a random suffix) reached at ``http://ADDR:PORT``, ADDR being
    ``announced_address`` (the one ICE announces too) or else ``host``;
    ``cluster_secret`` guards the endpoints nodes use between themselves.  Neither the URL
    nor the secret is ever logged or shown.

    Headsets: a visitor in VR gets both eyes in each frame, sized to render at
    ``headset_fps`` on this box (measured as it goes), never larger than ``width`` x
    ``height`` pixels together; the page's reprojection keeps head turns at the display's
    own rate whatever the video's.

    Docent tours: a gallery session offered with ``docent_token`` as its bearer token is a
    docent's (None: no tours), whose one rendered view is relayed to followers as the live
    stream ``tour-<id>`` (followers take live-show places).  A follower may send
    ``chat_per_minute`` chat messages of at most ``max_chat_chars`` characters.

    Watermark: each visitor's frames carry an invisible mark naming their session
    (:mod:`museion.streaming.watermark`) on restricted exhibits, on every exhibition with
    ``watermark="all"``, or nowhere with ``"off"``; ``watermark_key`` keys the marks (None:
    a random key each start, so recordings can be traced only while it is kept) and
    ``watermark_strength`` is their peak in 8-bit levels (3 keeps PSNR above 40 dB).
    """

    host: str = "127.0.0.1"
    port: int = 8080
    width: int = 1280
    height: int = 720
    fps: int = 30
    idle_fps: int = 10
    headset_fps: int = 24
    codec: VideoCodec = "VP8"
    start_bitrate: int = 1_500_000
    min_bitrate: int = 300_000
    max_bitrate: int = 4_000_000
    vp8_static_threshold: int = 1
    h264_preset: str = "veryfast"
    max_sessions: int = 4
    retry_after: int = 10
    max_sdp_bytes: int = 64 * 1024
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    max_commands_per_second: int = 200
    ice_addresses: tuple[str, ...] = ()
    announced_address: str | None = None
    ice_servers: tuple[IceServer, ...] = ()
    consent_interval: float = 1.0
    consent_failures: int = 5
    connect_timeout: float = 20.0
    max_remote_candidates: int = 64
    ice_denied_networks: tuple[str, ...] = ()
    stamp_clock: bool = False
    hotspot_range: float = 4.0
    publish_token: str | None = None
    stream_tokens: tuple[str, ...] = ()
    max_live_viewers: int = 100
    record_dir: str | None = None
    relay_workers: int | None = None
    stage_fps: int = 15
    docent_token: str | None = None
    max_chat_chars: int = 280
    chat_per_minute: int = 12
    admission_fps: int = 28
    ladder: bool = True
    max_pixels: int | None = None
    screen_tolerance: float = 0.15
    watermark: Literal["off", "restricted", "all"] = "restricted"
    watermark_key: str | None = field(default=None, repr=False)
    watermark_strength: float = 3.0
    redis_url: str | None = field(default=None, repr=False)
    node_id: str | None = None
    cluster_secret: str | None = field(default=None, repr=False)
    token_key: str | None = field(default=None, repr=False)
    """Signs the expiring stream and docent tokens the studio hands out (None: none are
    accepted); give every node the same one."""

    def signed_token(self, token: bytes, wanted: str) -> bool:
        """Whether ``token`` is one the studio signed for ``wanted`` and it has not expired."""
        if self.token_key is None:
            return False
        try:
            key = self.token_key.encode()
            return read_pass(key, token.decode("ascii"), time.time()) == wanted
        except (PassRefused, UnicodeDecodeError):
            return False

    def token_for(self, stream: str) -> list[str]:
        """The tokens that may publish ``stream``."""
        tokens = [t for s, _, t in (e.partition("=") for e in self.stream_tokens) if s == stream]
        return [*tokens, self.publish_token] if self.publish_token else tokens

    def __post_init__(self) -> None:
        if not (16 <= self.width <= 7680 and 16 <= self.height <= 4320):
            raise ValueError("width x height must lie within 16x16 and 7680x4320")
        if self.width % 2 or self.height % 2:
            raise ValueError("width and height must be even (4:2:0 video)")
        if not 1 <= self.fps <= 60:
            raise ValueError("fps must lie in [1, 60]")
        if not 1 <= self.idle_fps <= self.fps:
            raise ValueError("idle_fps must lie in [1, fps]")
        if not 5 <= self.headset_fps <= 120:
            raise ValueError("headset_fps must lie in [5, 120]")
        if not 1 <= self.max_sessions <= 1000:
            raise ValueError("max_sessions must lie in [1, 1000]")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must lie in [0, 65535]")
        if self.consent_interval <= 0 or self.consent_failures < 1:
            raise ValueError("consent_interval must be > 0 and consent_failures >= 1")
        if not 0 < self.min_bitrate <= self.start_bitrate <= self.max_bitrate:
            raise ValueError("bitrates must satisfy 0 < min <= start <= max")
        if not self.hotspot_range > 0:
            raise ValueError("hotspot_range must be > 0 metres")
        if not 1 <= self.max_live_viewers <= 100_000:
            raise ValueError("max_live_viewers must lie in [1, 100000]")
        if self.publish_token is not None and not self.publish_token:
            raise ValueError("a publish token must not be empty")
        for entry in self.stream_tokens:
            name, _, token = entry.partition("=")
            if not name or not token:
                raise ValueError("a stream token is written STREAM=TOKEN, both non-empty")
        if self.relay_workers is not None and not 0 <= self.relay_workers <= 64:
            raise ValueError("relay_workers must lie in [0, 64]")
        if not 1 <= self.max_remote_candidates <= 1000:
            raise ValueError("max_remote_candidates must lie in [1, 1000]")
        for network in self.ice_denied_networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"ice_denied_networks: {network!r} is not a network") from None
        if not (0 < self.header_timeout <= 600 and 0 < self.body_timeout <= 600):
            raise ValueError("header_timeout and body_timeout must lie in (0, 600] seconds")
        if self.docent_token is not None and not self.docent_token:
            raise ValueError("a docent token must not be empty")
        if not 1 <= self.max_chat_chars <= 2000 or not 1 <= self.chat_per_minute <= 600:
            raise ValueError("max_chat_chars must lie in [1, 2000], chat_per_minute in [1, 600]")
        if not 0 <= self.admission_fps <= 60:
            raise ValueError("admission_fps must lie in [0, 60] (0: by places alone)")
        if self.max_pixels is not None and not 256 <= self.max_pixels <= 7680 * 4320:
            raise ValueError("max_pixels must lie in [256, 7680x4320]")
        if not 0 <= self.screen_tolerance <= 1:
            raise ValueError("screen_tolerance must lie in [0, 1]")
        if self.redis_url is not None and not self.redis_url.startswith(_REDIS_SCHEMES):
            raise ValueError("redis_url must start with redis://, rediss:// or unix://")
        if (
            self.redis_url is not None
            and self.announced_address is None
            and self.host
            in (
                "0.0.0.0",
                "::",
                "",
            )
        ):
            raise ValueError("a cluster node listening on every address needs --announce ADDR")
        if self.cluster_secret is not None and len(self.cluster_secret) < 16:
            raise ValueError("cluster_secret must be at least 16 characters")
        if self.token_key is not None and len(self.token_key) < 32:
            raise ValueError("token_key must be at least 32 characters")
        if not 1 <= self.stage_fps <= 60:
            raise ValueError("stage_fps must lie in [1, 60]")
        if self.codec not in ("VP8", "H264"):
            raise ValueError("codec must be VP8 or H264")
        if self.h264_preset not in _H264_PRESETS:
            raise ValueError(f"h264_preset must be one of {', '.join(_H264_PRESETS)}")
        if self.vp8_static_threshold < 0:
            raise ValueError("vp8_static_threshold must be >= 0")
        if not 0 <= self.retry_after <= 3600:
            raise ValueError("retry_after must lie in [0, 3600] seconds")
        if not 1024 <= self.max_sdp_bytes <= 16 * 1024 * 1024:
            raise ValueError("max_sdp_bytes must lie in [1024, 16 MiB]")
        if not 1 <= self.max_commands_per_second <= 10_000:
            raise ValueError("max_commands_per_second must lie in [1, 10000]")
        if not 0 < self.connect_timeout <= 600:
            raise ValueError("connect_timeout must lie in (0, 600] seconds")
        if self.watermark not in ("off", "restricted", "all"):
            raise ValueError("watermark must be off, restricted or all")
        if self.watermark_key is not None and len(self.watermark_key) < 16:
            raise ValueError("watermark_key must be at least 16 characters")
        if not 0 < self.watermark_strength <= 16:
            raise ValueError("watermark_strength must lie in (0, 16] levels")

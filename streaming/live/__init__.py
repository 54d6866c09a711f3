"""Live shows: WHIP in, WHEP out, the publisher's own frames relayed (never re-encoded)
across relay workers, recorded, and shown on the venue's stage screens."""

from museion.streaming.live.registry import LIVE_KEY, LiveRegistry
from museion.streaming.live.routes import add_live_routes
from museion.streaming.live.stream import EncodedFrame, LiveStream

__all__ = ["LIVE_KEY", "EncodedFrame", "LiveRegistry", "LiveStream", "add_live_routes"]

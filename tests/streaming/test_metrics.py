"""``GET /metrics``, read by Prometheus' own parser while a visitor and a live show run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from museion.runtime.engine import RenderEngine
from museion.streaming.metrics import SESSION_KINDS
from tests.conftest import REPO, serve, until, viewer
from tests.streaming.live.test_live import LIVE, clip, publisher, watcher

__all__ = ["clip"]  # the fixture, used by name

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(url: str) -> Samples:
    """Every sample of ``url``'s metrics, by name and labels."""
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await reply.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def exposed_names(url: str) -> set[str]:
    """Every metric family and sample name ``url`` exposes (a family may have no samples)."""
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as reply:
        text = await reply.text()
    families = list(text_string_to_metric_families(text))
    return {f.name for f in families} | {s.name for f in families for s in f.samples}


def sessions(samples: Samples, kind: str) -> float:
    return samples[("museion_sessions", (("kind", kind),))]


async def test_metrics_follow_visitors_renders_and_live_streams(
    engine: RenderEngine, clip: Path
) -> None:
    async with serve(engine, LIVE) as server:
        idle = await scrape(server.url)
        assert [sessions(idle, kind) for kind in SESSION_KINDS] == [0] * len(SESSION_KINDS)
        assert idle[("museion_places", ())] == LIVE.max_sessions
        assert idle[("museion_visitor_frames_sent_total", ())] == 0

        async with (
            viewer(server.url) as visitor,
            publisher(server.url, clip),
            watcher(server.url) as (watched, _),
        ):
            await until(lambda: watched.frames > 10, 30)
            seen: Samples = {}

            async def counted() -> bool:
                nonlocal seen
                seen = await scrape(server.url)
                return seen[("museion_visitor_frames_sent_total", ())] >= 10

            await until(counted, 30, what=lambda: seen)
            assert sessions(seen, "visitor") == 1
            assert sessions(seen, "live_viewer") == 1
            assert seen[("museion_places_in_use", ())] == 1
            assert seen[("museion_render_views_in_use", ())] >= 1
            assert seen[("museion_render_seconds_count", ())] >= 10
            assert 0 < seen[("museion_render_seconds_sum", ())] < 60
            assert seen[("museion_encode_seconds_count", ())] >= 10
            assert 0 < seen[("museion_encode_seconds_sum", ())] < 60
            assert seen[("museion_live_publishers", ())] == 1
            async with aiohttp.ClientSession() as http, http.get(f"{server.url}/live") as reply:
                shows = (await reply.json())["shows"]
            assert shows == [{"stream": "show", "url": "/live/show", "viewers": 1}]
            assert seen[("museion_live_viewers", (("stream", "show"),))] == 1
            assert seen[("museion_live_frames_in_total", (("stream", "show"),))] > 10
            assert seen[("museion_live_bytes_in_total", (("stream", "show"),))] > 10_000
            assert seen[("museion_live_bytes_out_total", (("stream", "show"),))] > 10_000
            # The visitor's link, under a label that is not its session id (the id ends it).
            (link,) = [k for k in seen if k[0] == "museion_session_bytes_sent_total"]
            assert seen[link] > 10_000
            assert seen[("museion_session_frames_sent_total", link[1])] >= 10
            assert seen[("museion_session_stream_pixels", link[1])] == 1280 * 720
            assert seen[("museion_session_stream_fps", link[1])] == 30
            label = dict(link[1])["session"]
            assert label not in visitor.location
            assert all(visitor.location.rsplit("/", 1)[1] not in str(key) for key in seen)
            assert seen[("museion_session_packets_lost_total", link[1])] == 0  # loopback
            # The Grafana dashboard in the repo asks only for what the server exposes.
            dashboard = json.loads((REPO / "streaming/metrics_dashboard.json").read_text())
            asked = {
                name
                for panel in dashboard["panels"]
                for target in panel["targets"]
                for name in re.findall(r"museion_[a-z_]+", target["expr"])
            }
            assert len(asked) >= 12
            assert asked <= await exposed_names(server.url), asked - await exposed_names(server.url)

        after: Samples = {}

        async def left() -> bool:
            nonlocal after
            after = await scrape(server.url)
            return sessions(after, "visitor") == 0 and sessions(after, "live_viewer") == 0

        await until(left, 30, what=lambda: after)
        assert after[("museion_places_in_use", ())] == 0
        assert ("museion_live_viewers", (("stream", "show"),)) not in after  # the show ended
        # Counters only grow: what was sent stays counted.
        assert after[("museion_visitor_frames_sent_total", ())] >= 10

"""Simulcast through the relay: a publisher's three layers received apart, listed by the
status page, and each viewer sent the one it picks, at that layer's size."""

from __future__ import annotations

import dataclasses
from typing import Any

import aiohttp
import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.live import LIVE_KEY
from tests.conftest import serve, until
from tests.streaming.live.simulcast.publisher import LAYERS, simulcast_publisher
from tests.streaming.live.test_live import LIVE, watcher
from tests.streaming.test_metrics import scrape


async def _json(method: str, url: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, url, json=body, headers=headers) as reply,
    ):
        return reply.status, await reply.json()


async def _status(base: str) -> dict[str, Any]:
    _, status = await _json("GET", f"{base}/live/show/status")
    return status  # type: ignore[no-any-return]


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "relay-worker"])
async def test_a_viewer_gets_each_layer_it_picks_at_that_layers_size(
    engine: RenderEngine, workers: int
) -> None:
    settings = dataclasses.replace(LIVE, relay_workers=workers)
    async with serve(engine, settings) as server, simulcast_publisher(server.url) as sent:
        assert "a=simulcast:recv h;m;l" in sent.answer
        assert all(f"a=rid:{rid} recv" in sent.answer for rid in LAYERS)
        stream = server.app[LIVE_KEY].streams["show"]
        await until(lambda: all(layer.frames_in > 5 for layer in stream.layers.values()), 30)

        async def sizes() -> bool:
            layers = (await _status(server.url))["layers"]
            return {(x["rid"], x["width"], x["height"]) for x in layers} == {
                (rid, *size) for rid, size in LAYERS.items()
            }

        await until(sizes, 20)
        assert [x["rid"] for x in (await _status(server.url))["layers"]] == ["h", "m", "l"]
        async with watcher(server.url) as (watched, location):
            await until(lambda: watched.frames > 0, 20)
            for rid in ("l", "m", "h", "l"):
                status, reply = await _json("POST", f"{server.url}{location}/layer", {"layer": rid})
                assert (status, reply) == (200, {"layer": rid})
                watched.sizes.clear()
                await until(lambda rid=rid: LAYERS[rid] in watched.sizes, 20, watched.sizes.copy)
            stats = await _viewer_stats(server.url)
            assert stats["layer"] == "l" and stats["choice"] == "l"
            assert stats["switches"] >= 4
            # Prometheus sees each layer and what the viewer was sent, wherever served.
            seen = await scrape(server.url)
            for rid in LAYERS:
                assert (
                    seen[("museion_live_layer_bitrate_bits", (("rid", rid), ("stream", "show")))]
                    > 0
                )
            assert seen[("museion_live_bytes_out_total", (("stream", "show"),))] > 10_000
        # Each switch asked its layer for a keyframe, by its own SSRC.
        assert sent.layers["h"].keyframes_asked >= 1


async def _viewer_stats(base: str) -> dict[str, Any]:
    from tests.streaming.live.test_live import TOKEN

    _, stats = await _json("GET", f"{base}/live/show/stats", Authorization=f"Bearer {TOKEN}")
    [viewer] = stats["viewers"]
    return viewer  # type: ignore[no-any-return]


async def test_hostile_simulcast_offers_and_layer_requests_get_documented_answers(
    engine: RenderEngine,
) -> None:
    from aiortc import RTCConfiguration, RTCPeerConnection

    from museion.streaming.live.rtp_out import IdleTrack
    from tests.streaming.live.simulcast.publisher import simulcast_offer_text
    from tests.streaming.live.test_live import TOKEN, _post

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver(IdleTrack("video"), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    plain = pc.localDescription.sdp
    await pc.close()
    async with serve(engine, LIVE) as server:
        whip = f"{server.url}/whip/show"
        for broken in (
            lambda lines: [*lines[:2], "a=rid:h send", "a=rid:h send", *lines[3:]],
            lambda lines: [*lines[:2], "a=rid:h sideways", *lines[3:]],
            lambda lines: [*lines, "a=simulcast:send h;m;l"],
        ):
            status, body, _ = await _post(
                whip, simulcast_offer_text(plain, ["h", "m", "l"], broken)
            )
            assert status == 400 and '"SDP_MALFORMED"' in body, (status, body)
        assert not server.app[LIVE_KEY].streams  # nothing claimed by a refused offer
        five = ["a", "b", "c", "d", "e"]
        status, answer, headers = await _post(whip, simulcast_offer_text(plain, five), TOKEN)
        assert status == 201, answer
        assert "a=simulcast:recv a;b;c\r\n" in answer and "a=rid:d" not in answer
        assert list(server.app[LIVE_KEY].streams["show"].layers) == ["a", "b", "c"]
        async with aiohttp.ClientSession() as http:
            await http.delete(f"{server.url}{headers['Location']}")


async def test_an_unknown_layer_request_is_a_400_and_a_show_without_layers_takes_auto(
    engine: RenderEngine,
) -> None:
    async with serve(engine, LIVE) as server, simulcast_publisher(server.url) as _:
        stream = server.app[LIVE_KEY].streams["show"]
        await until(lambda: stream.frames_in > 10, 30)
        async with watcher(server.url) as (watched, location):
            await until(lambda: watched.frames > 0, 20)
            url = f"{server.url}{location}/layer"
            assert await _json("POST", url, {"layer": "x"}) == (
                400,
                {
                    "code": "LAYER_UNKNOWN",
                    "message": "This show has no layer 'x'; choose one of: auto, h, m, l.",
                },
            )
            status, reply = await _json("POST", url, ["h"])
            assert (status, reply["code"]) == (400, "LAYER_CHOICE_MALFORMED")
            status, reply = await _json("POST", f"{server.url}/whep/show/nobody/layer", {})
            assert (status, reply["code"]) == (404, "SESSION_NOT_FOUND")
            assert await _json("POST", url, {"layer": "auto"}) == (200, {"layer": "auto"})

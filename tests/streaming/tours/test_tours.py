"""Docent tours end to end: an aiortc docent (bearer token, a microphone) leads; aiortc
followers watch ``tour-<id>`` through the real relay and talk in the room's WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError

from museion.runtime.engine import RenderEngine
from museion.streaming.live import LIVE_KEY
from museion.streaming.live.encoded_media import tap_receiver
from museion.streaming.tours import TOURS_KEY
from museion.streaming.tours.docent import ENDED
from tests.conftest import (
    LOOPBACK,
    Server,
    centre_patch,
    delete,
    is_bronze,
    offer,
    serve,
    until,
    viewer,
)
from tests.streaming.sockets import Told, told
from tests.streaming.test_metrics import scrape, sessions

pytestmark = pytest.mark.render

TOKEN = "docent-s3cret"
TOURS = dataclasses.replace(LOOPBACK, docent_token=TOKEN, width=640, height=360)
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@dataclasses.dataclass
class Following:
    """What one follower received: each video frame's hash, audio packets, decoded images."""

    hashes: list[str] = dataclasses.field(default_factory=list)
    stamps: set[int] = dataclasses.field(default_factory=set)  # RTP timestamps received
    audio: int = 0
    images: list[Any] = dataclasses.field(default_factory=list)
    ended: bool = False


@contextlib.asynccontextmanager
async def follower(base: str, stream: str, decode: bool = False) -> AsyncIterator[Following]:
    """A WHEP viewer of ``stream`` (video and audio).  Cheap by default: it counts the
    reassembled encoded frames (the relay's own tap) without decoding; ``decode`` keeps
    the decoded pictures instead."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    video = pc.addTransceiver("video", direction="recvonly")
    audio = pc.addTransceiver("audio", direction="recvonly")
    following = Following()

    def on_video(codec: str, data: bytes, timestamp: int) -> None:
        following.hashes.append(hashlib.sha1(data).hexdigest())
        following.stamps.add(timestamp)

    def on_audio(codec: str, data: bytes, timestamp: int) -> None:
        following.audio += 1

    if not decode:
        tap_receiver(video.receiver, on_video)
    tap_receiver(audio.receiver, on_audio)
    await pc.setLocalDescription(await pc.createOffer())
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{base}/whep/{stream}",
            data=pc.localDescription.sdp,
            headers={"Content-Type": "application/sdp"},
        ) as reply,
    ):
        assert reply.status == 201, await reply.text()
        answer = await reply.text()
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    async def keep_pictures() -> None:
        try:
            while True:
                frame = await video.receiver.track.recv()
                following.images.append(frame.to_ndarray(format="rgb24"))  # type: ignore[union-attr]
                del following.images[:-3]
        except MediaStreamError:
            following.ended = True

    task = asyncio.ensure_future(keep_pictures()) if decode else None
    try:
        yield following
    finally:
        if task is not None:
            task.cancel()
        await pc.close()


def room(base: str, tour: str, name: str = "Ana") -> contextlib.AbstractAsyncContextManager[Told]:
    """A follower's place in ``tour``'s room, under ``name``."""
    return told(f"{base}/tours/{tour}/room", {"name": name})


async def get_json(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as reply:
        return reply.status, await reply.json(content_type=None)


async def leave(server: Server, location: str) -> None:
    """The docent ends their session (DELETE), as their page does on leaving."""
    assert await delete(f"{server.url}{location}") == 204


def tour_of(server: Server) -> str:
    (tour_id,) = server.app[TOURS_KEY]
    return tour_id


def orbit(docent: Any, yaw: float = 4.0) -> None:
    docent.send({"type": "orbit", "yaw": yaw, "pitch": 0})


async def test_one_render_reaches_twenty_followers_who_see_the_docent_turn(
    engine: RenderEngine,
) -> None:
    microphone = MediaPlayer("sine=frequency=440:sample_rate=48000", format="lavfi")
    async with (
        serve(engine, TOURS) as server,
        viewer(server.url, "?title=Bronzes", BEARER, microphone.audio) as docent,
    ):
        tour = tour_of(server)
        status, listed = await get_json(f"{server.url}/tours")
        assert status == 200
        (entry,) = listed["tours"]
        assert entry["id"] == tour and entry["title"] == "Bronzes"
        assert entry["stream"] == f"tour-{tour}" and entry["url"] == f"/tour/{tour}"
        assert set(entry["languages"]) == {"en"} or entry["languages"]
        assert await get_json(f"{server.url}/live") == (200, {"shows": []})  # a tour's own
        stream = server.app[LIVE_KEY].streams[f"tour-{tour}"]
        published: list[str] = []
        stream.sinks.append(lambda f: published.append(hashlib.sha1(f.data).hexdigest()))
        async with contextlib.AsyncExitStack() as crowd:
            watching = [
                await crowd.enter_async_context(follower(server.url, f"tour-{tour}"))
                for _ in range(20)
            ]
            seeing = await crowd.enter_async_context(
                follower(server.url, f"tour-{tour}", decode=True)
            )
            await until(lambda: all(f.hashes for f in watching) and seeing.images, 30)
            await until(lambda: all(f.audio > 20 for f in watching), 20, lambda: "no docent voice")
            before = seeing.images[-1]
            start = len(published)
            for _ in range(60):  # the docent turns for two seconds
                orbit(docent)
                await asyncio.sleep(1 / 30)
            await until(lambda: len(published) - start >= 40, 10)
            sent = set(published[start:-5])  # the last few may still be on their way
            await until(lambda: all(sent <= set(f.hashes) or _share(f, sent) for f in watching))
            for each in watching:
                assert _share(each, sent) >= 0.95
            await until(lambda: _changed(before, seeing.images[-1]), 10)
            status, info = await get_json(f"{server.url}/tours/{tour}")
            assert info["followers"] == 21
            seen = await scrape(server.url)
            kinds = ("visitor", "docent", "follower", "live_viewer")
            assert [sessions(seen, kind) for kind in kinds] == [0, 1, 21, 0]
            assert seen[("museion_live_viewers", (("stream", f"tour-{tour}"),))] == 21
        # One render: the docent's session holds the only render view.
        assert (await server.health())["views_in_use"] == 1


def _one_offset(marked: list[int], received: set[int]) -> bool:
    """Whether one offset maps every marked timestamp onto a received frame's (+-1 tick)."""
    near = received | {r + 1 for r in received} | {r - 1 for r in received}
    offsets = {(m - r) % 2**32 for m in marked[:1] for r in received}
    return any(all((m - o) % 2**32 in near for m in marked) for o in offsets)


def _share(following: Following, sent: set[str]) -> float:
    return len(sent & set(following.hashes)) / len(sent)


def _changed(before: Any, after: Any) -> bool:
    return float(np.abs(before.astype(int) - after.astype(int)).mean()) > 3.0


async def test_the_room_carries_chat_hands_and_the_docents_label(
    exhibition: RenderEngine,
) -> None:
    settings = dataclasses.replace(TOURS, chat_per_minute=6)
    async with (
        serve(exhibition, settings) as server,
        viewer(server.url, "?exhibit=bronze-hu", BEARER) as docent,
    ):
        tour = tour_of(server)
        async with room(server.url, tour, "Ana") as ana, room(server.url, tour, "<b>Bo</b>") as bo:
            await until(lambda: ana.of("hello") and bo.of("hello"))
            hello = ana.of("hello")[0]
            assert hello["tour"]["id"] == tour and hello["you"]["name"] == "Ana"
            assert hello["languages"] and "hotspots" in hello
            # Chat is plain text, as typed; the pages show it with textContent.
            await bo.say({"type": "chat", "text": "<script>alert(1)</script>\u202e hi"})
            await until(lambda: ana.of("chat"))
            line = ana.of("chat")[0]
            assert line["text"] == "<script>alert(1)</script> hi"
            assert line["from"] == "<b>Bo</b>" and not line["docent"]
            await until(lambda: any(m.get("type") == "chat" for m in docent.messages))
            # Too long, empty, malformed: refused with a code, and the follower stays.
            await bo.say({"type": "chat", "text": "x" * 281})
            await bo.say({"type": "chat", "text": " \u200b "})
            await bo.say("not json")
            await bo.say({"type": "shout"})
            await until(lambda: len(bo.of("error")) >= 4)
            codes = [e["code"] for e in bo.of("error")]
            assert codes[:4] == [
                "CHAT_TOO_LONG",
                "CHAT_EMPTY",
                "MESSAGE_MALFORMED",
                "MESSAGE_UNKNOWN",
            ]
            # Rate: three at once, then about one every ten seconds (6 a minute).
            for n in range(5):
                await bo.say({"type": "chat", "text": f"line {n}"})
            await until(lambda: any(e["code"] == "CHAT_RATE_LIMITED" for e in bo.of("error")))
            # A hand-raise flood is collapsed: the docent sees one raised hand.
            hands_before = sum(m.get("type") == "hands" for m in docent.messages)
            for _ in range(100):
                await ana.say({"type": "hand", "raised": True})
            await until(
                lambda: any(m.get("type") == "hands" and m["raised"] for m in docent.messages)
            )
            hands = [m for m in docent.messages if m.get("type") == "hands"][hands_before:]
            assert len(hands) <= 2 and hands[-1]["raised"] == [
                {"follower": hello["you"]["id"], "name": "Ana"}
            ]
            # The docent lowers it; Ana is told.
            docent.send({"type": "lower", "follower": hello["you"]["id"]})
            await until(lambda: ana.of("hand"))
            assert ana.of("hand")[-1] == {"type": "hand", "raised": False, "by": "docent"}
            # The docent opens a label: followers get it as data, in every language.
            docent.send({"type": "pick", "x": 0.5, "y": 0.5})
            await until(lambda: any(m["label"] for m in ana.of("label")), 10)
            label = next(m["label"] for m in ana.of("label") if m["label"])
            assert label["metadata"]["title"]
            docent.send({"type": "unshare"})
            await until(lambda: ana.of("label")[-1]["label"] is None)
            # The docent plays a guided tour: followers read each step's narration.
            guided = hello["tours"][0]["id"]
            docent.send({"type": "tour", "action": "start", "tour": guided})
            await until(lambda: any(m.get("narration") for m in ana.of("tour")), 15)
            step = next(m for m in ana.of("tour") if m.get("narration"))
            assert step["tour"] == guided and step["state"] == "playing"
            assert set(step["narration"]) >= {"en"}
            docent.send({"type": "tour", "action": "stop"})
            await until(lambda: ana.of("tour")[-1]["state"] != "playing")
            # A script flooding the room is let go; the room goes on.
            async with room(server.url, tour, "Flood") as flood:
                await until(lambda: flood.of("hello"))
                for _ in range(1000):
                    await flood.say({"type": "hand", "raised": False})
                await until(lambda: flood.closed)
                assert flood.of("error")[-1]["code"] == "ROOM_FLOOD"
            # Markers move with the frame: each marks message names the frame it belongs
            # to by the RTP timestamp the followers' stream gives that frame (aiortc counts
            # a receiver's timestamps from its first frame, within a tick: one offset must
            # fit every message).
            async with follower(server.url, f"tour-{tour}") as watching:
                await until(lambda: watching.stamps, 20)
                start = len(ana.of("hotspots"))
                for _ in range(20):
                    docent.send({"type": "orbit", "yaw": 3, "pitch": 0})
                    await asyncio.sleep(1 / 30)
                await until(lambda: len(ana.of("hotspots")) - start >= 10, 10)
                marked = [m["rtp"] for m in ana.of("hotspots")[start:-3]]
                assert None not in marked
                await until(lambda: _one_offset(marked, watching.stamps), 10)
            # A follower who joins now sees the chat so far.
            async with room(server.url, tour, "Cy") as cy:
                await until(lambda: cy.of("hello"))
                assert cy.of("hello")[0]["chat"][0]["text"].startswith("<script>")
            # The docent leaves: everyone is told, the tour is gone.
            await leave(server, docent.location)
            await until(lambda: ana.closed and bo.closed)
            assert ana.of("ended")[-1] == {"type": "ended", "code": "DOCENT_LEFT", "message": ENDED}
        status, listed = await get_json(f"{server.url}/tours")
        assert listed == {"tours": []}
        status, body = await get_json(f"{server.url}/tours/{tour}")
        assert status == 404 and body["code"] == "TOUR_NOT_FOUND"
        health = await server.health()
        assert health["live"]["streams"] == 0 and health["places_in_use"] == 0


async def test_leading_a_tour_needs_the_docent_token(engine: RenderEngine) -> None:
    async with serve(engine, TOURS) as server, aiohttp.ClientSession() as http:
        sdp = await offer()
        for query, headers, status, code in [
            ("?docent", {}, 401, "AUTHORIZATION_REQUIRED"),
            ("", {"Authorization": "Bearer wrong"}, 403, "TOKEN_REJECTED"),
            ("", {"Authorization": "Basic " + TOKEN}, 401, "AUTHORIZATION_REQUIRED"),
            ("", {"Authorization": "Bearer ☃"}, 403, "TOKEN_REJECTED"),
        ]:
            async with http.post(
                f"{server.url}/whep{query}",
                data=sdp,
                headers={"Content-Type": "application/sdp", **headers},
            ) as reply:
                assert reply.status == status
                assert (await reply.json())["code"] == code
        for path in ("/tours/nope", "/tours/nope/room", "/tour/nope"):
            async with http.get(f"{server.url}{path}") as reply:
                assert reply.status == 404 and (await reply.json())["code"] == "TOUR_NOT_FOUND"
        async with http.get(f"{server.url}/tour/nope", headers={"Accept": "text/html"}) as reply:
            assert reply.status == 404 and "<html" in await reply.text()
        health = await server.health()
        assert health["places_in_use"] == 0 and health["views_in_use"] == 0
    async with (
        serve(engine, LOOPBACK) as server,
        aiohttp.ClientSession() as http,
        http.post(
            f"{server.url}/whep", data=sdp, headers={"Content-Type": "application/sdp", **BEARER}
        ) as reply,
    ):
        assert reply.status == 403  # this gallery takes no docents


async def test_a_closed_follower_tab_leaves_the_room_and_the_relay(engine: RenderEngine) -> None:
    async with serve(engine, TOURS) as server, viewer(server.url, "", BEARER):
        tour = server.app[TOURS_KEY][tour_of(server)]
        async with follower(server.url, tour.stream), room(server.url, tour.id):
            await until(lambda: tour.summary()["followers"] == 1 and tour.followers)
        # No DELETE, as from a crashed tab: ICE consent fails within about 8 s.
        await until(lambda: tour.summary()["followers"] == 0 and not tour.followers, 20)


@pytest.mark.parametrize("codec", ["VP8", "H264"])
async def test_followers_decode_the_docents_frames_until_the_tour_ends(
    engine: RenderEngine, codec: str
) -> None:
    settings = dataclasses.replace(TOURS, codec=codec)
    async with serve(engine, settings) as server, contextlib.AsyncExitStack() as stack:
        docent = await stack.enter_async_context(viewer(server.url, "", BEARER))
        tour = tour_of(server)
        seeing = await stack.enter_async_context(follower(server.url, f"tour-{tour}", decode=True))
        # The relay passes the docent's own encoded frames (Annex B for H.264): decodable.
        await until(lambda: len(seeing.images) >= 3, 20)
        assert seeing.images[-1].shape == (TOURS.height, TOURS.width, 3)
        assert is_bronze(centre_patch(seeing.images[-1]))
        await leave(server, docent.location)
        await until(lambda: seeing.ended, 10)

"""A session takes a headset's poses on its ``pose`` datachannel (real aiortc peers)."""

from __future__ import annotations

import asyncio
import json

import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.server import SESSIONS_KEY
from tests.conftest import serve, until, viewer
from tests.streaming.visit.test_pose import message, yaw

pytestmark = pytest.mark.render


async def test_a_session_keeps_poses_and_refuses_bad_ones_without_ending(
    engine: RenderEngine,
) -> None:
    async with serve(engine) as server, viewer(server.url) as view:
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        assert session.pose is None  # no headset yet
        channel = view.pc.createDataChannel("pose", ordered=False, maxRetransmits=0)
        opened = asyncio.Event()
        channel.on("open", opened.set)
        await asyncio.wait_for(opened.wait(), 10)

        channel.send(json.dumps(message(t=1000.0, q=yaw(10.0))))
        await until(lambda: session.pose is not None, what=lambda: view.messages[-3:])
        assert session.pose is not None
        assert session.pose.pose.time == 1.0
        assert session.pose.pose.views[0].eye == "left"

        channel.send("garbage")
        channel.send(json.dumps(message(t=1010.0, q=[0, 0, 0, 3])))
        channel.send(json.dumps(message(t=1020.0, p=[0, float("nan"), 0])))
        refused = {"COMMAND_MALFORMED", "COMMAND_QUATERNION_NOT_UNIT", "COMMAND_NOT_FINITE"}

        def errors() -> set[str]:
            return {m["code"] for m in view.messages if m.get("type") == "error"}

        await until(lambda: refused <= errors(), what=errors)
        assert session.pose.pose.time == 1.0  # the bad ones were not kept

        channel.send(json.dumps(message(t=1030.0, q=yaw(20.0))))
        await until(lambda: session.pose is not None and session.pose.pose.time == 1.03)
        # The session lives: its view channel still takes commands and video still flows.
        assert session.end_reason is None
        view.send({"type": "orbit", "yaw": 5, "pitch": 0, "seq": 1})
        await until(lambda: session.commands_applied >= 1)
        await asyncio.wait_for(view.track.recv(), 5)


async def test_a_second_pose_channel_is_closed(engine: RenderEngine) -> None:
    async with serve(engine) as server, viewer(server.url) as view:
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        first = view.pc.createDataChannel("pose", ordered=False, maxRetransmits=0)
        await until(lambda: first.readyState == "open")
        await until(lambda: session.poses.channel is not None)
        second = view.pc.createDataChannel("pose", ordered=False, maxRetransmits=0)
        await until(lambda: second.readyState == "closed", what=lambda: second.readyState)
        first.send(json.dumps(message()))
        await until(lambda: session.pose is not None)
        assert session.end_reason is None


async def test_a_docents_session_takes_no_headset(engine: RenderEngine) -> None:
    """A docent's one picture goes to every follower flat: no pose channel turns it into
    two eyes side by side."""
    from tests.streaming.tours.test_tours import BEARER, TOURS

    async with serve(engine, TOURS) as server, viewer(server.url, "", BEARER) as docent:
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        assert not session.takes_poses
        channel = docent.pc.createDataChannel("pose", ordered=False, maxRetransmits=0)
        await until(lambda: channel.readyState == "closed", what=lambda: channel.readyState)
        assert session.pose is None and session.end_reason is None

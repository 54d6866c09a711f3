"""An independent WHIP publisher: GStreamer's webrtcbin, x264 and libnice, not aiortc.

Run with Debian's own Python (``/usr/bin/python3``, which has ``python3-gst-1.0``), not
the project's venv:

    /usr/bin/python3 gst_whip_publisher.py URL TOKEN [--size 3840x2160] [--fps 30]
        [--bitrate 12000] [--profile high] [--seconds 10] [--audio] [--ice-address A]

It encodes GStreamer's SMPTE test pattern as H.264 (the profile asked for; x264's
superfast, as its ultrafast turns High into Constrained Baseline) and publishes
it over WHIP the way a venue's encoder would: one offer with every candidate (no trickle),
the bearer token, the answer from the ``201``, ``DELETE`` on the ``Location`` at the end.
It prints ``published <location>`` once the answer is applied and ``connected`` once the
ICE/DTLS transport is up, then ``done`` after ``--seconds``; exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urljoin

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402


def _pipeline(args: argparse.Namespace) -> str:
    width, height = args.size.split("x")
    video = (
        f"videotestsrc is-live=true pattern=smpte ! "
        f"video/x-raw,width={width},height={height},framerate={args.fps}/1 ! "
        "videoconvert ! queue max-size-buffers=2 leaky=downstream ! "
        f"x264enc tune=zerolatency speed-preset=superfast bitrate={args.bitrate} "
        f"key-int-max={args.fps * 2} threads=2 ! video/x-h264,profile={args.profile} ! "
        "h264parse ! rtph264pay config-interval=-1 aggregate-mode=zero-latency mtu=1200 ! "
        "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000 ! "
        "webrtc."
    )
    audio = (
        "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! "
        "opusenc ! rtpopuspay ! "
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! "
        "webrtc."
    )
    return (
        "webrtcbin name=webrtc bundle-policy=max-bundle "
        + video
        + (" " + audio if args.audio else "")
    )


def _post(url: str, token: str, offer: str) -> tuple[str, str, str]:
    request = urllib.request.Request(
        url,
        data=offer.encode(),
        method="POST",
        headers={"Content-Type": "application/sdp", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 201:
            raise RuntimeError(f"WHIP answered {response.status}")
        location = urljoin(url, response.headers["Location"])
        return response.read().decode(), location, response.headers.get("ETag", "")


def _patch(location: str, token: str, etag: str, fragment: str) -> None:
    request = urllib.request.Request(
        location,
        data=fragment.encode(),
        method="PATCH",
        headers={
            "Content-Type": "application/trickle-ice-sdpfrag",
            "Authorization": f"Bearer {token}",
            "If-Match": etag,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 204:
            raise RuntimeError(f"WHIP PATCH answered {response.status}")


def _delete(location: str, token: str) -> None:
    request = urllib.request.Request(
        location, method="DELETE", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        urllib.request.urlopen(request, timeout=5).close()
    except urllib.error.URLError as exc:
        sys.stderr.write(f"DELETE failed: {exc}\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--bitrate", type=int, default=4000, help="kbit/s")
    parser.add_argument("--profile", default="high")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--audio", action="store_true")
    parser.add_argument(
        "--ice-address",
        action="append",
        default=[],
        help="gather candidates on this address only (libnice skips loopback otherwise)",
    )
    parser.add_argument("--show-sdp", action="store_true", help="offer and answer to stderr")
    parser.add_argument(
        "--trickle",
        action="store_true",
        help="POST the offer at once, then PATCH each candidate as it is gathered",
    )
    args = parser.parse_args()

    Gst.init(None)
    pipeline = Gst.parse_launch(_pipeline(args))
    webrtc = pipeline.get_by_name("webrtc")
    # PyGObject drops one reference too many when this wrapper goes: keep it to the end.
    ice = webrtc.get_property("ice-agent")
    for address in args.ice_address:
        ice.emit("add-local-ip-address", address)
    loop = GLib.MainLoop()
    state: dict[str, object] = {"code": 1, "location": None, "etag": "", "offer": ""}
    pending: list[str] = []  # trickled candidates not yet PATCHed
    trickled = {"candidates": 0, "patches": 0, "ended": False}

    def fail(message: str) -> None:
        sys.stderr.write(f"gst publisher: {message}\n")
        loop.quit()

    def publish() -> bool:
        """ICE gathering is complete: send the whole offer (called on the main loop)."""
        if args.trickle:  # the offer as created: no candidate in it
            offer = str(state["offer"])
        else:
            offer = webrtc.get_property("local-description").sdp.as_text()
        try:
            answer, location, etag = _post(args.url, args.token, offer)
        except (OSError, RuntimeError) as exc:
            fail(f"WHIP POST failed: {exc}")
            return False
        state["location"], state["etag"], state["offer"] = location, etag, offer
        if args.show_sdp:
            sys.stderr.write(f"--- offer\n{offer}--- answer\n{answer}")
        _, sdp = GstSdp.SDPMessage.new_from_text(answer)
        description = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
        webrtc.emit("set-remote-description", description, Gst.Promise.new())
        print(f"published {location}", flush=True)  # noqa: T201 - the test reads it
        if args.trickle:
            flush()
        return False

    def flush() -> bool:
        """PATCH the candidates gathered so far (and the end, once gathering is done)."""
        location, offer = state["location"], str(state["offer"])
        if not isinstance(location, str) or trickled["ended"]:
            return False
        complete = GstWebRTC.WebRTCICEGatheringState.COMPLETE
        done = webrtc.get_property("ice-gathering-state") == complete
        if not pending and not done:
            return False
        lines = [
            line for line in offer.splitlines() if line.startswith(("a=ice-ufrag", "a=ice-pwd"))
        ]
        lines += ["a=mid:video0", *(f"a={c}" for c in pending)]
        if done:
            lines.append("a=end-of-candidates")
        try:
            _patch(location, args.token, str(state["etag"]), "\r\n".join(lines) + "\r\n")
        except (OSError, RuntimeError) as exc:
            fail(f"WHIP PATCH failed: {exc}")
            return False
        trickled["candidates"] += len(pending)
        trickled["patches"] += 1
        trickled["ended"] = done
        pending.clear()
        return False

    def on_candidate(_element: Gst.Element, _mline: int, candidate: str) -> None:
        if args.trickle:
            pending.append(candidate)
            GLib.idle_add(flush)

    def on_gathering(element: Gst.Element, _spec: object) -> None:
        complete = GstWebRTC.WebRTCICEGatheringState.COMPLETE
        if element.get_property("ice-gathering-state") != complete:
            return
        if args.trickle:
            GLib.idle_add(flush)  # the end of candidates
        elif state["location"] is None:
            GLib.idle_add(publish)

    def on_connection(element: Gst.Element, _spec: object) -> None:
        connection = element.get_property("connection-state")
        if connection == GstWebRTC.WebRTCPeerConnectionState.CONNECTED:
            print("connected", flush=True)  # noqa: T201
        elif connection == GstWebRTC.WebRTCPeerConnectionState.FAILED:
            GLib.idle_add(lambda: fail("the connection failed"))

    def on_offer(promise: Gst.Promise) -> None:
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply is not None else None
        if offer is None:
            GLib.idle_add(lambda: fail(f"no offer: {reply}"))
            return
        if args.trickle:  # the offer goes now, with no candidates; they follow by PATCH
            state["offer"] = offer.sdp.as_text()
            GLib.idle_add(publish)
        webrtc.emit("set-local-description", offer, Gst.Promise.new())

    def on_negotiation_needed(element: Gst.Element) -> None:
        element.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer))

    def on_message(_bus: Gst.Bus, message: Gst.Message) -> None:
        if message.type == Gst.MessageType.ERROR:
            error, debug = message.parse_error()
            fail(f"{error.message} ({debug})")

    def finish() -> bool:
        if args.trickle:
            count, patches = trickled["candidates"], trickled["patches"]
            print(f"trickled {count} candidates in {patches} PATCHes", flush=True)  # noqa: T201
        print("done", flush=True)  # noqa: T201
        state["code"] = 0
        loop.quit()
        return False

    webrtc.connect("on-negotiation-needed", on_negotiation_needed)
    webrtc.connect("notify::ice-gathering-state", on_gathering)
    webrtc.connect("on-ice-candidate", on_candidate)
    webrtc.connect("notify::connection-state", on_connection)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    pipeline.set_state(Gst.State.PLAYING)
    GLib.timeout_add(int(args.seconds * 1000), finish)
    loop.run()
    location = state["location"]
    if isinstance(location, str):
        _delete(location, args.token)
    pipeline.set_state(Gst.State.NULL)
    sys.stdout.flush()
    os._exit(int(str(state["code"])))  # not through the interpreter's teardown (see ``ice``)


if __name__ == "__main__":
    sys.exit(main())

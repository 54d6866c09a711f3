"""Recordings for tour steps through the studio, for real: uploads checked by their bytes,
kept under free names, narrate drafts spoken by espeak-ng, played by staff from the draft
and, once published, by visitors."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import av
import numpy as np
import pytest

from museion.streaming.studio.media import MAX_MEDIA_BYTES, audio_kind
from tests.streaming.studio.studio_hall import Staff, studio_hall
from tests.streaming.studio.test_openapi import check_reply

API = "/api/exhibitions/bronzes"
ONE = "/api/exhibitions/{exhibition}"


def ogg_opus(seconds: float = 0.5, pitch: float = 440.0) -> bytes:
    """A real Ogg Opus recording: a tone."""
    rate = 48_000
    t = np.arange(int(rate * seconds)) / rate
    samples = (np.sin(2 * np.pi * pitch * t) * 8000).astype(np.int16).reshape(1, -1)
    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return out.getvalue()


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"OggS\x00\x02" + bytes(10), "ogg"),
        (b"ID3\x04\x00\x00" + bytes(10), "mp3"),
        (b"\xff\xfb\x90\x64" + bytes(12), "mp3"),  # an MPEG-1 layer III frame
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "m4a"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "wav"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81" + bytes(8), "webm"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", None),  # a photo, not audio
        (b"RIFF\x24\x08\x00\x00AVI LIST", None),
        (b"\xff\xe0" + bytes(14), None),  # a sync word without a layer
        (b"\x89PNG\r\n\x1a\n" + bytes(8), None),
        (b"<!doctype html>", None),
        (b"", None),
    ],
)
def test_audio_is_known_by_its_first_bytes(head: bytes, kind: str | None) -> None:
    assert audio_kind(head) == kind


def is_opus(data: bytes) -> bool:
    with av.open(io.BytesIO(data)) as container:
        audio = container.streams.audio[0]
        return bool(container.format.name == "ogg" and audio.codec_context.name == "opus")


async def send(
    staff: Staff, method: str, path: str, body: Any = None, **headers: str
) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    if isinstance(body, dict | list):
        body = json.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    async with staff.http.request(method, path, data=body, headers=staff.headers(**headers)) as r:
        raw = await r.read()
        kind = r.headers.get("Content-Type", "")
        parsed = json.loads(raw) if kind.startswith("application/json") else raw
        return r.status, parsed, r.headers


async def upload(staff: Staff, data: Any, name: str) -> tuple[int, Any]:
    status, body, _ = await send(
        staff, "POST", f"{API}/media?name={name}", data, **{"Content-Type": "audio/ogg"}
    )
    return status, body


def leftovers(folder: Path) -> list[str]:
    """Hidden files (half-received uploads) left in the exhibition's ``media/``."""
    media = folder / "bronzes" / "media"
    return sorted(p.name for p in media.glob(".*")) if media.is_dir() else []


async def test_a_recording_is_kept_under_a_free_name_and_staff_hear_it_from_the_draft(
    tmp_path: Path, users_file: Path
) -> None:
    tone, other = ogg_opus(), ogg_opus(pitch=660.0)
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
        studio.staff("venue") as vic,
    ):
        status, body = await upload(ada, tone, "Step one (zh).ogg")
        assert (status, body) == (201, {"name": "media/Step-one-zh.ogg"})
        check_reply(f"{ONE}/media", "post", status, "application/json", body)
        assert (studio.folder / "bronzes" / body["name"]).read_bytes() == tone
        assert await upload(ada, tone, "Step one (zh).ogg") == (201, body)  # the same bytes
        status, second = await upload(ada, other, "Step one (zh).ogg")
        assert (status, second["name"]) == (201, "media/Step-one-zh-2.ogg")
        assert (studio.folder / "bronzes" / body["name"]).read_bytes() == tone  # not replaced
        status, renamed = await upload(ada, tone, "tone.mp3")  # the bytes say Ogg
        assert (status, renamed["name"]) == (201, "media/tone.ogg")
        for who in (ada, vic):  # a venue reads the studio, so it may listen
            status, heard, headers = await send(who, "GET", f"{API}/media/{body['name']}")
            assert (status, heard) == (200, tone), heard
            assert headers["Content-Type"] == "audio/ogg"
            assert headers["X-Content-Type-Options"] == "nosniff"
        status, refused, _ = await send(ada, "GET", f"{API}/media/draft.json")
        assert (status, refused["code"]) == (404, "MEDIA_NOT_FOUND")
        status, refused, _ = await send(ada, "GET", f"{API}/media/../../users.ogg")
        assert status == 404
        assert leftovers(studio.folder) == []


async def test_what_is_not_audio_too_large_or_empty_is_refused_and_leaves_nothing(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
    ):
        status, body = await upload(ada, b"This is a text file, renamed.\n" * 40, "fake.ogg")
        assert (status, body["code"]) == (415, "MEDIA_NOT_AUDIO"), body
        check_reply(f"{ONE}/media", "post", status, "application/json", body)
        html = b"<!doctype html><script>alert(1)</script>"
        assert (await upload(ada, html, "x.wav"))[0] == 415

        async def too_much() -> AsyncIterator[bytes]:  # chunked: the cap is met while reading
            chunk = b"OggS" + bytes((1 << 20) - 4)
            for _ in range(MAX_MEDIA_BYTES >> 20):
                yield chunk
            yield b"!"

        status, body = await upload(ada, too_much(), "long.ogg")
        assert (status, body["code"]) == (413, "BODY_TOO_LARGE"), body
        status, body = await upload(ada, b"", "empty.ogg")
        assert (status, body["code"]) == (400, "UPLOAD_EMPTY")
        status, body = await upload(ada, ogg_opus(), "")
        assert (status, body["pointer"]) == (400, "/name")
        assert leftovers(studio.folder) == []
        assert not list((studio.folder / "bronzes" / "media").glob("*.ogg"))


async def test_roles_without_edit_rights_cannot_add_recordings(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("venue") as vic,
        studio.staff(None) as anyone,
    ):
        assert (await upload(vic, ogg_opus(), "a.ogg"))[0] == 403
        assert (await upload(anyone, ogg_opus(), "a.ogg"))[0] == 401
        narrate = {"tour": "highlights", "step": 0, "language": "en"}
        assert (await send(vic, "POST", f"{API}/narrate", narrate))[0] == 403
        assert (await send(anyone, "GET", f"{API}/media/narration/highlights-1.en.ogg"))[0] == 401
        assert not (studio.folder / "bronzes" / "media").exists()


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="narration needs espeak-ng")
async def test_a_narrate_draft_is_ogg_opus_set_in_the_draft_published_and_heard_by_visitors(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("publisher") as pat,
        studio.staff(None) as visitor,
    ):
        asked = {"tour": "highlights", "step": 1, "language": "en"}
        status, body, _ = await send(pat, "POST", f"{API}/narrate", asked)
        assert (status, body) == (201, {"name": "media/highlights-2.en.ogg"}), body
        check_reply(f"{ONE}/narrate", "post", status, "application/json", body)
        spoken = (studio.folder / "bronzes" / body["name"]).read_bytes()
        assert audio_kind(spoken) == "ogg" and is_opus(spoken)

        status, document, headers = await send(pat, "GET", f"{API}/draft")
        step = document["tours"][0]["steps"][1]
        step["audio"] = {**(step.get("audio") or {}), "en": body["name"]}
        status, saved, _ = await send(
            pat, "PUT", f"{API}/draft", document, **{"If-Match": headers["ETag"]}
        )
        assert status == 200, saved
        status, published, _ = await send(pat, "POST", f"{API}/publish")
        assert status == 201, published
        status, heard, headers = await send(visitor, "GET", f"/e/bronzes/media/{body['name']}")
        assert (status, heard, headers["Content-Type"]) == (200, spoken, "audio/ogg")

        status, zh, _ = await send(pat, "POST", f"{API}/narrate", {**asked, "language": "zh"})
        assert (status, zh["name"]) == (201, "media/highlights-2.zh.ogg"), zh  # cmn voice


async def test_narrate_names_what_the_saved_draft_lacks(tmp_path: Path, users_file: Path) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
    ):
        asked = {"tour": "highlights", "step": 0, "language": "en"}
        wrong = [
            ({**asked, "tour": "nowhere"}, 404, "/tour"),
            ({**asked, "step": 99}, 404, "/step"),
            ({**asked, "step": -1}, 400, "/step"),
            ({**asked, "language": "fr"}, 400, "/language"),
            ({**asked, "voice": "--help"}, 400, "/voice"),
            ([asked], 400, ""),
        ]
        for body, status, pointer in wrong:
            got, reply, _ = await send(ada, "POST", f"{API}/narrate", body)
            assert (got, reply["pointer"]) == (status, pointer), (body, reply)
            check_reply(f"{ONE}/narrate", "post", got, "application/json", reply)
        got, reply, _ = await send(ada, "POST", f"{API}/narrate", {**asked, "voice": "xx-none"})
        assert (got, reply["code"]) == (422, "NARRATION_FAILED"), reply
        assert not list((studio.folder / "bronzes" / "media").glob("*"))


async def test_uploads_of_one_name_at_once_each_keep_their_own_file(
    tmp_path: Path, users_file: Path
) -> None:
    tones = [ogg_opus(pitch=300.0 + 100 * n) for n in range(4)]
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
    ):
        replies = await asyncio.gather(*(upload(ada, tone, "same.ogg") for tone in tones))
        names = [body["name"] for _, body in replies]
        assert sorted(names) == [f"media/same{n}.ogg" for n in ("-2", "-3", "-4", "")]
        for name, tone in zip(names, tones, strict=True):
            assert (studio.folder / "bronzes" / name).read_bytes() == tone

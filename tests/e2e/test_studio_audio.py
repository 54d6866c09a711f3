"""Tour recordings on the studio page in headless Chromium: a curator drafts step 1's
English recording with narrate and uploads one for step 2; the draft saves both in the
steps' audio maps, undo takes the upload back and redo returns it, and the draft's narrate
recording plays in the page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.browser import WAIT, browser_page
from tests.e2e.test_studio import DOC, saved, sign_in
from tests.streaming.studio.studio_hall import accounts, studio_hall
from tests.streaming.studio.test_media import ogg_opus

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="narration needs espeak-ng"),
]

STEP = f"{DOC}.tours.find((t) => t.id === 'highlights').steps"


async def test_a_curator_narrates_uploads_undoes_and_plays_a_steps_recordings(
    tmp_path: Path,
) -> None:
    users = accounts(tmp_path / "users.json")
    tone = ogg_opus()  # Ogg streams get a random serial: the same bytes, kept
    async with studio_hall(tmp_path / "hall", users) as studio, browser_page() as page:
        await sign_in(page, studio.url, "curator")
        narrate = (
            "#tour-steps li[data-step='0'] .step-audio[data-lang='en'] [data-role=narrate-audio]"
        )
        await page.click(narrate, timeout=WAIT)
        await page.wait_for_function(
            f"{STEP}[0].audio?.en === 'media/highlights-1.en.ogg'", timeout=WAIT
        )
        await page.set_input_files(
            "#tour-step-1-audio-file-en",
            files=[{"name": "zig-zag.ogg", "mimeType": "audio/ogg", "buffer": tone}],
        )
        await page.wait_for_function(f"{STEP}[1].audio?.en === 'media/zig-zag.ogg'", timeout=WAIT)
        await page.click("#undo")
        await page.wait_for_function(f"!{STEP}[1].audio?.en", timeout=WAIT)
        await page.click("#redo")
        await page.wait_for_function(f"{STEP}[1].audio?.en === 'media/zig-zag.ogg'", timeout=WAIT)
        await saved(page)
        draft = (studio.folder / "bronzes" / "draft.scene.json").read_text("utf-8")
        assert "media/highlights-1.en.ogg" in draft and "media/zig-zag.ogg" in draft
        assert (studio.folder / "bronzes" / "media" / "zig-zag.ogg").read_bytes() == tone

        play = "#tour-steps li[data-step='0'] .step-audio[data-lang='en'] [data-role=play-audio]"
        async with page.expect_response(
            lambda r: "/media/media/highlights-1.en.ogg" in r.url, timeout=WAIT
        ) as heard:
            await page.click(play)
        assert (await heard.value).status in (200, 206)
        await page.wait_for_function(
            f"document.querySelector(\"{play}\").dataset.playing === 'true'", timeout=WAIT
        )

"""The studio's animation and model-camera choices in headless Chromium, as a curator uses
them: the model's own animations are offered (from the server's gate), a choice with its
loop and speed is saved to the draft and "still" stops it; a tour step starts one and rests
on the camera the model carries, or goes back to its recorded pose (what visitors then see
is the runtime's tests': tests/runtime/test_tour_cameras.py, tests/runtime/test_visit.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from museion.scenes.library import Exhibition
from tests.e2e.browser import WAIT, browser_page
from tests.e2e.test_studio import DOC, SELECTED, saved, sign_in
from tests.gltf_fixtures import turning_triangle
from tests.scene_files import exhibit
from tests.streaming.studio.studio_hall import accounts, studio_hall

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]


async def test_a_curator_chooses_how_an_exhibit_moves(tmp_path: Path) -> None:
    users = accounts(tmp_path / "users.json")
    async with studio_hall(tmp_path / "hall", users) as studio, browser_page() as page:
        library = Exhibition(studio.folder / "bronzes")
        turning_triangle(library.asset_root, camera=True)
        draft = library.draft()
        document = json.loads(draft.raw)
        spin = exhibit("spin", "turn.glb", (1.5, 0.0, 1.0))
        spin["metadata"]["title"] = {document["default_language"]: "Spin"}
        document["exhibits"].append(spin)
        library.save_draft(document, draft.etag, "ada")

        await sign_in(page, studio.url, "curator")
        await page.click("#exhibit-list button[data-exhibit='spin']")
        await page.wait_for_function("window.studio.selected === 'spin'", timeout=WAIT)
        # The model's animations, as the gate reads them, beside "first" and "still".
        await page.wait_for_function(
            "[...document.querySelectorAll('#animation-name option')]"
            ".some((o) => o.value === 'Turn')",
            timeout=WAIT,
        )
        assert await page.locator("#animation-loop").is_disabled()  # the default: no options

        await page.select_option("#animation-name", "Turn")
        await page.uncheck("#animation-loop")
        await page.fill("#animation-speed", "2")
        await page.wait_for_function(
            f"JSON.stringify({SELECTED}.animation)"
            """ === JSON.stringify({name: 'Turn', loop: false, speed: 2})""",
            timeout=WAIT,
        )
        await saved(page)
        chosen = json.loads(library.draft().raw)["exhibits"][-1]["animation"]
        assert chosen == {"name": "Turn", "loop": False, "speed": 2}

        # A speed out of range is marked and not written.
        await page.fill("#animation-speed", "0")
        assert await page.get_attribute("#animation-speed", "aria-invalid") == "true"
        assert await page.evaluate(f"{SELECTED}.animation.speed") == 2

        await page.select_option("#animation-name", label="Still (none plays)")
        await page.wait_for_function(f"{SELECTED}.animation === false", timeout=WAIT)
        await saved(page)
        assert json.loads(library.draft().raw)["exhibits"][-1]["animation"] is False

        # Undo brings the choice back into the form.
        await page.evaluate("window.studio.history.undo()")
        await page.wait_for_function(
            "document.getElementById('animation-name').value === 'Turn'", timeout=WAIT
        )
        assert await page.evaluate(f"{DOC}.exhibits.length") == len(document["exhibits"])

        # A tour whose step starts the turn and rests on the model's own camera.
        await page.click("#tour-record")
        await page.click("#tour-add-step")
        play = "#tour-step-0-play"
        offered = f"[...document.querySelectorAll('{play} option')].map((o) => o.textContent)"
        await page.wait_for_function(f"{offered}.includes('spin: Turn')", timeout=WAIT)
        await page.select_option(play, label="spin: Turn")
        await page.select_option("#tour-step-0-camera", label="spin: camera Front")
        step = f"{DOC}.tours.at(-1).steps[0]"
        await page.wait_for_function(
            f"{step}.play?.animation === 'Turn' && {step}.camera?.name === 'Front'", timeout=WAIT
        )
        await saved(page)
        tour = json.loads(library.draft().raw)["tours"][-1]
        play_saved = tour["steps"][0]["play"]
        assert (play_saved["exhibit"], play_saved["animation"]) == ("spin", "Turn")
        assert tour["steps"][0]["camera"] == {"exhibit": "spin", "name": "Front"}
        # Back to the pose the step recorded.
        await page.select_option("#tour-step-0-camera", label="as recorded")
        await page.wait_for_function(f"Array.isArray({step}.camera.position)", timeout=WAIT)

"""Everything the studio adds to a hall's app, in one list: the CLI and the tests build the
same server."""

from __future__ import annotations

import functools

from museion.streaming.hall.routes import Installer
from museion.streaming.staff import StaffGate
from museion.streaming.studio.api import add_api_routes
from museion.streaming.studio.draft import add_draft_routes
from museion.streaming.studio.exports import ExportSettings, add_export_routes
from museion.streaming.studio.media import Narrator, add_media_routes
from museion.streaming.studio.people import add_people_routes
from museion.streaming.studio.uploads import Importer, add_upload_routes

__all__ = ["studio_installers"]


def studio_installers(
    gate: StaffGate,
    importer: Importer,
    exports: ExportSettings | None = None,
    narrator: Narrator | None = None,
) -> list[Installer]:
    """The staff gate first (every studio route reads its session), then the API, the
    public exports, the draft views, accounts and tokens, uploads through ``importer``,
    and tour recordings (narrate drafts through ``narrator``; without one they answer 503)."""
    return [
        gate.install,
        add_api_routes,
        functools.partial(add_export_routes, settings=exports),
        add_draft_routes,
        add_people_routes,
        functools.partial(add_upload_routes, importer=importer),
        functools.partial(add_media_routes, narrator=narrator),
    ]

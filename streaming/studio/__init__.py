"""The staff studio's server side: the API over a hall's drafts, versions and audit, uploads,
and the draft view staff edit in."""

from museion.streaming.studio.api import MAX_DOCUMENT_BYTES, add_api_routes
from museion.streaming.studio.draft import DraftViews, StudioSession, add_draft_routes
from museion.streaming.studio.exports import ExportSettings, add_export_routes
from museion.streaming.studio.install import studio_installers
from museion.streaming.studio.people import add_people_routes
from museion.streaming.studio.uploads import Importer, add_upload_routes

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "DraftViews",
    "ExportSettings",
    "Importer",
    "StudioSession",
    "add_api_routes",
    "add_draft_routes",
    "add_export_routes",
    "add_people_routes",
    "add_upload_routes",
    "studio_installers",
]

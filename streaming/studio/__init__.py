"""The staff studio's server side: the HTTP API over a hall's drafts, versions and audit."""

from museion.streaming.studio.api import MAX_DOCUMENT_BYTES, add_api_routes

__all__ = ["MAX_DOCUMENT_BYTES", "add_api_routes"]

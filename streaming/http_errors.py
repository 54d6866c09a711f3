"""The one place errors become HTTP responses: ``{"code", "message"}`` with a status."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from museion.runtime.errors import ViewPoolExhausted
from museion.scenes.errors import (
    AssetRejected,
    DiskFull,
    DraftChanged,
    LibraryError,
    MuseionError,
    SceneInvalid,
)
from museion.streaming.errors import (
    ActionForbidden,
    AuthorizationRequired,
    CapacityReached,
    ClusterSecretRejected,
    ClusterSecretRequired,
    ClusterUnavailable,
    CodecUnsupported,
    CsrfRejected,
    ExhibitionExists,
    ExhibitionNotFound,
    ExhibitionUnavailable,
    IceRestartUnsupported,
    JobNotFound,
    LayerUnknown,
    MediaNotFound,
    MediaRefused,
    NarrationFailed,
    NarrationTargetNotFound,
    NarratorUnavailable,
    OriginUnreachable,
    PassRefused,
    PreconditionFailed,
    PreconditionRequired,
    RelayUnavailable,
    RequestInvalid,
    RequestTimeout,
    SdpMalformed,
    SdpTooLarge,
    SessionNotFound,
    SignInFailed,
    SignInRequired,
    SignInThrottled,
    StaffError,
    StreamBusy,
    StreamNameInvalid,
    StreamNotLive,
    StreamNotOrigin,
    TokenRejected,
    TourNotFound,
    UnsupportedMediaType,
)

__all__ = ["error_middleware", "error_response", "status_for"]

logger = logging.getLogger(__name__)

_STATUS: list[tuple[type[MuseionError], int]] = [
    (SdpMalformed, 400),
    (StreamNameInvalid, 400),
    (LayerUnknown, 400),
    (AuthorizationRequired, 401),
    (ClusterSecretRequired, 401),
    (ClusterSecretRejected, 403),
    (TokenRejected, 403),
    (PassRefused, 403),
    (StreamNotLive, 404),
    (StreamBusy, 409),
    (StreamNotOrigin, 409),
    (CodecUnsupported, 422),
    (IceRestartUnsupported, 422),
    (PreconditionFailed, 412),
    (RequestTimeout, 408),
    (SdpTooLarge, 413),
    (UnsupportedMediaType, 415),
    (SessionNotFound, 404),
    (MediaNotFound, 404),
    (TourNotFound, 404),
    (CapacityReached, 503),
    (RelayUnavailable, 503),
    (ClusterUnavailable, 503),
    (OriginUnreachable, 503),
    (ViewPoolExhausted, 503),
    (ExhibitionNotFound, 404),
    (ExhibitionUnavailable, 503),
    # the staff studio: no session, wrong password, wrong role or CSRF token, throttled
    (SignInRequired, 401),
    (SignInFailed, 401),
    (ActionForbidden, 403),
    (CsrfRejected, 403),
    (SignInThrottled, 429),
    (StaffError, 400),
    # the studio's API over an exhibition's library
    (ExhibitionExists, 409),
    (JobNotFound, 404),
    (PreconditionRequired, 428),
    # tour recordings: before RequestInvalid, which two of them are
    (MediaRefused, 415),
    (NarrationTargetNotFound, 404),
    (NarrationFailed, 422),
    (NarratorUnavailable, 503),
    (RequestInvalid, 400),
    (DraftChanged, 412),
    (DiskFull, 507),
    (SceneInvalid, 422),
    (AssetRejected, 422),  # a model the gate refused (one that is not there: 404, below)
]
_LIBRARY_STATUS = {
    "NO_DRAFT": 404,
    "NOTHING_PUBLISHED": 404,
    "VERSION_NOT_FOUND": 404,
    "BODY_TOO_LARGE": 413,
    "NOT_JSON": 415,
}
"""Statuses by code, for classes that carry several codes."""


def status_for(error: MuseionError) -> int:
    """The HTTP status for ``error`` (500 for anything unmapped)."""
    if isinstance(error, LibraryError | RequestInvalid) and error.code in _LIBRARY_STATUS:
        return _LIBRARY_STATUS[error.code]
    if isinstance(error, AssetRejected) and error.code == "NOT_FOUND":
        return 404
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 500


def error_response(error: MuseionError) -> web.Response:
    """A JSON error response, with ``Retry-After`` when the server is full."""
    status = status_for(error)
    body: dict[str, object] = dict(error.to_dict())
    if isinstance(error, SceneInvalid):  # each problem with its JSON pointer
        body["issues"] = [issue.to_dict() for issue in error.issues]
    if isinstance(error, DraftChanged) and error.current is not None:
        body["current_etag"] = error.current
    response = web.json_response(body, status=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="museion"'

    if status in (429, 503):
        response.headers["Retry-After"] = str(getattr(error, "retry_after", 10))
    return response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into JSON; a bug answers 500 and the server stays up."""
    try:
        return await handler(request)
    except MuseionError as exc:
        return error_response(exc)
    except web.HTTPException as exc:
        if exc.status >= 400:
            body = {"code": f"HTTP_{exc.status}", "message": exc.reason}
            return web.json_response(body, status=exc.status, headers=_allowed(exc))
        raise
    except Exception:
        logger.exception("unexpected error serving %s %s", request.method, request.path)
        body = {"code": "INTERNAL_ERROR", "message": "The server failed; it has been logged."}
        return web.json_response(body, status=500)


def _allowed(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}

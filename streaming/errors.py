"""Errors of the network layer; each maps to one HTTP status in :mod:`http_errors`."""

from __future__ import annotations

from museion.scenes.errors import MuseionError

__all__ = [
    "ActionForbidden",
    "AuthorizationRequired",
    "CapacityReached",
    "ClusterUnavailable",
    "CodecUnsupported",
    "CommandError",
    "CsrfRejected",
    "ExhibitionExists",
    "ExhibitionNotFound",
    "ExhibitionUnavailable",
    "IceRestartUnsupported",
    "ImportCancelled",
    "JobNotFound",
    "LayerUnknown",
    "MediaNotFound",
    "MediaRefused",
    "NarrationFailed",
    "NarrationTargetNotFound",
    "NarratorUnavailable",
    "PassRefused",
    "PreconditionFailed",
    "PreconditionRequired",
    "PublishFailed",
    "RelayUnavailable",
    "RequestInvalid",
    "RequestTimeout",
    "SdpMalformed",
    "SdpTooLarge",
    "SessionNotFound",
    "SignInFailed",
    "SignInRequired",
    "SignInThrottled",
    "SignallingError",
    "StaffError",
    "StreamBusy",
    "StreamNameInvalid",
    "StreamNotLive",
    "StreamingError",
    "TokenRejected",
    "TourMessageError",
    "TourNotFound",
    "UnsupportedMediaType",
]


class StreamingError(MuseionError):
    """Base of the network layer's errors."""

    code = "STREAMING_ERROR"


class SignallingError(StreamingError):
    """A WHEP request cannot be served as sent."""

    code = "SIGNALLING_ERROR"


class SdpMalformed(SignallingError):
    """The offer is not an SDP we can answer."""

    code = "SDP_MALFORMED"


class RequestTimeout(SignallingError):
    """The request's body did not arrive in time (a client that stops mid-body)."""

    code = "REQUEST_TIMEOUT"


class SdpTooLarge(SignallingError):
    """The offer is over the configured size."""

    code = "SDP_TOO_LARGE"


class UnsupportedMediaType(SignallingError):
    """The request body is not ``application/sdp``."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class SessionNotFound(SignallingError):
    """No session has that id (it ended, or never was)."""

    code = "SESSION_NOT_FOUND"


class AuthorizationRequired(SignallingError):
    """A WHIP request came without a bearer token."""

    code = "AUTHORIZATION_REQUIRED"


class TokenRejected(SignallingError):
    """The bearer token is not the one for this stream."""

    code = "TOKEN_REJECTED"


class StreamNameInvalid(SignallingError):
    """A stream name outside ``[A-Za-z0-9_-]{1,64}``."""

    code = "STREAM_NAME_INVALID"


class StreamBusy(SignallingError):
    """The stream already has its one publisher."""

    code = "STREAM_BUSY"


class StreamNotLive(SignallingError):
    """Nobody is publishing this stream (yet, or any more)."""

    code = "STREAM_NOT_LIVE"


class CodecUnsupported(SignallingError):
    """The offer has no codec the relay can pass through (H.264 or VP8 video)."""

    code = "CODEC_UNSUPPORTED"


class PreconditionFailed(SignallingError):
    """A PATCH's ``If-Match`` names another version of the session (RFC 9725: 412)."""

    code = "PRECONDITION_FAILED"


class IceRestartUnsupported(SignallingError):
    """A PATCH asks for an ICE restart, which the relay does not do (RFC 9725: 422)."""

    code = "ICE_RESTART_UNSUPPORTED"


class PublishFailed(StreamingError):
    """Our WHIP publisher (``museion publish``) could not deliver the show; ``code`` says
    how (``WHIP_UNREACHABLE``, the endpoint's own refusal code, ``PUBLISH_NOT_CONNECTED``,
    ``PUBLISH_INTERRUPTED``, ``PUBLISH_NO_MEDIA``, ``SOURCE_UNREADABLE``, ...)."""

    code = "PUBLISH_FAILED"


class MediaNotFound(StreamingError):
    """No narration or image of this exhibition has that name."""

    code = "MEDIA_NOT_FOUND"


class CapacityReached(SignallingError):
    """Every visitor slot is taken; try again after ``retry_after`` seconds."""

    code = "SERVER_FULL"

    def __init__(self, message: str, retry_after: int, queue: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.queue = queue

    def to_dict(self) -> dict[str, str]:
        """With ``queue``: where a browser waits its turn instead (the waiting room)."""
        body = super().to_dict()
        if self.queue is not None:
            body["queue"] = self.queue
        return body


class ClusterUnavailable(SignallingError):
    """The cluster's Redis cannot be reached (or answered too late): a node keeps serving
    the visitors it has, but places no new one it cannot account for."""

    code = "CLUSTER_UNAVAILABLE"
    retry_after = 5


class RelayUnavailable(SignallingError):
    """No relay worker can take the viewer now (starting, restarting, or gone mid-answer)."""

    code = "RELAY_UNAVAILABLE"


class CommandError(StreamingError):
    """A datachannel message was refused; the session goes on.

    ``seq`` is the refused message's sequence number, when it had a readable one.
    """

    code = "COMMAND_MALFORMED"
    seq: int | None = None


class TourNotFound(StreamingError):
    """No docent tour has that id (it ended, or never was)."""

    code = "TOUR_NOT_FOUND"


class TourMessageError(StreamingError):
    """A follower's tour-room message was refused (``code`` says why: ``CHAT_TOO_LONG``,
    ``CHAT_EMPTY``, ``CHAT_RATE_LIMITED``, ``MESSAGE_MALFORMED``, ...); they stay in."""

    code = "MESSAGE_MALFORMED"


class PassRefused(SignallingError):
    """An admission pass that does not admit: forged (``PASS_INVALID``), used before
    (``PASS_USED``) or too old (``PASS_EXPIRED``)."""

    code = "PASS_INVALID"


class LayerUnknown(SignallingError):
    """A live viewer asked for a layer the show does not send (``LAYER_UNKNOWN``), or did
    not name one (``LAYER_CHOICE_MALFORMED``)."""

    code = "LAYER_UNKNOWN"


class ClusterSecretRequired(SignallingError):
    """Another node's pull (``Museion-Edge``) came without ``Authorization: Bearer <cluster
    secret>`` where the cluster has one."""

    code = "CLUSTER_SECRET_REQUIRED"


class ClusterSecretRejected(SignallingError):
    """Another node's pull came with a bearer token that is not the cluster's secret."""

    code = "CLUSTER_SECRET_REJECTED"


class StreamNotOrigin(SignallingError):
    """A pull asked a node that relays the stream itself: only its origin serves pulls (so
    two edges never pull from each other)."""

    code = "STREAM_NOT_ORIGIN"


class OriginUnreachable(SignallingError):
    """The stream is live on another node, but no link to it could be made just now."""

    code = "ORIGIN_UNREACHABLE"
    retry_after = 5


# Staff sign-in and roles (streaming/staff): who may do what in the studio.
class StaffError(StreamingError):
    """A staff request refused; ``code`` says why.  Account-file problems use this class
    with ``USERS_FILE_INVALID``, ``USER_EXISTS``, ``USER_UNKNOWN``, ``ROLE_UNKNOWN``,
    ``USER_NAME_INVALID`` or ``PASSWORD_TOO_SHORT``."""

    code = "STAFF_ERROR"


class SignInRequired(StaffError):
    """The action needs a signed-in staff member and the request has no valid session."""

    code = "SIGN_IN_REQUIRED"


class SignInFailed(StaffError):
    """The name or password is wrong (the same answer for an unknown name)."""

    code = "SIGN_IN_FAILED"


class ActionForbidden(StaffError):
    """The staff member's role does not allow this action."""

    code = "ROLE_FORBIDDEN"


class CsrfRejected(StaffError):
    """A state-changing studio request without its session's CSRF token, or a wrong one."""

    code = "CSRF_REJECTED"


class SignInThrottled(StaffError):
    """Too many failed sign-ins from this address or for this account; wait ``retry_after``."""

    code = "SIGN_IN_THROTTLED"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# A hall of exhibitions (streaming/hall): several exhibitions served by one server.
class ExhibitionNotFound(StreamingError):
    """No exhibition by that id in the hall, or nothing of it has been published yet."""

    code = "EXHIBITION_NOT_FOUND"


class ExhibitionUnavailable(StreamingError):
    """The exhibition exists but its published version cannot be served (a model failed to
    load, a version is damaged); operators see why in the log."""

    code = "EXHIBITION_UNAVAILABLE"


class ExhibitionExists(StreamingError):
    """An exhibition with that id is already in the hall."""

    code = "EXHIBITION_EXISTS"


# The studio's API (streaming/studio): requests a collection system or the page sends.
class RequestInvalid(StreamingError):
    """A request body that cannot be used; ``pointer`` (RFC 6901) says where in it."""

    code = "REQUEST_INVALID"

    def __init__(self, message: str, *, code: str | None = None, pointer: str = "") -> None:
        super().__init__(message, code=code)
        self.pointer = pointer

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "pointer": self.pointer}


class PreconditionRequired(StreamingError):
    """A draft write without ``If-Match``: refused so no one overwrites unseen work."""

    code = "IF_MATCH_REQUIRED"


class JobNotFound(StreamingError):
    """No such upload job: it finished too long ago, or never started."""

    code = "JOB_NOT_FOUND"


class ImportCancelled(StreamingError):
    """An upload's import was stopped (the server is stopping)."""

    code = "IMPORT_CANCELLED"


# Recordings for tour steps (streaming/studio/media.py): uploads and narrate drafts.
class MediaRefused(RequestInvalid):
    """An uploaded recording whose bytes are not Ogg, MP3, M4A, WAV or WebM audio."""

    code = "MEDIA_NOT_AUDIO"


class NarrationTargetNotFound(RequestInvalid):
    """The saved draft has no such tour or step to narrate; ``pointer`` says which."""

    code = "NARRATION_TARGET_NOT_FOUND"


class NarrationFailed(StreamingError):
    """The narrator could not speak the text (no voice for the language, a synthesiser
    error); ``code`` is the narrator's own."""

    code = "NARRATION_FAILED"


class NarratorUnavailable(StreamingError):
    """This server cannot narrate: it was given no narrator, or espeak-ng is missing."""

    code = "NARRATOR_UNAVAILABLE"
    retry_after = 300

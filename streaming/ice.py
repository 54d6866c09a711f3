"""ICE policy: which addresses we gather on and announce, and how fast we give up.

aioice keeps these as module globals (host-address discovery skips 127.0.0.1; consent is
checked every 5 s and fails after 6 misses), so they are applied process-wide here, in one
place, from :class:`StreamSettings`.
"""

from __future__ import annotations

import logging
import re

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer

from museion.streaming.settings import StreamSettings

__all__ = ["announce_candidates", "configure_ice", "rtc_configuration"]

logger = logging.getLogger(__name__)
_original_host_addresses = aioice.ice.get_host_addresses
_CANDIDATE = re.compile(r"^(a=candidate:\S+ \d+ \S+ \d+ )(\S+)( \d+ typ host.*)$", re.MULTILINE)


def configure_ice(settings: StreamSettings) -> None:
    """Apply the gathering addresses and consent timing to aioice."""
    addresses = list(settings.ice_addresses)

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        if addresses:
            return [a for a in addresses if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]
        found = _original_host_addresses(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
        return (["127.0.0.1"] if use_ipv4 else []) + found

    aioice.ice.get_host_addresses = host_addresses
    aioice.ice.CONSENT_INTERVAL = settings.consent_interval  # type: ignore[assignment]
    aioice.ice.CONSENT_FAILURES = settings.consent_failures
    logger.debug(
        "ICE: addresses=%s consent=%ssx%d",
        addresses or "all",
        settings.consent_interval,
        settings.consent_failures,
    )


def rtc_configuration(settings: StreamSettings) -> RTCConfiguration:
    """An explicit configuration: aiortc falls back to a public STUN server when given none."""
    servers = [
        RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
        for s in settings.ice_servers
    ]
    return RTCConfiguration(iceServers=servers)


def announce_candidates(sdp: str, settings: StreamSettings) -> str:
    """Replace the address of host candidates with the announced one, if configured."""
    if not settings.announced_address:
        return sdp
    announced = settings.announced_address
    return _CANDIDATE.sub(lambda m: f"{m.group(1)}{announced}{m.group(3)}", sdp)

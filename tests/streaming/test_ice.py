"""ICE policy: gathering addresses, announced address, explicit (empty) server list."""

from __future__ import annotations

from collections.abc import Iterator

import aioice.ice
import pytest

from museion.streaming.ice import announce_candidates, configure_ice, rtc_configuration
from museion.streaming.settings import IceServer, StreamSettings

ANSWER = (
    "v=0\r\n"
    "a=candidate:1 1 udp 2130706431 10.0.0.5 40000 typ host\r\n"
    "a=candidate:2 1 udp 2130706431 127.0.0.1 40001 typ host\r\n"
    "a=candidate:3 1 udp 1694498815 198.51.100.9 40002 typ srflx raddr 10.0.0.5 rport 40000\r\n"
)


@pytest.fixture(autouse=True)
def restore_aioice() -> Iterator[None]:
    saved = (
        aioice.ice.get_host_addresses,
        aioice.ice.CONSENT_INTERVAL,
        aioice.ice.CONSENT_FAILURES,
    )
    yield
    aioice.ice.get_host_addresses, aioice.ice.CONSENT_INTERVAL, aioice.ice.CONSENT_FAILURES = saved


def test_announced_address_replaces_host_candidates_only() -> None:
    out = announce_candidates(ANSWER, StreamSettings(announced_address="203.0.113.7"))
    assert "203.0.113.7 40000 typ host" in out
    assert "203.0.113.7 40001 typ host" in out
    assert "198.51.100.9 40002 typ srflx" in out  # server-reflexive stays as discovered
    assert announce_candidates(ANSWER, StreamSettings()) == ANSWER


def test_configured_addresses_and_consent_timing_reach_aioice() -> None:
    configure_ice(
        StreamSettings(ice_addresses=("127.0.0.1", "::1"), consent_interval=0.5, consent_failures=2)
    )
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1", "::1"]
    assert (aioice.ice.CONSENT_INTERVAL, aioice.ice.CONSENT_FAILURES) == (0.5, 2)


def test_by_default_loopback_is_gathered_too() -> None:
    configure_ice(StreamSettings())
    assert "127.0.0.1" in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)


def test_no_stun_server_unless_configured() -> None:
    # aiortc falls back to a public STUN server when given None; we always pass a list.
    assert rtc_configuration(StreamSettings()).iceServers == []
    turn = IceServer("turn:turn.example.org:3478", "museion", "secret")
    (server,) = rtc_configuration(StreamSettings(ice_servers=(turn,))).iceServers
    assert (server.urls, server.username, server.credential) == (turn.urls, "museion", "secret")

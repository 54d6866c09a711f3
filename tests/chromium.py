"""How tests and benchmarks start Debian's Chromium headless on this closed network.

Background networking is off (its connections are refused here, many at a time); loopback
ICE is allowed and host candidates are not hidden behind mDNS names, so a page can reach
a server on 127.0.0.1.
"""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]

"""The live relay alone, as a process of its own whose CPU a bench reads: no gallery, no
renderer, relay workers off (its viewers are served in this one process).  Prints its URL,
then serves until killed.

python bench/workloads/live_relay.py TOKEN
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from museion.streaming.settings import StreamSettings
from tests.e2e.simulcast_link import serve_relay


async def main(token: str) -> None:
    settings = StreamSettings(
        host="127.0.0.1", port=0, ice_addresses=("127.0.0.1",), publish_token=token,
        relay_workers=0,
    )  # fmt: skip
    _, _, port = await serve_relay(settings)
    sys.stdout.write(f"http://127.0.0.1:{port}\n")
    sys.stdout.flush()
    await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

"""Failed sign-ins counted per address and per account, on a clock the caller gives.

After ``max_failures`` failures within ``window`` seconds from one address, or against one
account, further attempts are refused (429) until the oldest of those failures leaves the
window: guessing stays slow even spread over many addresses (per account) or many names
(per address).  A success clears only its account's count, so a valid account of one's own
does not reset an address's.  Memory is bounded: at most ``max_keys`` keys are tracked.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque

__all__ = ["SignInThrottle"]


class SignInThrottle:
    def __init__(self, max_failures: int, window: float, *, max_keys: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, address: str, account: str, now: float) -> int:
        """Seconds until either key may try again; 0 when both may now."""
        wait = 0.0
        for key in (f"addr:{address}", f"user:{account}"):
            times = self._recent(key, now)
            if len(times) >= self.max_failures:
                wait = max(wait, times[-self.max_failures] + self.window - now)
        return math.ceil(wait) if wait > 0 else 0

    def attempt(self, address: str, account: str, now: float) -> None:
        """Count an attempt as failed before it is checked, so many at once cannot slip past
        the limit while the hashes are computed; :meth:`succeeded` takes it back."""
        for key in (f"addr:{address}", f"user:{account}"):
            times = self._failures.setdefault(key, deque(maxlen=self.max_failures))
            times.append(now)
            self._failures.move_to_end(key)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def succeeded(self, address: str, account: str, at: float) -> None:
        """The attempt made ``at`` succeeded: forget it, and the account's failures."""
        self._failures.pop(f"user:{account}", None)
        times = self._failures.get(f"addr:{address}")
        if times is not None and at in times:
            times.remove(at)

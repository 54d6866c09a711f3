"""Sign-in throttling on a given clock: per address, per account, and recovery."""

from __future__ import annotations

from museion.streaming.staff.throttle import SignInThrottle


def test_five_failures_then_wait_then_recover() -> None:
    throttle = SignInThrottle(5, 60.0)
    for second in range(5):
        assert throttle.retry_after("10.0.0.1", "ada", float(second)) == 0
        throttle.attempt("10.0.0.1", "ada", float(second))
    assert throttle.retry_after("10.0.0.1", "ada", 5.0) == 55
    assert throttle.retry_after("10.0.0.9", "ada", 5.0) == 55  # the account, from anywhere
    assert throttle.retry_after("10.0.0.1", "bob", 5.0) == 55  # the address, for any name
    assert throttle.retry_after("10.0.0.9", "bob", 5.0) == 0
    assert throttle.retry_after("10.0.0.1", "ada", 60.0) == 0


def test_a_success_forgets_its_attempt_and_the_accounts_failures() -> None:
    throttle = SignInThrottle(2, 60.0)
    throttle.attempt("a", "ada", 1.0)
    throttle.attempt("a", "ada", 2.0)
    assert throttle.retry_after("b", "ada", 3.0) > 0
    throttle.succeeded("a", "ada", 2.0)
    assert throttle.retry_after("b", "ada", 3.0) == 0
    assert throttle.retry_after("a", "bob", 3.0) == 0  # one failure left from "a"
    throttle.attempt("a", "bob", 3.0)
    assert throttle.retry_after("a", "carol", 3.0) > 0


def test_memory_is_bounded() -> None:
    throttle = SignInThrottle(5, 60.0, max_keys=100)
    for n in range(1000):
        throttle.attempt(f"10.0.{n // 256}.{n % 256}", f"user{n}", 1.0)
    assert len(throttle._failures) <= 100

"""The limiters the CDEK poller uses: never more than `rate` releases in any one-second window."""

from __future__ import annotations

import threading

import pytest

from integrations.cdek.client import poll_limiter
from integrations.ratelimit import RateLimiter, SharedRateLimiter


class FakeClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def max_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.parametrize("rate", [1, 7, 20, 100])
def test_the_local_limiter_spaces_releases_evenly(rate):
    clock = FakeClock()
    limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep)

    times = [limiter.acquire() for _ in range(rate * 5)]

    assert max_in_one_second(times) == rate
    # It waits only as long as needed: five seconds of work take just under five seconds.
    assert times[-1] - times[0] == pytest.approx(5 - 1 / rate, abs=0.01)


def test_the_local_limiter_does_not_wait_after_a_pause():
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 5

    assert limiter.acquire() == clock.now


def test_the_local_limiter_holds_across_threads():
    limiter = RateLimiter(200)
    times: list[float] = []
    lock = threading.Lock()

    def work():
        for _ in range(25):
            moment = limiter.acquire()
            with lock:
                times.append(moment)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(times) == 200
    assert max_in_one_second(times) <= 200
    assert min(b - a for a, b in zip(sorted(times), sorted(times)[1:], strict=False)) >= 1 / 200


@pytest.mark.parametrize("rate", [3, 50])
def test_the_shared_limiter_gives_each_slot_once(rate):
    clock = FakeClock()
    first = SharedRateLimiter(rate, key="t", clock=clock, sleep=lambda s: None)
    second = SharedRateLimiter(rate, key="t", clock=clock, sleep=lambda s: None)

    # Two processes asking at the same moment never get the same slot.
    times = [limiter.acquire() for _ in range(rate * 2) for limiter in (first, second)]

    assert len(set(times)) == len(times)
    assert max_in_one_second(times) == rate


def test_rates_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)


def test_the_poll_limiter_follows_the_settings(settings):
    settings.CDEK_POLL_RATE_PER_SECOND = 12
    assert isinstance(poll_limiter(), RateLimiter)
    assert poll_limiter().rate == 12

    settings.CDEK_POLL_RATE_SHARED = True
    shared = poll_limiter(rate=5)
    assert isinstance(shared, SharedRateLimiter)
    assert shared.rate == 5


def test_a_shared_slot_woken_up_too_late_is_given_up():
    clock = FakeClock()
    late = [0.5]  # the first sleep overshoots by half a second, the next ones are exact

    def sleep(seconds):
        clock.now += seconds + (late.pop() if late else 0)

    limiter = SharedRateLimiter(10, key="late", clock=clock, sleep=sleep)
    released = limiter.acquire()

    assert released == clock.now
    # Released on a slot that began at most a tenth of a slot earlier.
    assert released % limiter.slot <= limiter.tolerance + 1e-6

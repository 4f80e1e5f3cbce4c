"""Every public object has a repr that says what it is (no `<... at 0x...>`)."""

from __future__ import annotations

import re
from typing import Any, Callable, List, Tuple

import pytest

import seawall


def primary() -> int:
    return 1


def _schedule_after_one_retry() -> Any:
    s = seawall.Backoff(seed=1).schedule()
    s.next_delay()
    return s


CASES: List[Tuple[str, Callable[[], Any], str]] = [
    ("KeyedTokenBucket", lambda: seawall.KeyedTokenBucket(1.0, 5), r"^KeyedTokenBucket\(limit=5, keys_tracked=0, capacity=\d+\)$"),
    ("KeyedSlidingWindow", lambda: seawall.KeyedSlidingWindow(7, 1.0), r"^KeyedSlidingWindow\(limit=7, keys_tracked=0, capacity=\d+\)$"),
    ("BulkheadPermit", lambda: seawall.Bulkhead(1).try_acquire(), r"^BulkheadPermit\(released=False\)$"),
    ("Schedule", _schedule_after_one_retry, r"^Schedule\(retries=1, attempts=2, exhausted=False\)$"),
    ("Fallback", lambda: seawall.fallback([]), r"^Fallback\(value=\[\], on=Exception\)$"),
    ("Fallback", lambda: seawall.fallback(handler=len, on=(KeyError, OSError)), r"^Fallback\(handler=len, on=\(KeyError, OSError\)\)$"),
    ("FallbackChain", lambda: seawall.FallbackChain(primary, ("cache", primary), default=0),
     r"^FallbackChain\(primary, cache, default=0, on=Exception\)$"),
    ("Part", lambda: seawall.Part(primary, timeout=0.5, required=True), r"^Part\(primary, timeout=0.5, default=None, required=True\)$"),
]


@pytest.mark.parametrize("make,pattern", [(m, p) for _, m, p in CASES], ids=[n for n, _, _ in CASES])
def test_repr(make: Callable[[], Any], pattern: str) -> None:
    r = repr(make())
    assert " at 0x" not in r and re.match(pattern, r), r


def test_keyed_repr_counts_keys() -> None:
    k = seawall.KeyedTokenBucket(1.0, 5, clock=seawall.ManualClock())
    k.try_acquire("a")
    k.try_acquire("b")
    assert "keys_tracked=2" in repr(k)

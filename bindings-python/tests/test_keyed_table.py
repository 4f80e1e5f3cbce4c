"""Keyed limiters: max_keys means what it says, and peek() reads a key's
quota without spending it or inserting the key."""

import seawall


def test_max_keys_fresh_keys_are_never_denied_at_the_default_size() -> None:
    clock = seawall.ManualClock()
    lim = seawall.KeyedTokenBucket(1.0, 1, hash_seed=3, clock=clock)
    denied = [k for k in range(10_000) if not lim.try_acquire(f"user-{k}")]
    assert denied == []
    m = lim.metrics()
    assert m["table_full"] == 0
    assert m["keys_tracked"] == 10_000
    assert not lim.try_acquire("user-42")  # every one of them is tracked


def test_keyed_sliding_window_admits_max_keys_fresh_keys() -> None:
    clock = seawall.ManualClock()
    lim = seawall.KeyedSlidingWindow(1, 60.0, buckets=4, hash_seed=4, clock=clock)
    assert all(lim.try_acquire(f"user-{k}") for k in range(10_000))
    assert lim.metrics()["table_full"] == 0


def test_peek_spends_nothing_and_inserts_nothing() -> None:
    clock = seawall.ManualClock()
    lim = seawall.KeyedTokenBucket(1.0, 2, hash_seed=1, clock=clock)
    d = lim.peek("alice")
    assert d.allowed and d.remaining == 1
    assert lim.metrics()["keys_tracked"] == 0
    assert lim.try_acquire("alice", 2)
    for _ in range(3):
        d = lim.peek("alice")
        assert not d.allowed
        assert d.retry_after == 1.0
    clock.advance(1.0)
    assert lim.peek("alice").allowed
    assert lim.try_acquire("alice")
    sw = seawall.KeyedSlidingWindow(2, 1.0, hash_seed=1, clock=clock)
    assert sw.peek(b"bob", 2).allowed
    assert sw.try_acquire(b"bob", 2)
    assert not sw.peek(b"bob").allowed
    assert sw.metrics()["keys_tracked"] == 1


def test_peek_rejects_bad_n_naming_it() -> None:
    lim = seawall.KeyedTokenBucket(1.0, 2, hash_seed=1)
    try:
        lim.peek("a", 3)
    except seawall.InvalidArgumentError as e:
        assert e.field == "n"
    else:
        raise AssertionError("peek(n > burst) must raise")

"""Issue 17: rejections are raised without running Python code, their
message built when asked for; `with breaker:` keeps each block's own permit
natively, per frame, so blocks interleaved on one thread (generators) each
finish their own permit."""

from __future__ import annotations

import pickle
import threading
from typing import Any, Iterator, List

import pytest

import seawall
from seawall import errors


@pytest.fixture
def init_calls(monkeypatch: pytest.MonkeyPatch) -> List[type]:
    calls: List[type] = []
    real = errors.SeawallError.__init__

    def counting(self: errors.SeawallError, *a: Any, **kw: Any) -> None:
        calls.append(type(self))
        real(self, *a, **kw)

    monkeypatch.setattr(errors.SeawallError, "__init__", counting)
    return calls


def test_rejections_run_no_python_init_and_build_their_message_lazily(init_calls: List[type]) -> None:
    clock = seawall.ManualClock()
    cb = seawall.CircuitBreaker(clock=clock, open_duration=60.0)
    cb.force_open()
    with pytest.raises(seawall.CircuitOpenError) as ci:
        cb.call(lambda: 1)
    bh = seawall.Bulkhead(max_concurrent=1)
    held = bh.acquire()
    with pytest.raises(seawall.BulkheadFullError) as bi:
        with bh:
            pass  # pragma: no cover
    held.release()
    tb = seawall.TokenBucket(rate_per_sec=1.0, burst=1, clock=clock)
    tb.acquire(timeout=0.0)
    with pytest.raises(seawall.RateLimitedError) as ri:
        tb.acquire(timeout=0.0)
    assert init_calls == []
    e = ci.value
    assert e.args == ()
    assert e.retry_after == 60.0
    assert str(e) == "circuit open; retry after 60s"
    assert repr(e) == "CircuitOpenError('circuit open; retry after 60s')"
    assert str(bi.value) == "bulkhead full" and bi.value.retry_after is None
    assert ri.value.retry_after == 1.0
    assert str(ri.value) == "rate limited; retry after 1s"
    assert e.kind == "circuit_open" and e.field is None and e.stage is None
    # Pickles (through its message) like an exception made by the user.
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is seawall.CircuitOpenError
    assert str(back) == str(e) and back.retry_after == 60.0


def test_user_made_seawall_errors_keep_their_message_and_attributes() -> None:
    e = seawall.CircuitOpenError("custom", retry_after=1.5)
    assert e.args == ("custom",) and str(e) == "custom" and e.retry_after == 1.5
    assert repr(e) == "CircuitOpenError('custom')"
    t = seawall.TimeoutError("late")
    assert str(t) == "late" and isinstance(t, TimeoutError)


def test_with_blocks_interleaved_on_one_thread_finish_their_own_permits() -> None:
    cb = seawall.CircuitBreaker(failure_count_threshold=100, failure_rate_threshold=None)
    permits: List[seawall.BreakerPermit] = []

    def block(fail: bool) -> Iterator[None]:
        with cb as p:
            permits.append(p)
            yield
            if fail:
                raise KeyError("x")

    a, b = block(fail=True), block(fail=False)
    next(a)
    next(b)  # b's block opened after a's: the newest on this thread
    with pytest.raises(KeyError):
        next(a)  # a's block ends first, with an error
    pa, pb = permits
    assert pa.finished and not pb.finished
    assert cb.metrics()["failures"] == 1 and cb.metrics()["successes"] == 0
    with pytest.raises(StopIteration):
        next(b)
    assert pb.finished
    assert cb.metrics()["successes"] == 1


def test_with_blocks_on_several_threads_finish_their_own_permits() -> None:
    cb = seawall.CircuitBreaker(failure_count_threshold=1000, failure_rate_threshold=None)
    entered = threading.Barrier(2)
    done: List[bool] = []

    def run(fail: bool) -> None:
        try:
            with cb as p:
                entered.wait()
                if fail:
                    raise ValueError
        except ValueError:
            pass
        done.append(p.finished)

    ts = [threading.Thread(target=run, args=(i % 2 == 0,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert done == [True, True]
    m = cb.metrics()
    assert (m["failures"], m["successes"]) == (1, 1)


def test_exit_without_enter_is_a_runtime_error() -> None:
    cb = seawall.CircuitBreaker()
    with pytest.raises(RuntimeError, match="without a matching __enter__"):
        cb.__exit__(None, None, None)


def test_a_block_that_finished_its_permit_is_not_recorded_twice() -> None:
    cb = seawall.CircuitBreaker(failure_count_threshold=100, failure_rate_threshold=None)
    with cb as p:
        p.failure()
    m = cb.metrics()
    assert (m["failures"], m["successes"]) == (1, 0)

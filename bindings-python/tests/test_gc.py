"""Python objects held by the native side are visible to the cyclic GC.

A reference kept in Rust (a listener closure in core, a predicate, the
breaker of a permit) is invisible to Python's garbage collector unless the
pyclass reports it in ``__traverse__``; a cycle through such a reference is
never collected. Each test builds one cycle, drops every outside reference,
collects, and checks through a weakref that the cycle is gone.
"""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any, List, Tuple

import pytest

import seawall
from seawall import _native

# Both the public class and the bare native one (no Python subclass slots).
BREAKERS = [seawall.CircuitBreaker, _native.CircuitBreaker]


def collected(ref: "weakref.ref[Any]") -> bool:
    gc.collect()
    return ref() is None


@pytest.fixture(autouse=True)
def _gc_enabled() -> Any:
    # Automatic collections could hide which collect() freed what; the
    # explicit gc.collect() calls do the work.
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


def test_breaker_supports_weakref() -> None:
    for cls in BREAKERS:
        b = cls()
        r = weakref.ref(b)
        assert r() is b
        del b
        assert r() is None  # no cycle: freed by refcount


@pytest.mark.parametrize("cls", BREAKERS)
def test_listener_closure_over_its_breaker_is_collected(cls: Any) -> None:
    # Built in a helper: a `del b` here would empty the closure's cell and
    # break the cycle by hand.
    def make() -> "weakref.ref[Any]":
        b = cls()
        events: List[Tuple[str, str, str]] = []
        b.on_state_change(lambda a, z: events.append((a, z, b.state)))
        return weakref.ref(b)

    assert collected(make())


@pytest.mark.parametrize("cls", BREAKERS)
def test_listener_bound_method_of_the_owner_is_collected(cls: Any) -> None:
    class Owner:
        def __init__(self) -> None:
            self.breaker = cls()
            self.seen: List[str] = []
            self.breaker.on_state_change(self.changed)

        def changed(self, a: str, z: str) -> None:
            self.seen.append(z)

    o = Owner()
    owner, brk = weakref.ref(o), weakref.ref(o.breaker)
    del o
    gc.collect()
    assert owner() is None and brk() is None


def test_collecting_the_cycle_frees_the_listener_itself() -> None:
    def make() -> "weakref.ref[Any]":
        b = seawall.CircuitBreaker()

        def listener(a: str, z: str) -> None:
            b.state  # the closure cell keeps the breaker: a cycle

        b.on_state_change(listener)
        return weakref.ref(listener)

    assert collected(make())


def test_many_listeners_one_removed_still_collected() -> None:
    b = seawall.CircuitBreaker()
    ids = [b.on_state_change(lambda a, z, b=b: None) for _ in range(5)]
    assert b.remove_listener(ids[2])
    r = weakref.ref(b)
    del b
    assert collected(r)


def test_listener_stays_alive_and_fires_while_the_breaker_lives() -> None:
    # The GC may only free what is unreachable: a listener whose one strong
    # reference is the breaker must survive collections and keep firing.
    b = seawall.CircuitBreaker()
    events: List[Tuple[str, str]] = []
    lid = b.on_state_change(lambda a, z: events.append((a, z)))
    gc.collect()
    gc.collect()
    b.force_open()
    assert events == [("closed", "forced_open")]
    assert b.remove_listener(lid) and not b.remove_listener(lid)
    b.reset()
    assert events == [("closed", "forced_open")]


def test_breaker_reports_its_listeners_to_the_gc() -> None:
    b = seawall.CircuitBreaker()

    def f(a: str, z: str) -> None:
        pass

    def g(a: str, z: str) -> None:
        pass

    fid = b.on_state_change(f)
    b.on_state_change(g)
    refs = gc.get_referents(b)
    assert any(x is f for x in refs) and any(x is g for x in refs)
    b.remove_listener(fid)
    refs = gc.get_referents(b)
    assert not any(x is f for x in refs) and any(x is g for x in refs)


def test_a_removed_listener_is_released() -> None:
    b = seawall.CircuitBreaker()

    def f(a: str, z: str) -> None:
        pass

    fid = b.on_state_change(f)
    r = weakref.ref(f)
    del f
    assert r() is not None
    assert b.remove_listener(fid)
    assert r() is None  # no cycle involved: freed at once


def test_gc_inside_a_listener_and_registering_from_one() -> None:
    events: List[str] = []

    def make() -> "weakref.ref[Any]":
        b = seawall.CircuitBreaker()

        def listener(a: str, z: str) -> None:
            gc.collect()  # the breaker is traversed while it notifies
            events.append(z)
            if z == "forced_open":
                b.on_state_change(lambda a, z: events.append("late:" + z))

        b.on_state_change(listener)
        b.force_open()
        b.reset()
        return weakref.ref(b)

    r = make()
    assert events == ["forced_open", "closed", "late:closed"]
    assert collected(r)


def test_threads_register_remove_and_transition_while_collecting() -> None:
    # Listener lists change on several threads while others collect: no
    # deadlock, no lost or extra call, and the cycles are freed at the end.
    def make() -> "weakref.ref[Any]":
        b = seawall.CircuitBreaker()
        calls = [0]
        lock = threading.Lock()

        def count(a: str, z: str) -> None:
            with lock:
                calls[0] += 1

        b.on_state_change(lambda a, z, b=b: count(a, z))
        bar = threading.Barrier(4)

        def churn() -> None:
            bar.wait()
            for _ in range(200):
                lid = b.on_state_change(lambda a, z, b=b: None)
                b.force_open()
                b.reset()
                assert b.remove_listener(lid)

        def collect() -> None:
            bar.wait()
            for _ in range(50):
                gc.collect()

        ts = [threading.Thread(target=churn) for _ in range(3)] + [threading.Thread(target=collect)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        b.force_open()
        # The listener registered throughout heard every transition once;
        # it stays registered: it closes the cycle the GC must find.
        assert calls[0] == b.metrics()["transitions"] > 0
        return weakref.ref(b)

    assert collected(make())


# -- cycles through the other native holders of Python objects --------------------------
# (these were already traversed; kept so it stays that way)


def test_failure_predicate_cycle_is_collected() -> None:
    class Owner:
        def __init__(self) -> None:
            self.breaker = seawall.CircuitBreaker(failure_predicate=self.failed)

        def failed(self, e: BaseException) -> bool:
            return True

    o = Owner()
    r = weakref.ref(o)
    del o
    assert collected(r)


def test_decorated_recursive_function_cycle_is_collected() -> None:
    # The native wrapper holds the function, whose closure cell holds the
    # wrapper (the decorated name): wrapper -> function -> cell -> wrapper.
    def make() -> Tuple["weakref.ref[Any]", "weakref.ref[Any]"]:
        b = seawall.CircuitBreaker()

        @b
        def countdown(n: int) -> int:
            return n if n == 0 else countdown(n - 1)

        assert countdown(3) == 0
        return weakref.ref(b), weakref.ref(countdown.__wrapped__)  # type: ignore[attr-defined]

    brk, fn = make()
    gc.collect()
    assert brk() is None and fn() is None


def test_permit_gate_and_guard_cycles_are_collected() -> None:
    class Owner:
        def __init__(self) -> None:
            self.breaker = seawall.CircuitBreaker()
            self.permit = self.breaker.try_acquire()
            self.gate = _native.PolicyGate(circuit_breaker=self.breaker)
            self.guard = self.gate.acquire()

    o = Owner()
    r = weakref.ref(o)
    del o
    assert collected(r)

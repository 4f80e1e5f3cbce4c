"""Python objects held by the native side are visible to the cyclic GC.

A reference kept in Rust (a listener closure in core, a predicate, the
breaker of a permit) is invisible to Python's garbage collector unless the
pyclass reports it in ``__traverse__``; a cycle through such a reference is
never collected. Each test builds one cycle, drops every outside reference,
collects, and checks through a weakref that the cycle is gone.
"""

from __future__ import annotations

import gc
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

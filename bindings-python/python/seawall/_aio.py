"""How the decorators tell async callables from sync ones.

Two checks, one at decoration time and one at call time:

- ``is_async_callable(fn)``: an ``async def``, a bound method or a
  ``functools.partial`` of one, or an object whose ``__call__`` is an
  ``async def``. These get the async wrapper (``call_async``).
- ``returns_awaitable(result)`` (native, one type-slot read for most
  results): what a *sync* call returned is awaitable
  (a lambda or plain ``def`` that returns a coroutine, which no check at
  decoration time can see). The sync paths look at every result, so such a
  call is never recorded as finished when its coroutine is merely created.
  ``awaitable_result(result)`` is that check with the ``PLAIN`` shortcut.
  What a sync path does with such a result: the breaker and the bulkhead
  return a coroutine that records the real outcome (holds the slot) when it
  is awaited; ``Retry``, ``Policy``, ``Fallback`` and ``FallbackChain``
  return a coroutine that continues the same call on the async path (the
  attempt is awaited, its failure retried / fallen back as on
  ``call_async``); ``FaultInjector.call`` refuses it (TypeError).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Awaitable, Callable, FrozenSet, TypeVar

from ._native import returns_awaitable

__all__ = ["is_async_callable", "returns_awaitable", "awaitable_result", "sync_call_returned_awaitable", "PLAIN"]

T = TypeVar("T")

#: Result types that are never awaitable: Python-side paths skip the native
#: check for them with one set lookup.
PLAIN: FrozenSet[type] = frozenset({type(None), bool, int, float, str, bytes, tuple, list, dict})


def is_async_callable(fn: Any) -> bool:
    """True when calling ``fn`` runs an ``async def`` (see the module docstring)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    if inspect.iscoroutinefunction(fn):
        return True
    if inspect.isroutine(fn) or isinstance(fn, type):
        return False
    return inspect.iscoroutinefunction(getattr(type(fn), "__call__", None))


def awaitable_result(result: Any) -> bool:
    """True when what a sync call returned is awaitable (its outcome is only
    known once it is awaited): a coroutine, a Future, any ``__await__``."""
    return type(result) not in PLAIN and returns_awaitable(result)


def _close(result: Any) -> None:
    close = getattr(result, "close", None)
    if callable(close):
        close()  # a coroutine never awaited: no "never awaited" warning


def sync_call_returned_awaitable(who: str, fn: Any, result: Any) -> TypeError:
    """The error of a sync path that cannot hold on to an awaitable: the
    awaitable is closed unawaited and the message says what to use."""
    _close(result)
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return TypeError(
        f"{who}: {name} returned an awaitable ({type(result).__name__}) to a sync call; "
        f"await it through call_async(fn, ...) instead, or decorate an async def "
        f"(or an object with `async def __call__`)"
    )


async def guarded(permit: Any, awaitable: Awaitable[T]) -> T:
    """Awaits what a sync call through a CircuitBreaker returned and records
    its real outcome on ``permit`` (a BreakerPermit taken before the call)."""
    try:
        result = await awaitable
    except BaseException as e:
        permit.finish(e)
        raise
    permit.success()
    return result


async def holding(permit: Any, awaitable: Awaitable[T]) -> T:
    """Awaits ``awaitable`` holding ``permit`` (a BulkheadPermit), then
    releases it."""
    try:
        return await awaitable
    finally:
        permit.release()


def async_only(who: str, call_async: str, fn: Callable[..., Any]) -> TypeError:
    """The error of a decorator that only wraps async callables."""
    return TypeError(
        f"{who} decorates async callables (a running sync call cannot be interrupted): "
        f"an async def, a bound method or functools.partial of one, or an object with "
        f"`async def __call__`; got {fn!r}. For another callable that returns an "
        f"awaitable, use `await {call_async}(fn, ...)`"
    )


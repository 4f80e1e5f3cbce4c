"""FaultInjector: chaos on purpose, reproducible with a seed.

``@injector`` on a ``def`` or ``async def`` (or ``call()`` /
``call_async()``): per call the core decides nothing, an error (raised
instead of running the call: ``InjectedFaultError`` by default, or what
``error()`` returns), or a delay before the call (``time.sleep`` /
``asyncio.sleep``, or advancing the ManualClock given as ``clock=``).
``injector.enabled = False`` switches it off at run time.

Async callables (an ``async def``, a bound method or ``functools.partial``
of one, an object with ``async def __call__``) get the async path. A sync
callable that returns an awaitable (a lambda returning a coroutine) is a
TypeError at call time: its delay would block the event loop; use
``call_async`` for it.
"""

from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable, Mapping, Optional, TypeVar, cast

from . import _clock, _native
from . import events as _events
from .metrics import Registry, _attach
from ._native import ManualClock
from ._aio import PLAIN, is_async_callable, returns_awaitable, sync_call_returned_awaitable
from .errors import ConfigTypeError, InjectedFaultError

__all__ = ["FaultInjector"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class FaultInjector(_native.FaultInjector):
    """``FaultInjector(*, error_rate=0.0, delay_rate=0.0, delay_min=1.0,
    delay_max=1.0, seed=None, enabled=True, error=None, clock=None)``

    ``error`` is an exception class or a zero-argument callable returning the
    exception to raise (default ``InjectedFaultError``).
    """

    __slots__ = ("_clock", "_error")

    def __init__(
        self,
        *,
        error_rate: Optional[float] = None,
        delay_rate: Optional[float] = None,
        delay_min: Optional[float] = None,
        delay_max: Optional[float] = None,
        seed: Optional[int] = None,
        enabled: Optional[bool] = None,
        clock: Optional[ManualClock] = None,
        error: Optional[Callable[[], BaseException]] = None,
        name: Optional[str] = None,
        labels: Optional[Mapping[str, str]] = None,
        registry: Optional[Registry] = None,
    ) -> None:
        if error is not None and not callable(error):
            raise ConfigTypeError(
                f"error must be an exception class or a callable returning one, got {type(error).__name__} {error!r}",
                field="error",
            )
        self._clock = clock
        self._error = error
        _attach(self, name, labels, registry)

    def __new__(cls, *, error: Any = None, name: Any = None, labels: Any = None, registry: Any = None, **kwargs: Any) -> "FaultInjector":
        return super().__new__(cls, **kwargs)

    def _raise(self) -> None:
        if self._error is None:
            raise InjectedFaultError("injected fault")
        raise self._error()

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        kind, delay = self.decide()
        if kind != "none" and _events.wanted("fault_injected"):
            _events.emit("fault_injected", self, fault=kind, delay=delay)
        if kind == "error":
            self._raise()
        elif kind == "delay":
            _clock.sleep(self._clock, delay)
        result = fn(*args, **kwargs)
        if type(result) not in PLAIN and returns_awaitable(result):
            raise sync_call_returned_awaitable("FaultInjector.call", fn, result)
        return result

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        kind, delay = self.decide()
        if kind != "none" and _events.wanted("fault_injected"):
            _events.emit("fault_injected", self, fault=kind, delay=delay)
        if kind == "error":
            self._raise()
        elif kind == "delay":
            await _clock.sleep_async(self._clock, delay)
        return await fn(*args, **kwargs)

    def __call__(self, fn: F) -> F:
        """``@injector`` on a ``def`` or an async callable."""
        if is_async_callable(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                return await self.call_async(fn, *args, **kwargs)

            return cast(F, awrapper)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return self.call(fn, *args, **kwargs)

        return cast(F, wrapper)

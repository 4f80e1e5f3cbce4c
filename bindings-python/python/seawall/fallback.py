"""Fallbacks: a value or handler when a call fails, a chain of sources, and
graceful degradation of optional parts.

All of them run user code, so they live in Python; which exceptions count
is the caller's choice (``on=`` types and an optional ``when=`` predicate).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import os
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Final,
    Generic,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    cast,
    overload,
)

from . import _clock
from ._aio import awaitable_result, is_async_callable
from . import events as _events
from ._native import check_seconds
from .errors import ArgumentTypeError, ConfigTypeError
from .errors import TimeoutError as SeawallTimeoutError
from .timeouts import _run_with_timeout

__all__ = [
    "MISS",
    "MissType",
    "Fallback",
    "fallback",
    "FallbackChain",
    "ChainResult",
    "Part",
    "Degraded",
    "degrade",
    "degrade_async",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
ExcTypes = Union[Type[BaseException], Tuple[Type[BaseException], ...]]


class _Nothing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<nothing>"


_NOTHING: Any = _Nothing()


class _Miss:
    __slots__ = ()

    def __repr__(self) -> str:
        return "seawall.MISS"

    def __bool__(self) -> bool:
        return False


#: The type of MISS, for annotating a stage: ``def cache(k) -> Union[V, MissType]``.
MissType = _Miss


#: Returned by a FallbackChain stage (e.g. a cache lookup) that has no answer.
MISS: Final[_Miss] = _Miss()


def _exc_types(on: Any, name: str = "on") -> Tuple[Type[BaseException], ...]:
    if isinstance(on, type) and issubclass(on, BaseException):
        return (on,)
    if isinstance(on, tuple) and all(isinstance(t, type) and issubclass(t, BaseException) for t in on):
        return on
    raise ConfigTypeError(f"{name} must be an exception type or a tuple of them, got {on!r}", field=name)


def _check_callable(v: Any, name: str, optional: bool = True, field: Optional[str] = None) -> None:
    if v is None and optional:
        return
    if not callable(v):
        raise ConfigTypeError(f"{name} must be callable, got {type(v).__name__} {v!r}", field=field or name)


def _name(fn: Any) -> str:
    return str(getattr(fn, "__qualname__", None) or repr(fn))


def _on_repr(on: Tuple[Type[BaseException], ...]) -> str:
    names = [t.__name__ for t in on]
    return names[0] if len(names) == 1 else "(" + ", ".join(names) + ")"


class Fallback:
    """What to answer when a call fails. See ``fallback()``."""

    __slots__ = ("_value", "_handler", "_on", "_when")

    def __init__(
        self,
        value: Any = _NOTHING,
        *,
        handler: Optional[Callable[[BaseException], Any]] = None,
        on: ExcTypes = Exception,
        when: Optional[Callable[[BaseException], bool]] = None,
    ) -> None:
        if (value is _NOTHING) == (handler is None):
            raise ConfigTypeError("fallback() takes exactly one of value or handler=", field="handler")
        _check_callable(handler, "handler")
        _check_callable(when, "when")
        self._value = value
        self._handler = handler
        self._on = _exc_types(on)
        self._when = when

    def __repr__(self) -> str:
        what = f"handler={_name(self._handler)}" if self._handler is not None else f"value={self._value!r}"
        when = "" if self._when is None else f", when={_name(self._when)}"
        return f"Fallback({what}, on={_on_repr(self._on)}{when})"

    def _applies(self, e: BaseException) -> bool:
        return isinstance(e, self._on) and (self._when is None or bool(self._when(e)))

    def _answer(self, e: BaseException) -> Any:
        if _events.wanted("fallback_used"):
            _events.emit("fallback_used", self, error=e)
        if self._handler is None:
            return self._value
        return self._handler(e)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            r = fn(*args, **kwargs)
        except BaseException as e:
            if not self._applies(e):
                raise
            return cast(T, self._answer(e))
        if awaitable_result(r):
            # A callable that is not an `async def` returned a coroutine: its
            # failure comes when it is awaited, so the answer is a coroutine
            # that applies the fallback then (as call_async).
            return cast(T, self._await_or_answer(cast(Any, r)))
        return r

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        return await self._await_or_answer(None, fn, args, kwargs)

    async def _await_or_answer(
        self,
        pending: Optional[Awaitable[T]],
        fn: Optional[Callable[..., Awaitable[T]]] = None,
        args: Any = (),
        kwargs: Any = None,
    ) -> T:
        try:
            if pending is None and fn is not None:
                pending = fn(*args, **(kwargs or {}))
            return await cast(Awaitable[T], pending)
        except BaseException as e:
            if not self._applies(e):
                raise
            r = self._answer(e)
            if inspect.isawaitable(r):
                r = await r
            return cast(T, r)

    def __call__(self, fn: F) -> F:
        if is_async_callable(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                return await self.call_async(fn, *args, **kwargs)

            return cast(F, awrapper)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return self.call(fn, *args, **kwargs)

        return cast(F, wrapper)


def fallback(
    value: Any = _NOTHING,
    *,
    handler: Optional[Callable[[BaseException], Any]] = None,
    on: ExcTypes = Exception,
    when: Optional[Callable[[BaseException], bool]] = None,
) -> Fallback:
    """``@fallback([])`` or ``@fallback(handler=lambda exc: ...)``.

    When the call raises an instance of ``on`` (default ``Exception``) for
    which ``when(exc)`` is true (default always), return ``value`` or
    ``handler(exc)`` instead (awaited if it is awaitable, on the async path).
    Works on ``def`` and async callables; a callable that returns a
    coroutine on the sync path gets a coroutine that applies the fallback
    when awaited.
    """
    return Fallback(value, handler=handler, on=on, when=when)


class ChainResult(Generic[T]):
    """The answer of a FallbackChain and where it came from."""

    __slots__ = ("value", "source", "errors")

    def __init__(self, value: T, source: str, errors: List[Tuple[str, BaseException]]) -> None:
        self.value = value
        #: Name of the stage that answered ("default" for the default).
        self.source = source
        #: (stage name, exception) of every stage that failed before.
        self.errors = errors

    @property
    def degraded(self) -> bool:
        """True when the answer did not come from the first stage."""
        return bool(self.errors) or self.source == "default"

    def __repr__(self) -> str:
        return f"ChainResult(value={self.value!r}, source={self.source!r}, errors={len(self.errors)})"


_SyncStage = Callable[..., Union[T, _Miss]]
_AsyncStage = Callable[..., Awaitable[Union[T, _Miss]]]


class FallbackChain(Generic[T]):
    """Try sources in order: ``FallbackChain(primary, cache, stale, default=...)``.

    Each stage is called with the call's arguments. A stage that raises one
    of ``on`` or returns ``seawall.MISS`` passes to the next. When every
    stage failed: ``default`` if given, else the last exception is re-raised
    (``LookupError`` if every stage missed). Stages may be ``(name, fn)``
    pairs; otherwise their ``__name__`` names them in ``ChainResult.source``.
    """

    @overload
    def __init__(
        self,
        *stages: Union[_AsyncStage[T], Tuple[str, _AsyncStage[T]]],
        default: Union[T, _Nothing] = ...,
        on: ExcTypes = ...,
    ) -> None: ...

    @overload
    def __init__(
        self,
        *stages: Union[_SyncStage[T], Tuple[str, _SyncStage[T]]],
        default: Union[T, _Nothing] = ...,
        on: ExcTypes = ...,
    ) -> None: ...

    def __init__(self, *stages: Any, default: Any = _NOTHING, on: ExcTypes = Exception) -> None:
        if not stages:
            raise ConfigTypeError("FallbackChain needs at least one stage (stages)", field="stages")
        self._stages: List[Tuple[str, Callable[..., Any]]] = []
        for i, s in enumerate(stages):
            if isinstance(s, tuple) and len(s) == 2 and isinstance(s[0], str):
                name, fn = s
            else:
                name, fn = getattr(s, "__name__", f"stage{i}"), s
            _check_callable(fn, f"stages[{i}]", optional=False, field="stages")
            self._stages.append((name, fn))
        self._default = default
        self._on = _exc_types(on)

    def __repr__(self) -> str:
        default = "" if self._default is _NOTHING else f", default={self._default!r}"
        return f"FallbackChain({', '.join(self.stage_names)}{default}, on={_on_repr(self._on)})"

    @property
    def stage_names(self) -> List[str]:
        return [n for n, _ in self._stages]

    def _finish(self, errors: List[Tuple[str, BaseException]]) -> ChainResult[T]:
        if self._default is not _NOTHING:
            return ChainResult(cast(T, self._default), "default", errors)
        if errors:
            raise errors[-1][1]
        raise LookupError("every FallbackChain stage missed and there is no default")

    def call_detailed(self, *args: Any, **kwargs: Any) -> ChainResult[T]:
        """Tries the stages in order (sync). A stage that returns an
        awaitable (an async stage) makes the answer a coroutine that goes on
        with the chain on the async path (as ``call_detailed_async``): await
        it."""
        errors: List[Tuple[str, BaseException]] = []
        for i, (name, fn) in enumerate(self._stages):
            try:
                v = fn(*args, **kwargs)
            except self._on as e:
                errors.append((name, e))
                continue
            if awaitable_result(v):
                return cast(ChainResult[T], self._detailed_async_from(i, v, errors, args, kwargs))
            if v is not MISS:
                return ChainResult(v, name, errors)
        return self._finish(errors)

    async def call_detailed_async(self, *args: Any, **kwargs: Any) -> ChainResult[T]:
        return await self._detailed_async_from(0, None, [], args, kwargs)

    async def _detailed_async_from(
        self,
        start: int,
        pending: Optional[Awaitable[Any]],
        errors: List[Tuple[str, BaseException]],
        args: Any,
        kwargs: Any,
    ) -> ChainResult[T]:
        """The chain from stage ``start`` on, whose call returned
        ``pending`` (not awaited yet; None: call it)."""
        for name, fn in self._stages[start:]:
            try:
                if pending is not None:
                    v, pending = pending, None
                else:
                    v = fn(*args, **kwargs)
                if inspect.isawaitable(v):
                    v = await v
            except self._on as e:
                errors.append((name, e))
                continue
            if v is not MISS:
                return ChainResult(v, name, errors)
        return self._finish(errors)

    def call(self, *args: Any, **kwargs: Any) -> T:
        """The value of ``call_detailed`` (a coroutine of it when a stage is
        async: await it)."""
        d = self.call_detailed(*args, **kwargs)
        if not isinstance(d, ChainResult):
            return cast(T, self._value_of(d))
        return d.value

    @staticmethod
    async def _value_of(d: Awaitable[ChainResult[T]]) -> T:
        return (await d).value

    async def call_async(self, *args: Any, **kwargs: Any) -> T:
        return (await self.call_detailed_async(*args, **kwargs)).value

    __call__ = call


class Part:
    """One part of a response for ``degrade()``.

    ``fn`` is called with no arguments (use a lambda or functools.partial).
    ``timeout`` (seconds, optional) bounds it; on failure or timeout the part
    answers ``default``, unless ``required=True``, when the error propagates.
    """

    __slots__ = ("fn", "timeout", "default", "required")

    def __init__(
        self,
        fn: Callable[[], Any],
        *,
        timeout: Optional[float] = None,
        default: Any = None,
        required: bool = False,
    ) -> None:
        _check_callable(fn, "fn", optional=False)
        self.fn = fn
        self.timeout = None if timeout is None else check_seconds("timeout", timeout)
        self.default = default
        if not isinstance(required, bool):
            raise ConfigTypeError(f"required must be a bool, got {type(required).__name__} {required!r}", field="required")
        self.required = required

    def __repr__(self) -> str:
        timeout = "" if self.timeout is None else f", timeout={self.timeout!r}"
        return f"Part({_name(self.fn)}{timeout}, default={self.default!r}, required={self.required!r})"


class Degraded:
    """What ``degrade()`` returns: every part's value and what degraded."""

    __slots__ = ("values", "degraded", "errors")

    def __init__(self, values: Dict[str, Any], degraded: List[str], errors: Dict[str, BaseException]) -> None:
        self.values = values
        #: Names of the parts that answered their default, in the given order.
        self.degraded = degraded
        #: The exception of each degraded part (seawall.TimeoutError on timeout).
        self.errors = errors

    @property
    def complete(self) -> bool:
        return not self.degraded

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def __repr__(self) -> str:
        return f"Degraded(values={self.values!r}, degraded={self.degraded!r})"


def _parts(parts: Mapping[str, Union[Part, Callable[[], Any]]]) -> List[Tuple[str, Part]]:
    if not isinstance(parts, Mapping):
        raise ArgumentTypeError(f"parts must be a mapping of name to Part, got {type(parts).__name__}", field="parts")
    out = []
    for name, p in parts.items():
        if not isinstance(name, str):
            raise ArgumentTypeError(f"parts: part names must be str, got {name!r}", field="parts")
        out.append((name, p if isinstance(p, Part) else Part(p)))
    return out


async def degrade_async(parts: Mapping[str, Union[Part, Callable[[], Awaitable[Any]]]]) -> Degraded:
    """Runs every part concurrently; failed or late optional parts degrade.

    ``await degrade_async({"user": Part(get_user, required=True),
    "recs": Part(get_recs, timeout=0.2, default=[])})``
    """
    items = _parts(parts)

    async def run(p: Part) -> Any:
        r = p.fn()
        if not inspect.isawaitable(r):
            return r
        if p.timeout is None:
            return await r
        return await _run_with_timeout(r, p.timeout)

    tasks = [asyncio.ensure_future(run(p)) for _, p in items]
    try:
        results = await asyncio.gather(*tasks, return_exceptions=True)
    except BaseException:
        for t in tasks:
            t.cancel()
        raise
    return _collect(items, results)


def _collect(items: List[Tuple[str, Part]], results: Sequence[Any]) -> Degraded:
    values: Dict[str, Any] = {}
    degraded: List[str] = []
    errors: Dict[str, BaseException] = {}
    for (name, p), r in zip(items, results):
        if isinstance(r, BaseException):
            if p.required or not isinstance(r, Exception):
                raise r
            values[name] = p.default
            degraded.append(name)
            errors[name] = r
        else:
            values[name] = r
    return Degraded(values, degraded, errors)


_POOL: Optional[concurrent.futures.ThreadPoolExecutor] = None


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="seawall-degrade")
    return _POOL


def _forget_pool_after_fork() -> None:
    # A forked child has none of the parent's threads: start a new pool.
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def degrade(parts: Mapping[str, Union[Part, Callable[[], Any]]]) -> Degraded:
    """The thread version of degrade_async for plain functions.

    Parts run concurrently on a shared thread pool; a part past its timeout
    answers its default (its thread finishes in the background: a running
    Python function cannot be interrupted).
    """
    items = _parts(parts)
    start = _clock.now(None)  # real time: thread waits below are real
    futures = [_pool().submit(p.fn) for _, p in items]
    results: List[Any] = []
    for (_, p), fut in zip(items, futures):
        left = None if p.timeout is None else max(0.0, start + p.timeout - _clock.now(None))
        try:
            results.append(fut.result(timeout=left))
        except concurrent.futures.TimeoutError:
            results.append(SeawallTimeoutError(f"timed out after {p.timeout:g}s"))
        except BaseException as e:  # noqa: BLE001 - collected, re-raised if required
            results.append(e)
    return _collect(items, results)

"""Shared test helpers."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable


def same_metadata(wrapper: Callable[..., Any], original: Callable[..., Any]) -> None:
    """A decorator kept __name__, __qualname__, __doc__, the signature and async-ness."""
    assert wrapper.__name__ == original.__name__
    assert wrapper.__qualname__ == original.__qualname__
    assert wrapper.__doc__ == original.__doc__
    assert inspect.signature(wrapper) == inspect.signature(original)
    assert inspect.iscoroutinefunction(wrapper) == inspect.iscoroutinefunction(original)
    assert getattr(wrapper, "__wrapped__", None) is original


def run(coro: Any) -> Any:
    return asyncio.run(coro)

"""Not a test module: `make stubtest` type-checks this file with mypy --strict
against the installed wheel's stubs, so the public API is typed end to end."""

from __future__ import annotations

import asyncio

import seawall

clock = seawall.ManualClock()
clock.advance(1.0)
t: float = clock.now()


@seawall.timeout(1.0)
async def fetch(x: int) -> int:
    return x


@seawall.fallback(0)
def compute(x: int) -> int:
    return x


r: int = compute(3)
coro = fetch(1)
v: int = asyncio.run(coro)
with seawall.deadline(2.0, clock=clock) as d:
    left: float = d.remaining()
chain = seawall.FallbackChain(lambda: 1, default=2)
res = chain.call_detailed()
src: str = res.source
e: seawall.SeawallError = seawall.CircuitOpenError("x", retry_after=1.0)

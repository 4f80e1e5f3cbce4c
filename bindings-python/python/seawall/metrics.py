"""Names, registries, Prometheus text, health, and the glue for
``prometheus_client`` and ASGI (``spec/metrics.md``).

- ``CircuitBreaker(name="payments", labels={"team": "billing"})`` (any
  primitive that takes ``name=``) registers in ``default_registry``, or in
  ``registry=`` when given. A name already registered there raises
  ``InvalidArgumentError`` naming ``name``; the entry goes away when the
  object is garbage-collected (or on ``registration.close()``).
- ``prometheus_text()`` / ``health()`` export one registry; the text is
  rendered by the Rust core, identical in every language.
- ``SeawallCollector`` joins an application's ``prometheus_client``
  registry (``prometheus_client`` is optional; only the collector needs it).
- ``MetricsApp`` is an ASGI app (or middleware) serving ``/metrics`` and
  ``/health``.

Naming costs nothing per call: export reads each object's ``metrics()``
counters.
"""

from __future__ import annotations

import json
import weakref
from typing import Any, Awaitable, Callable, Dict, Iterable, Iterator, List, Mapping, MutableMapping, Optional

from . import _native
from ._log import log_transition
from .errors import ArgumentTypeError

__all__ = [
    "Registry",
    "Registration",
    "default_registry",
    "register",
    "prometheus_text",
    "health",
    "SeawallCollector",
    "MetricsApp",
    "CONTENT_TYPE",
    "instrument_opentelemetry",
]

Registry = _native.Registry
Registration = _native.Registration

#: The process-wide registry named instances join unless given ``registry=``.
default_registry: "_native.Registry" = _native.default_registry()

#: Content type of the Prometheus text exposition format 0.0.4.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _registry(registry: Optional[Any]) -> "_native.Registry":
    if registry is None:
        return default_registry
    if not isinstance(registry, _native.Registry):
        raise ArgumentTypeError(
            f"registry must be a seawall.metrics.Registry, got {type(registry).__name__} {registry!r}",
            field="registry",
        )
    return registry


def register(obj: Any, name: str, *, labels: Optional[Mapping[str, str]] = None, registry: Optional[Any] = None) -> "_native.Registration":
    """Registers ``obj`` as ``name``; the entry lives as long as ``obj``
    (or until ``close()`` on the returned Registration)."""
    reg = _registry(registry)
    from .retry import Retry

    if isinstance(obj, Retry):
        # A retry's counters are its backoff's (schedules, retries, give-ups
        # by reason); the entry lives as long as that backoff.
        obj = obj.backoff
    if labels is not None and not isinstance(labels, dict):
        labels = dict(labels) if isinstance(labels, Mapping) else labels
    handle = reg.register(obj, name, labels)
    weakref.finalize(obj, handle.close)
    from .events import _names

    try:
        _names[obj] = name  # the name 'rejected' events carry
    except TypeError:
        pass
    if isinstance(obj, _native.CircuitBreaker):
        # A module-level function and a string: no reference back to obj.
        obj.on_state_change(_Transition(name))
    return handle


class _Transition:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, from_state: str, to_state: str) -> None:
        log_transition(self.name, from_state, to_state)


def _attach(obj: Any, name: Optional[str], labels: Optional[Mapping[str, str]], registry: Optional[Any], region: Optional[Any] = None) -> None:
    """Constructor helper: registers when ``name`` is given. With ``region``
    the name is the slot's, which every object of this process that attaches
    to it shares: such an object is registered only when ``labels=`` or
    ``registry=`` asks for it (register one of them)."""
    if region is not None and labels is None and registry is None:
        return
    if name is None:
        if labels is not None:
            raise ArgumentTypeError("labels needs name= as well", field="labels")
        if registry is not None:
            raise ArgumentTypeError("registry needs name= as well", field="registry")
        return
    register(obj, name, labels=labels, registry=registry)


def prometheus_text(registry: Optional[Any] = None) -> str:
    """Prometheus text exposition (0.0.4) of every instance in ``registry``
    (default: ``default_registry``)."""
    return _registry(registry).prometheus_text()


def health(registry: Optional[Any] = None) -> Dict[str, Any]:
    """``{"status": "ok"|"degraded", "instances": [...]}`` as plain data."""
    out: Dict[str, Any] = json.loads(_registry(registry).health_json())
    return out


class SeawallCollector:
    """A ``prometheus_client`` collector exporting one seawall registry::

        prometheus_client.REGISTRY.register(SeawallCollector())
    """

    def __init__(self, registry: Optional[Any] = None) -> None:
        self._registry = _registry(registry)

    def describe(self) -> List[Any]:
        # Families come and go with the instances; nothing to pre-declare.
        return []

    def collect(self) -> Iterator[Any]:
        from prometheus_client.parser import text_string_to_metric_families

        yield from text_string_to_metric_families(self._registry.prometheus_text())


def instrument_opentelemetry(meter: Optional[Any] = None, *, registry: Optional[Any] = None) -> List[Any]:
    """Creates one OpenTelemetry observable instrument per seawall family
    on ``meter`` (default: ``opentelemetry.metrics.get_meter("seawall")``);
    each reads the registry when the SDK collects. Counters drop the
    ``_total`` suffix (OpenTelemetry's exporters add it back); times keep
    seconds (unit ``s``). Needs ``opentelemetry-api``; seawall does not
    depend on it. Returns the instruments."""
    reg = _registry(registry)
    if meter is None:
        from opentelemetry import metrics as otel_metrics

        from . import __version__

        meter = otel_metrics.get_meter("seawall", __version__)
    from opentelemetry.metrics import Observation

    def callback_for(family: str) -> Callable[[Any], Iterable[Any]]:
        def observe(_options: Any) -> Iterable[Any]:
            for name, _ty, _help, samples in reg.collect():
                if name == family:
                    return [Observation(value, dict(labels)) for labels, value in samples]
            return []

        return observe

    instruments = []
    for name, ty, help_text, _ in reg.collect():
        unit = "s" if name.endswith("_seconds") else "1"
        if ty == "counter":
            inst = meter.create_observable_counter(
                name[: -len("_total")] if name.endswith("_total") else name,
                callbacks=[callback_for(name)],
                unit=unit,
                description=help_text,
            )
        else:
            inst = meter.create_observable_gauge(name, callbacks=[callback_for(name)], unit=unit, description=help_text)
        instruments.append(inst)
    return instruments


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class MetricsApp:
    """ASGI: serves ``GET metrics_path`` (Prometheus text) and ``GET
    health_path`` (the health JSON, status 200 either way: an open breaker
    means a dependency is failing, not this process), and passes every
    other request to ``app`` (404 when there is none)."""

    __slots__ = ("app", "registry", "metrics_path", "health_path")

    def __init__(
        self,
        app: Optional[ASGIApp] = None,
        *,
        registry: Optional[Any] = None,
        metrics_path: str = "/metrics",
        health_path: str = "/health",
    ) -> None:
        self.app = app
        self.registry = _registry(registry)
        self.metrics_path = metrics_path
        self.health_path = health_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD"):
            path = scope.get("path")
            head = scope.get("method") == "HEAD"
            if path == self.metrics_path:
                return await _respond(send, 200, CONTENT_TYPE, self.registry.prometheus_text().encode(), head)
            if path == self.health_path:
                return await _respond(send, 200, "application/json", self.registry.health_json().encode(), head)
        if self.app is not None:
            return await self.app(scope, receive, send)
        if scope.get("type") == "http":
            await _respond(send, 404, "text/plain; charset=utf-8", b"not found\n")


async def _respond(send: Send, status: int, ctype: str, body: bytes, head: bool = False) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else body})


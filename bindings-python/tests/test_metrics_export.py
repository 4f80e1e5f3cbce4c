"""Names, registries and the Prometheus/health export (spec/metrics.md),
scraped from a live ASGI app over real HTTP on 127.0.0.1 and parsed with
prometheus_client's official parser."""

from __future__ import annotations

import gc
import json
import logging
import socket
import sys
import threading
import time
import urllib.request
from typing import Any, Dict, Iterator, List, Tuple

import pytest

# The official parser and the ASGI server are dev requirements of the main
# test venv (requirements-dev.txt); the CPython 3.9 run installs only pytest.
pytest.importorskip("prometheus_client")
from prometheus_client import CollectorRegistry, generate_latest  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

import seawall
from seawall import metrics
from seawall.errors import ArgumentTypeError, InvalidArgumentError

uvicorn = pytest.importorskip("uvicorn")

FAMILIES = {
    "seawall_circuit_breaker_state": "gauge",
    "seawall_circuit_breaker_calls": "counter",
    "seawall_circuit_breaker_slow_calls": "counter",
    "seawall_circuit_breaker_rejected_calls": "counter",
    "seawall_circuit_breaker_transitions": "counter",
    "seawall_circuit_breaker_failure_rate": "gauge",
    "seawall_circuit_breaker_slow_call_rate": "gauge",
    "seawall_circuit_breaker_buffered_calls": "gauge",
    "seawall_circuit_breaker_open_duration_seconds": "gauge",
    "seawall_rate_limiter_calls": "counter",
    "seawall_rate_limiter_available_permits": "gauge",
    "seawall_rate_limiter_limit_permits": "gauge",
    "seawall_rate_limiter_waiting_calls": "gauge",
    "seawall_rate_limiter_keys_tracked": "gauge",
    "seawall_rate_limiter_key_capacity": "gauge",
    "seawall_rate_limiter_key_evictions": "counter",
    "seawall_rate_limiter_key_table_full": "counter",
    "seawall_bulkhead_active_calls": "gauge",
    "seawall_bulkhead_queued_calls": "gauge",
    "seawall_bulkhead_max_concurrent_calls": "gauge",
    "seawall_bulkhead_max_queued_calls": "gauge",
    "seawall_bulkhead_calls": "counter",
    "seawall_retry_budget_tokens": "gauge",
    "seawall_retry_budget_max_tokens": "gauge",
    "seawall_retry_budget_retries": "counter",
    "seawall_adaptive_timeout_seconds": "gauge",
    "seawall_adaptive_timeout_latency_seconds": "gauge",
    "seawall_adaptive_timeout_samples": "counter",
    "seawall_fault_injector_decisions": "counter",
    "seawall_fault_injections": "counter",
    "seawall_fault_injector_enabled": "gauge",
}

Key = Tuple[str, Tuple[Tuple[str, str], ...]]


def samples(text: str) -> Tuple[Dict[str, str], Dict[Key, float]]:
    """(family -> type, (sample name, sorted labels) -> value), strictly parsed."""
    types: Dict[str, str] = {}
    values: Dict[Key, float] = {}
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            assert key not in values, f"duplicate sample {key}"
            values[key] = s.value
    return types, values


def v(values: Dict[Key, float], sample: str, **labels: str) -> float:
    return values[(sample, tuple(sorted(labels.items())))]


class Live:
    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "Live":
        self.thread.start()
        for _ in range(1000):
            if self.server.started:
                return self
            time.sleep(0.01)  # waiting for the server to listen, not timing behaviour
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    def get(self, path: str) -> Tuple[int, str, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return r.status, r.headers["content-type"], r.read().decode()


@pytest.fixture
def world() -> Iterator[Dict[str, Any]]:
    reg = metrics.Registry()
    clock = seawall.ManualClock()
    labels = {"dependency": "payments"}
    w: Dict[str, Any] = {
        "reg": reg,
        "clock": clock,
        "cb": seawall.CircuitBreaker(
            name="cb", labels=labels, registry=reg, clock=clock, window_size=4, minimum_number_of_calls=4
        ),
        "tb": seawall.TokenBucket(1.0, 3, name="tb", labels=labels, registry=reg, clock=clock),
        "sw": seawall.SlidingWindowLimiter(2, 10.0, name="sw", labels=labels, registry=reg, clock=clock),
        # a table of 4 slots: a fifth key in the same second finds none
        "kb": seawall.KeyedTokenBucket(1.0, 1, max_keys=1, name="kb", labels=labels, registry=reg, clock=clock),
        "bh": seawall.Bulkhead(1, name="bh", labels=labels, registry=reg, clock=clock),
        "at": seawall.AdaptiveTimeout(name="at", labels=labels, registry=reg, clock=clock),
        "fi": seawall.FaultInjector(error_rate=0.5, seed=7, name="fi", labels=labels, registry=reg, clock=clock),
        "rb": seawall.RetryBudget(max_tokens=10),
    }
    w["rb_reg"] = metrics.register(w["rb"], "rb", labels=labels, registry=reg)
    yield w


def traffic(w: Dict[str, Any], rounds: int) -> None:
    def boom() -> None:
        raise OSError("down")

    for i in range(rounds):
        try:
            w["cb"].call(boom)
        except (OSError, seawall.CircuitOpenError):
            pass
        w["tb"].try_acquire()
        w["sw"].try_acquire()
        for k in range(6):
            w["kb"].try_acquire(f"k{(i + k) % 6}")
        w["clock"].advance(0.4)
        p = w["bh"].try_acquire()
        w["bh"].try_acquire()
        if p is not None:
            p.release()
        w["at"].record(0.02)
        w["fi"].decide()
        w["rb"].try_retry()


def check_equal_to_metrics(w: Dict[str, Any], values: Dict[Key, float]) -> None:
    lab = {"dependency": "payments"}
    m = w["cb"].metrics()
    for state in ("closed", "open", "half_open", "disabled", "forced_open", "metrics_only"):
        assert v(values, "seawall_circuit_breaker_state", name="cb", state=state, **lab) == (1.0 if m["state"] == state else 0.0)
    assert v(values, "seawall_circuit_breaker_calls_total", name="cb", outcome="failure", **lab) == m["failures"]
    assert v(values, "seawall_circuit_breaker_calls_total", name="cb", outcome="success", **lab) == m["successes"]
    assert v(values, "seawall_circuit_breaker_rejected_calls_total", name="cb", reason="circuit_open", **lab) == m["rejected"]
    assert v(values, "seawall_circuit_breaker_transitions_total", name="cb", **lab) == m["transitions"]
    for name in ("tb", "sw"):
        lm = w[name].metrics()
        assert v(values, "seawall_rate_limiter_calls_total", name=name, outcome="allowed", **lab) == lm["allowed"]
        assert v(values, "seawall_rate_limiter_calls_total", name=name, outcome="denied", **lab) == lm["denied"]
    km = w["kb"].metrics()
    assert v(values, "seawall_rate_limiter_calls_total", name="kb", outcome="allowed", **lab) == km["allowed"]
    assert v(values, "seawall_rate_limiter_calls_total", name="kb", outcome="denied", **lab) == km["denied"]
    assert v(values, "seawall_rate_limiter_waiting_calls", name="kb", **lab) == km["waiting"]
    assert v(values, "seawall_rate_limiter_keys_tracked", name="kb", **lab) == km["keys_tracked"]
    assert v(values, "seawall_rate_limiter_key_capacity", name="kb", **lab) == km["capacity"]
    assert v(values, "seawall_rate_limiter_key_evictions_total", name="kb", **lab) == km["evictions"]
    assert v(values, "seawall_rate_limiter_key_table_full_total", name="kb", **lab) == km["table_full"]
    assert km["denied"] > 0 and km["keys_tracked"] > 0 and km["table_full"] > 0, km
    b = w["bh"].metrics()
    assert v(values, "seawall_bulkhead_calls_total", name="bh", outcome="permitted", **lab) == b["total"]
    assert v(values, "seawall_bulkhead_calls_total", name="bh", outcome="rejected", **lab) == b["rejected"]
    assert v(values, "seawall_bulkhead_active_calls", name="bh", **lab) == b["active"]
    a = w["at"].metrics()
    assert v(values, "seawall_adaptive_timeout_seconds", name="at", **lab) == pytest.approx(a["timeout"])
    assert v(values, "seawall_adaptive_timeout_latency_seconds", name="at", quantile="0.95", **lab) == pytest.approx(a["p95"])
    assert v(values, "seawall_adaptive_timeout_samples_total", name="at", **lab) == a["total"]
    f = w["fi"].metrics()
    assert v(values, "seawall_fault_injections_total", name="fi", kind="error", **lab) == f["errors"]
    assert v(values, "seawall_fault_injector_decisions_total", name="fi", **lab) == f["decisions"]
    r = w["rb"].metrics()
    assert v(values, "seawall_retry_budget_retries_total", name="rb", outcome="allowed", **lab) == r["retries_allowed"]
    assert v(values, "seawall_retry_budget_tokens", name="rb", **lab) == pytest.approx(r["tokens"])


def test_live_scrape_every_family_monotonic_and_equal_to_metrics(world: Dict[str, Any]) -> None:
    w = world
    traffic(w, 2)
    with Live(metrics.MetricsApp(registry=w["reg"])) as live:
        status, ctype, body1 = live.get("/metrics")
        assert status == 200
        assert ctype == "text/plain; version=0.0.4; charset=utf-8"
        types1, values1 = samples(body1)
        assert types1 == FAMILIES
        check_equal_to_metrics(w, values1)

        traffic(w, 5)
        _, _, body2 = live.get("/metrics")
        types2, values2 = samples(body2)
        assert types2 == FAMILIES
        check_equal_to_metrics(w, values2)
        counters = [k for k in values1 if types1.get(k[0][: -len("_total")]) == "counter"]
        assert len(counters) > 10
        assert all(values2[k] >= values1[k] for k in counters)
        assert sum(values2[k] - values1[k] for k in counters) > 0
        assert w["cb"].state == "open"
        assert v(values2, "seawall_circuit_breaker_state", name="cb", state="open", dependency="payments") == 1.0

        status, ctype, hbody = live.get("/health")
        assert status == 200 and ctype == "application/json"
        h = json.loads(hbody)
        assert h == metrics.health(w["reg"])
        assert h["status"] == "degraded"
        by_name = {i["name"]: i for i in h["instances"]}
        assert by_name["cb"]["healthy"] is False and by_name["cb"]["metrics"]["state"] == "open"
        assert by_name["tb"]["metrics"]["allowed"] == w["tb"].metrics()["allowed"]
        assert set(by_name) == {"cb", "tb", "sw", "kb", "bh", "at", "fi", "rb"}
        assert by_name["kb"]["kind"] == "keyed_token_bucket"
        assert by_name["kb"]["metrics"]["denied"] == w["kb"].metrics()["denied"]

        with pytest.raises(urllib.error.HTTPError) as e:
            live.get("/other")
        assert e.value.code == 404


def test_prometheus_client_collector_joins_an_app_registry(world: Dict[str, Any]) -> None:
    w = world
    traffic(w, 3)
    app_registry = CollectorRegistry()
    app_registry.register(metrics.SeawallCollector(w["reg"]))
    text = generate_latest(app_registry).decode()
    types, values = samples(text)
    assert {k: t for k, t in types.items() if k in FAMILIES} == FAMILIES
    check_equal_to_metrics(w, values)


def test_names_unregister_on_collection_and_duplicates_are_errors() -> None:
    reg = metrics.Registry()
    cb = seawall.CircuitBreaker(name="db", registry=reg)
    assert "db" in reg and reg.names() == ["db"]
    with pytest.raises(InvalidArgumentError) as e:
        seawall.TokenBucket(1.0, 1, name="db", registry=reg)
    assert e.value.field == "name" and "already registered" in str(e.value)
    other = metrics.Registry()
    seawall.Bulkhead(2, name="db", registry=other)  # collected at once: other is empty again
    gc.collect()
    assert "db" not in other
    del cb
    gc.collect()
    assert "db" not in reg
    assert reg.prometheus_text() == ""
    again = seawall.CircuitBreaker(name="db", registry=reg)
    budget = seawall.RetryBudget()
    h = metrics.register(budget, "budget", registry=reg)
    assert reg.names() == ["budget", "db"]
    h.close()
    assert reg.names() == ["db"] and not h.active
    del again, budget


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"name": ""}, "name"),
        ({"name": "a\nb"}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "ok", "labels": {"1bad": "v"}}, "labels"),
        ({"name": "ok", "labels": {"a-b": "v"}}, "labels"),
        ({"name": "ok", "labels": {"__x": "v"}}, "labels"),
        ({"name": "ok", "labels": {"name": "v"}}, "labels"),
        ({"name": "ok", "labels": {"state": "v"}}, "labels"),
        ({"name": "ok", "labels": {"big": "v" * 1025}}, "labels"),
        ({"name": "ok", "labels": {f"l{i}": "v" for i in range(17)}}, "labels"),
    ],
)
def test_bad_names_and_labels_name_the_parameter(kwargs: Dict[str, Any], field: str) -> None:
    reg = metrics.Registry()
    with pytest.raises(InvalidArgumentError) as e:
        seawall.CircuitBreaker(registry=reg, **kwargs)
    assert e.value.field == field, str(e.value)
    assert reg.names() == []


def test_bad_types_and_namespace() -> None:
    reg = metrics.Registry()
    with pytest.raises(ArgumentTypeError) as e:
        seawall.TokenBucket(1.0, 1, name="x", labels={"a": 1}, registry=reg)  # type: ignore[dict-item]
    assert e.value.field == "labels" and "int 1" in str(e.value)
    with pytest.raises(ArgumentTypeError) as e:
        seawall.TokenBucket(1.0, 1, name="x", registry="nope")  # type: ignore[arg-type]
    assert e.value.field == "registry"
    with pytest.raises(ArgumentTypeError) as e:
        seawall.TokenBucket(1.0, 1, labels={"a": "b"})
    assert e.value.field == "labels"
    with pytest.raises(ArgumentTypeError) as e:
        metrics.register(object(), "x", registry=reg)
    assert e.value.field == "obj"
    for bad in ["", "1x", "a-b"]:
        with pytest.raises(InvalidArgumentError) as e:
            metrics.Registry(namespace=bad)
        assert e.value.field == "namespace"
    ns = metrics.Registry(namespace="myapp")
    keep = seawall.Bulkhead(1, name="b", registry=ns)
    assert "# TYPE myapp_bulkhead_active_calls gauge" in ns.prometheus_text()
    del keep


def test_label_values_escaped_and_parsed_back() -> None:
    reg = metrics.Registry()
    weird = 'quote " backslash \\ newline \n café'
    keep = seawall.CircuitBreaker(name='n"1', labels={"path": weird}, registry=reg)
    _, values = samples(reg.prometheus_text())
    assert v(values, "seawall_circuit_breaker_transitions_total", name='n"1', path=weird) == 0
    del keep


def test_default_registry_and_module_functions() -> None:
    cb = seawall.CircuitBreaker(name="test-metrics-default")
    assert "test-metrics-default" in metrics.default_registry
    assert 'name="test-metrics-default"' in metrics.prometheus_text()
    assert any(i["name"] == "test-metrics-default" for i in metrics.health()["instances"])
    del cb
    gc.collect()
    assert "test-metrics-default" not in metrics.default_registry


def test_logger_is_silent_until_configured_and_logs_transitions(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("seawall")
    assert any(isinstance(h, logging.NullHandler) for h in log.handlers)
    reg = metrics.Registry()
    cb = seawall.CircuitBreaker(name="pay", registry=reg, failure_count_threshold=1)
    with caplog.at_level(logging.INFO, logger="seawall"):
        with pytest.raises(OSError):
            cb.call(_fail)
        cb.reset()
    recs = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "seawall"]
    assert recs == [
        (logging.WARNING, "circuit breaker 'pay': closed -> open"),
        (logging.INFO, "circuit breaker 'pay': open -> closed"),
    ]
    assert caplog.records[0].to_state == "open"  # type: ignore[attr-defined]


def _fail() -> None:
    raise OSError("down")


def test_listener_that_raises_is_reported_once_and_call_still_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_value))
    cb = seawall.CircuitBreaker(failure_count_threshold=1)

    def bad(a: str, b: str) -> None:
        raise RuntimeError("listener bug")

    cb.on_state_change(bad)
    with pytest.raises(OSError):
        cb.call(_fail)  # the failure itself propagates; the listener's error does not
    assert cb.state == "open"
    cb.reset()  # second transition: reported again, once per raise
    assert cb.call(len, "abc") == 3
    assert [str(e) for e in seen] == ["listener bug", "listener bug"]


def test_retry_logs_scheduled_at_info_and_give_up_at_warning(caplog: pytest.LogCaptureFixture) -> None:
    clock = seawall.ManualClock()
    r = seawall.Retry(max_attempts=2, base=0.5, kind="constant", jitter="none", retry_on=OSError, clock=clock)
    with caplog.at_level(logging.INFO, logger="seawall"):
        with pytest.raises(seawall.RetryError):
            r.call(_fail)
    recs = [(rec.levelno, rec.getMessage()) for rec in caplog.records if rec.name == "seawall"]
    assert recs == [
        (logging.INFO, "retry 1 scheduled in 0.500s after OSError('down')"),
        (logging.WARNING, "retry gave up after 2 attempt(s) (attempts): OSError('down')"),
    ]
    assert caplog.records[1].reason == "attempts"  # type: ignore[attr-defined]


def test_opentelemetry_in_memory_reader_collects_the_same_values(world: Dict[str, Any]) -> None:
    otel_sdk = pytest.importorskip("opentelemetry.sdk.metrics")
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    w = world
    traffic(w, 4)
    reader = InMemoryMetricReader()
    provider = otel_sdk.MeterProvider(metric_readers=[reader])
    instruments = metrics.instrument_opentelemetry(provider.get_meter("test"), registry=w["reg"])
    assert len(instruments) == len(FAMILIES) + 3  # the retry families too (no Backoff registered)

    def collected() -> Dict[Key, float]:
        data = reader.get_metrics_data()
        out: Dict[Key, float] = {}
        for rm in data.resource_metrics:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    for p in m.data.data_points:
                        key = (m.name, tuple(sorted((k, str(v)) for k, v in p.attributes.items())))
                        out[key] = p.value
        return out

    got = collected()
    _, text_values = samples(w["reg"].prometheus_text())
    # Same series and values as the text (counter names without _total).
    renamed = {(n[: -len("_total")] if n.endswith("_total") else n, labels): x for (n, labels), x in text_values.items()}
    assert got == renamed
    m = w["cb"].metrics()
    assert got[("seawall_circuit_breaker_calls", (("dependency", "payments"), ("name", "cb"), ("outcome", "failure")))] == m["failures"]
    traffic(w, 2)
    again = collected()
    assert again[("seawall_rate_limiter_calls", (("dependency", "payments"), ("name", "tb"), ("outcome", "denied")))] == w["tb"].metrics()["denied"]
    provider.shutdown()


def test_events_reach_subscribers_and_a_raising_subscriber_never_breaks_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: List[Any] = []
    reported: List[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))

    def bad(ev: Any) -> None:
        raise RuntimeError("subscriber bug")

    unsub_good = seawall.events.subscribe(seen.append)
    unsub_bad = seawall.events.subscribe(bad)
    try:
        clock = seawall.ManualClock()
        r = seawall.Retry(max_attempts=2, base=0.5, kind="constant", jitter="none", retry_on=OSError, clock=clock)
        with pytest.raises(seawall.RetryError):
            r.call(_fail)
        fb = seawall.Fallback(7)
        assert fb.call(_fail) == 7
        fi = seawall.FaultInjector(error_rate=1.0, clock=clock)
        with pytest.raises(seawall.InjectedFaultError):
            fi.call(len, "x")
    finally:
        unsub_good()
        unsub_bad()
    kinds = [(e.kind, {k: v for k, v in e.details.items() if k != "error"}) for e in seen]
    assert kinds == [
        ("retry_scheduled", {"attempt": 1, "delay": 0.5}),
        ("gave_up", {"attempts": 2, "reason": "attempts"}),
        ("fallback_used", {}),
        ("fault_injected", {"fault": "error", "delay": 0.0}),
    ]
    assert isinstance(seen[0].details["error"], OSError)
    assert [str(e) for e in reported] == ["subscriber bug"] * 4
    # Unsubscribed: nothing more arrives.
    seen.clear()
    assert seawall.Fallback(1).call(_fail) == 1
    assert seen == []


def test_a_retry_exports_its_schedules_and_give_ups_by_reason() -> None:
    reg = metrics.Registry()
    clock = seawall.ManualClock()
    r = seawall.Retry(max_attempts=2, base=0.5, kind="constant", jitter="none", retry_on=OSError, clock=clock)
    h = metrics.register(r, "payments-retry", labels={"dependency": "payments"}, registry=reg)
    for _ in range(3):
        with pytest.raises(seawall.RetryError):
            r.call(_fail)
    m = r.backoff.metrics()
    types, values = samples(reg.prometheus_text())
    assert types == {"seawall_retry_schedules": "counter", "seawall_retry_retries": "counter", "seawall_retry_give_ups": "counter"}
    lab = {"name": "payments-retry", "dependency": "payments"}
    assert v(values, "seawall_retry_give_ups_total", reason="max_attempts", **lab) == m["exhausted_attempts"] == 3
    assert v(values, "seawall_retry_give_ups_total", reason="max_elapsed", **lab) == m["exhausted_elapsed"] == 0
    assert v(values, "seawall_retry_schedules_total", **lab) == m["schedules"]
    assert v(values, "seawall_retry_retries_total", **lab) == m["retries"]
    h.close()
    assert reg.names() == []


def test_keyed_limiters_register_like_the_others() -> None:
    reg = metrics.Registry()
    kb = seawall.KeyedTokenBucket(1.0, 1, name="per-user", labels={"team": "api"}, registry=reg)
    with pytest.raises(InvalidArgumentError) as e:
        seawall.KeyedSlidingWindow(1, 1.0, name="per-user", registry=reg)
    assert e.value.field == "name"
    ks = seawall.KeyedSlidingWindow(1, 1.0, name="per-ip", registry=reg)
    assert kb.try_acquire("alice") is True and kb.try_acquire("alice") is False
    types, values = samples(reg.prometheus_text())
    assert types["seawall_rate_limiter_key_table_full"] == "counter"
    assert v(values, "seawall_rate_limiter_calls_total", name="per-user", team="api", outcome="denied") == 1
    assert v(values, "seawall_rate_limiter_keys_tracked", name="per-user", team="api") == 1
    assert v(values, "seawall_rate_limiter_key_capacity", name="per-ip") == ks.metrics()["capacity"]
    assert [i["kind"] for i in metrics.health(reg)["instances"]] == ["keyed_sliding_window", "keyed_token_bucket"]
    del kb
    gc.collect()
    assert reg.names() == ["per-ip"]
    with pytest.raises(ArgumentTypeError):
        seawall.KeyedTokenBucket(1.0, 1, labels={"a": "b"})  # labels need a name

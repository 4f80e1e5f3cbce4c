"""The Redis backend from Python (spec/redis.md) against a real
redis-server: shared limits, the failure modes, the GIL released and the
event loop never blocked while Redis is frozen, typed errors for bad input."""

import asyncio
import threading
import time

import pytest

import seawall
from redis_server import RedisServer


@pytest.fixture
def server():
    s = RedisServer()
    yield s
    s.stop()


def backend(url, mode="closed", deadline=0.2):
    return seawall.RedisBackend(url, deadline=deadline, on_failure=mode)


def warm(limiter):
    t0 = time.monotonic()
    while limiter.metrics()["redis_ok"] == 0:
        assert time.monotonic() - t0 < 10, limiter.metrics()
        limiter.peek("warm-up")


def test_two_hosts_share_one_token_bucket(server):
    a = seawall.RedisTokenBucket(1.0, 5, backend=backend(server.url), name="api")
    b = seawall.RedisTokenBucket(1.0, 5, backend=backend(server.url), name="api")
    warm(a)
    warm(b)
    got = [(a if i % 2 else b).try_acquire("customer-1") for i in range(10)]
    assert got.count(True) == 5
    d = a.check("customer-1")
    assert not d and d.retry_after > 0 and d.limit == 5
    assert d.headers()["X-RateLimit-Limit"] == "5"
    assert a.metrics()["fallbacks"] == 0


def test_sliding_window_and_bytes_keys(server):
    w = seawall.RedisSlidingWindow(3, 2.0, buckets=4, backend=backend(server.url), name="sw")
    warm(w)
    key = b"\x00\xff{}\n"
    assert [w.try_acquire(key) for _ in range(5)] == [True, True, True, False, False]
    assert w.peek(key).remaining == 0
    w.refund(key)
    assert w.try_acquire(key)


def test_async_checks_share_the_limit_and_never_block_the_loop(server):
    l = seawall.RedisTokenBucket(1.0, 10, backend=backend(server.url), name="aio")
    warm(l)

    async def main():
        ds = await asyncio.gather(*(l.check_async("k") for _ in range(30)))
        assert sum(1 for d in ds if d) == 10
        # Redis frozen: the awaits take up to the deadline; the loop keeps
        # running other tasks meanwhile.
        server.freeze()
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        t = asyncio.ensure_future(ticker())
        ds = await asyncio.gather(*(l.check_async("k") for _ in range(5)))
        t.cancel()
        server.thaw()
        assert not any(ds)  # fail closed
        assert ticks >= 5, ticks
        with pytest.raises(seawall.InvalidArgumentError) as e:
            await l.check_async("")
        assert e.value.field == "key"

    asyncio.run(main())


def test_blocking_check_releases_the_gil(server):
    l = seawall.RedisTokenBucket(1.0, 10, backend=backend(server.url, deadline=0.5), name="gil")
    warm(l)
    server.freeze()
    done = []
    t = threading.Thread(target=lambda: done.append(l.check("k")))
    t0 = time.monotonic()
    t.start()
    spins = 0
    while t.is_alive():
        spins += 1  # runs only while the other thread has let the GIL go
        time.sleep(0.001)
    server.thaw()
    assert time.monotonic() - t0 < 0.5 + 0.5
    assert spins >= 50, spins
    assert done and not done[0]


@pytest.mark.parametrize("mode,allowed", [("open", True), ("closed", False)])
def test_killed_redis_follows_the_mode_within_the_deadline(server, mode, allowed):
    l = seawall.RedisTokenBucket(1000.0, 1000, backend=backend(server.url, mode), name="kill")
    warm(l)
    server.kill()
    for _ in range(30):
        t0 = time.monotonic()
        assert l.try_acquire("k") is allowed
        assert time.monotonic() - t0 < 0.2 + 0.25
    m = l.metrics()
    assert m["fallbacks"] >= 30 and m["breaker_state"] == "open"
    server.start()
    t0 = time.monotonic()
    while l.metrics()["breaker_state"] != "closed":
        assert time.monotonic() - t0 < 10, l.metrics()
        l.try_acquire("k")
        time.sleep(0.02)


def test_local_mode_limits_in_process_when_redis_is_unreachable():
    port = 1  # nothing listens on port 1 of 127.0.0.1
    l = seawall.RedisTokenBucket(0.001, 2, backend=backend(f"redis://127.0.0.1:{port}", "local"), name="loc")
    assert [l.try_acquire("k") for _ in range(4)] == [True, True, False, False]
    assert l.metrics()["fallbacks"] == 4


def test_wrong_password_never_raises_or_leaks_it():
    s = RedisServer("--requirepass", "right-pw")
    try:
        l = seawall.RedisTokenBucket(1.0, 5, backend=backend(f"redis://:wrong-pw@127.0.0.1:{s.port}/0"), name="pw")
        assert not any(l.try_acquire("k") for _ in range(5))
        m = l.metrics()
        assert m["errors"] >= 1 and "wrong-pw" not in (m["last_error"] or "")
    finally:
        s.stop()


@pytest.mark.parametrize(
    "make,field,exc",
    [
        (lambda: seawall.RedisBackend("localhost:6379"), "url", seawall.ConfigError),
        (lambda: seawall.RedisBackend(""), "url", seawall.ConfigError),
        (lambda: seawall.RedisBackend(6379), "url", seawall.ConfigTypeError),
        (lambda: seawall.RedisBackend("redis://h", deadline=0), "deadline", seawall.ConfigError),
        (lambda: seawall.RedisBackend("redis://h", deadline=-1), "deadline", seawall.ConfigError),
        (lambda: seawall.RedisBackend("redis://h", on_failure="maybe"), "on_failure", seawall.ConfigError),
        (lambda: seawall.RedisBackend("redis://h", key_prefix=""), "key_prefix", seawall.ConfigError),
        (lambda: seawall.RedisTokenBucket(1.0, 0, backend=seawall.RedisBackend("redis://h"), name="a"), "burst", seawall.ConfigError),
        (lambda: seawall.RedisTokenBucket(float("nan"), 1, backend=seawall.RedisBackend("redis://h"), name="a"), "rate_per_sec", seawall.ConfigError),
        (lambda: seawall.RedisTokenBucket(1.0, 1, backend=seawall.RedisBackend("redis://h"), name=""), "name", seawall.ConfigError),
        (lambda: seawall.RedisTokenBucket(1.0, 1, backend=seawall.RedisBackend("redis://h"), name="a b"), "name", seawall.ConfigError),
        (lambda: seawall.RedisTokenBucket(1.0, 1, backend="redis://h", name="a"), "backend", seawall.ConfigTypeError),
        (lambda: seawall.RedisSlidingWindow(0, 1.0, backend=seawall.RedisBackend("redis://h"), name="a"), "limit", seawall.ConfigError),
        (lambda: seawall.RedisSlidingWindow(1, 0, backend=seawall.RedisBackend("redis://h"), name="a"), "window", seawall.ConfigError),
        (lambda: seawall.RedisSlidingWindow(1, 1.0, buckets=0, backend=seawall.RedisBackend("redis://h"), name="a"), "buckets", seawall.ConfigError),
    ],
)
def test_bad_config_is_a_typed_error_naming_the_parameter(make, field, exc):
    with pytest.raises(exc) as e:
        make()
    assert e.value.field == field


@pytest.mark.parametrize(
    "url,shown",
    [
        ("rediss:/", "rediss:/"),
        ("redis://:@", "redis://:@"),
        ("ftp://h:1", "ftp://h:1"),
        ("redis://h:99999", "redis://h:99999"),
        ("redis://h/-1", "redis://h/-1"),
        ("rediss://h/0#insecure", "#insecure"),
        ("rediss://h/0?ssl_ca_certs=/no/such/ca.pem", "/no/such/ca.pem"),
        ("redis://u:hunter2@h:99999", "redis://u:***@h:99999"),
        ("unix:///tmp/r.sock?pass=hunter2&db=-1", "pass=***"),
    ],
)
def test_bad_urls_name_url_and_show_the_value(url, shown):
    with pytest.raises(seawall.ConfigError) as e:
        seawall.RedisBackend(url)
    assert e.value.field == "url"
    assert shown in str(e.value) and "hunter2" not in str(e.value)


def test_every_url_scheme_constructs():
    for url in ["redis://u:p@h:6380/15", "rediss://h:6380/0", "unix:///tmp/r.sock?db=2&user=u&pass=p", "redis+unix:///tmp/r.sock"]:
        seawall.RedisBackend(url)


def test_bad_arguments_are_typed_errors_naming_the_parameter():
    l = seawall.RedisTokenBucket(1.0, 3, backend=seawall.RedisBackend("redis://127.0.0.1:1", on_failure="open"), name="a")
    for key in ["", b"", "x" * 1025]:
        with pytest.raises(seawall.InvalidArgumentError) as e:
            l.check(key)
        assert e.value.field == "key"
    with pytest.raises(seawall.ArgumentTypeError) as e:
        l.check(42)
    assert e.value.field == "key"
    for n in [0, 4]:
        with pytest.raises(seawall.InvalidArgumentError) as e:
            l.check("k", n)
        assert e.value.field == "n"
    assert l.check("x" * 1024)  # the longest key; fail open
    assert l.metrics()["fallbacks"] >= 1


def test_concurrency_limit_across_hosts_with_leases(server):
    a = seawall.RedisConcurrencyLimit(2, 0.4, backend=backend(server.url), name="jobs")
    b = seawall.RedisConcurrencyLimit(2, 0.4, backend=backend(server.url), name="jobs")
    t0 = time.monotonic()
    while a.try_acquire("warm") is None or b.try_acquire("warm") is None:
        assert time.monotonic() - t0 < 10
    p1 = a.try_acquire("t")
    p2 = b.try_acquire("t")
    assert p1 is not None and p2 is not None and not p1.is_local
    assert a.try_acquire("t") is None
    with pytest.raises(seawall.BulkheadFullError):
        with b.hold("t"):
            pass
    assert b.release(p1) and p1.released and not b.release(p1)
    with a.hold("t") as p3:
        assert b.try_acquire("t") is None
        assert a.renew(p3)
    # p2's holder "dies": its lease expires
    time.sleep(0.45)
    assert a.try_acquire("t") is not None


def test_feature_flags_disable_for_a_while_and_safe_default(server):
    ff = seawall.RedisFeatureFlags(backend=backend(server.url), namespace="app", cache_ttl=0)
    t0 = time.monotonic()
    while ff.set("recs", True) is False:
        assert time.monotonic() - t0 < 10
    assert ff.is_enabled("recs") is True
    assert ff.disable("recs", 0.3) is True
    assert ff.is_enabled("recs", default=True) is False
    time.sleep(0.35)
    assert ff.is_enabled("recs") is True
    assert ff.is_enabled("never-set", default=True) is True
    server.kill()
    assert ff.is_enabled("recs", default=False) is False  # Redis down: the safe default
    assert ff.is_enabled("recs", default=True) is True
    with pytest.raises(seawall.InvalidArgumentError) as e:
        ff.disable("recs", 0)
    assert e.value.field == "for_seconds"
    with pytest.raises(seawall.InvalidArgumentError) as e:
        ff.is_enabled("")
    assert e.value.field == "flag"
    with pytest.raises(seawall.ConfigError) as e:
        seawall.RedisFeatureFlags(backend=backend(server.url), namespace="")
    assert e.value.field == "namespace"
    with pytest.raises(seawall.ConfigError) as e:
        seawall.RedisConcurrencyLimit(0, 1.0, backend=backend(server.url), name="x")
    assert e.value.field == "max_concurrent"
    with pytest.raises(seawall.ConfigError) as e:
        seawall.RedisConcurrencyLimit(1, 0, backend=backend(server.url), name="x")
    assert e.value.field == "lease"


def test_concurrency_limit_lease_defaults_to_cores(server):
    # Node's leaseMs and Python's lease share core's DEFAULT_LEASE (30 s):
    # the lease's expiry in Redis is about 30 s ahead of the server's time.
    import subprocess

    cl = seawall.RedisConcurrencyLimit(1, backend=backend(server.url), name="dflt")
    lease = cl.try_acquire("k")
    assert lease is not None
    cli = ["redis-cli", "-p", str(server.port)]
    keys = subprocess.run(cli + ["--scan", "--pattern", "*dflt*"], capture_output=True, text=True, check=True).stdout.split()
    assert len(keys) == 1, keys
    expiry_ms = float(subprocess.run(cli + ["ZRANGE", keys[0], "0", "0", "WITHSCORES"], capture_output=True, text=True, check=True).stdout.split()[1])
    sec, usec = subprocess.run(cli + ["TIME"], capture_output=True, text=True, check=True).stdout.split()
    ahead = expiry_ms - (int(sec) * 1000 + int(usec) / 1000)
    assert 29_000 < ahead <= 30_000, ahead


def _make_certs(d):
    """A throwaway CA (ca.pem), a server certificate it signed for
    127.0.0.1 (server.pem/.key) and an unrelated CA (other-ca.pem)."""
    import subprocess

    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for name in ["ca", "other-ca"]:
        run("req", "-x509", *ec, "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "1",
            "-subj", f"/CN=seawall {name}", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    with open(f"{d}/server.ext", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "1", "-extfile", "server.ext")


def test_rediss_with_the_ca_trusted_and_an_untrusted_ca_refused():
    import socket
    import tempfile

    from redis_server import _free_port

    d = tempfile.mkdtemp(prefix="seawall-tls-")
    _make_certs(d)
    tls = _free_port()
    s = RedisServer("--tls-port", str(tls), "--tls-cert-file", f"{d}/server.pem", "--tls-key-file",
                    f"{d}/server.key", "--tls-ca-cert-file", f"{d}/ca.pem", "--tls-auth-clients", "no")
    try:
        t0 = time.monotonic()
        while True:
            try:
                socket.create_connection(("127.0.0.1", tls), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() - t0 < 10
                time.sleep(0.01)
        url = f"rediss://127.0.0.1:{tls}/0?ssl_ca_certs={d}/ca.pem"
        l = seawall.RedisTokenBucket(0.001, 2, backend=backend(url, deadline=0.5), name="tls")
        warm(l)
        assert [l.try_acquire("u") for _ in range(3)] == [True, True, False]
        assert asyncio.run(l.check_async("v")).allowed
        m = l.metrics()
        assert m["fallbacks"] == 0 and m["errors"] == 0, m
        bad = f"rediss://127.0.0.1:{tls}/0?ssl_ca_certs={d}/other-ca.pem"
        l = seawall.RedisTokenBucket(0.001, 2, backend=backend(bad), name="tls")
        assert not any(l.try_acquire("u") for _ in range(3))
        assert not asyncio.run(l.check_async("v")).allowed
        m = l.metrics()
        assert m["redis_ok"] == 0 and m["errors"] >= 1 and "certificate" in (m["last_error"] or ""), m
    finally:
        s.stop()
        import shutil

        shutil.rmtree(d, ignore_errors=True)

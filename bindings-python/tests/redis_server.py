"""A real redis-server for the Redis backend's tests: a free port of
127.0.0.1, a temp dir, stopped on exit. Without the binary the tests skip
(unless SEAWALL_REQUIRE_REDIS=1, set by `make test`, which installs it)."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, *extra: str) -> None:
        binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
        if binary is None:
            if os.environ.get("SEAWALL_REQUIRE_REDIS") == "1":
                raise RuntimeError("SEAWALL_REQUIRE_REDIS=1 but no redis-server binary on PATH")
            pytest.skip("no redis-server binary on PATH; `make test` installs it (scripts/deps-debian.sh redis-server)")
        self.binary = binary
        self.extra = list(extra)
        self.dir = tempfile.mkdtemp(prefix="seawall-redis-")
        self.port = _free_port()
        self.proc = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        t0 = time.monotonic()
        while time.monotonic() - t0 < 10:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def freeze(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        self.thaw()
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

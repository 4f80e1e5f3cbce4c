"""A WSGI app for test_shared_region.py: one token bucket for every
gunicorn worker, through a SharedRegion."""

import os
import time

import seawall

REGION = seawall.SharedRegion(os.environ["SEAWALL_TEST_REGION"])
LIMIT = seawall.TokenBucket(0.001, 20, region=REGION, name="app")


def app(environ, start_response):  # type: ignore[no-untyped-def]
    ok = LIMIT.try_acquire()
    time.sleep(0.02)  # keep a worker busy, so requests spread over workers
    body = str(os.getpid()).encode()
    start_response("200 OK" if ok else "429 Too Many Requests", [("Content-Length", str(len(body)))])
    return [body]

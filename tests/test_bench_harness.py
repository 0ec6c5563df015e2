"""The benchmark harness itself: its load generators count right and its servers stop.

Throughput is never asserted here (benchmarks are scripts); only that what the harness
reports matches what a trivial server saw, over small bounded runs on loopback.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import httpx
import pytest
from benchmarks import client_bench, load, servers
from benchmarks.accounts import BenchAccount
from benchmarks.report import Target
from benchmarks.stats import percentile

from tests.client_support import AcceptingHandler, serving


class CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CountingHandler)
        self.lock = threading.Lock()
        self.count = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class CountingHandler(AcceptingHandler):
    """Counts every request; 202 on any path but /bad, which gets 400."""

    server: CountingServer

    def respond(self, body: bytes) -> tuple[int, object]:
        with self.server.lock:
            self.server.count += 1
        if self.path == "/bad":
            return 400, {"api_id": "x", "error": "bad"}
        return super().respond(body)


@pytest.fixture
def counting_server() -> Iterator[CountingServer]:
    with serving(CountingServer()) as server:
        yield server


def post(url: str) -> load.Request:
    return load.Request("POST", url, (("Content-Type", "application/json"),), b'{"digits":"1"}')


def test_python_load_counts_every_answer_of_a_count_bounded_run(
    counting_server: CountingServer,
) -> None:
    result = load.run_python(post(counting_server.url + "/"), 30.0, count=200, connections=4)
    assert result.requests == counting_server.count == 200
    assert result.non_2xx == 0
    assert result.socket_errors == 0
    assert 0 < result.p50_ms <= result.p99_ms


def test_python_load_counts_error_answers_as_non_2xx(counting_server: CountingServer) -> None:
    result = load.run_python(post(counting_server.url + "/bad"), 30.0, count=50, connections=4)
    assert result.requests == result.non_2xx == counting_server.count == 50


def test_python_load_stops_at_its_duration(counting_server: CountingServer) -> None:
    result = load.run_python(post(counting_server.url + "/"), 0.3, connections=2)
    assert 0 < result.requests == counting_server.count
    assert result.duration_s < 5


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench does)")
def test_wrk_reports_what_the_server_answered(counting_server: CountingServer) -> None:
    result = load.run_wrk(str(shutil.which("wrk")), post(counting_server.url + "/bad"), 1.0)
    assert result.requests > 0
    assert result.non_2xx == result.requests
    # wrk stops with up to one request in flight per connection, answered but not counted.
    assert 0 <= counting_server.count - result.requests <= load.CONNECTIONS


def test_floor_server_answers_202_and_stops_with_its_context() -> None:
    with servers.floor_server() as floor:
        answer = httpx.post(floor.url + "/anything", json={"digits": "1"}, timeout=5)
        process = floor.process
    assert answer.status_code == 202
    assert set(answer.json()) == {"message", "api_id"}
    assert process.poll() is not None


def test_nearest_rank_percentile() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0


def test_target_verdicts_respect_the_bound_direction() -> None:
    assert Target("x", 5.0, 5.0, at_least=True).met is True
    assert Target("x", 4.99, 5.0, at_least=True).met is False
    assert Target("x", 1.06, 1.05, at_least=False).met is False
    assert Target("x", float("nan"), 1.0, at_least=True).met is None


def test_client_worker_reports_its_own_peak_rss_not_its_parents() -> None:
    # Linux keeps ru_maxrss across execve: a worker forked from a big parent must not
    # report the parent's size as its own.
    ballast = bytearray(300 * 2**20)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    figures = client_bench.worker("httpx", "http://127.0.0.1:9", BenchAccount(), 0, 0)
    assert 10 < figures["rss_kib"] / 1024 < 150
    assert len(ballast) == 300 * 2**20

"""The worker pool: task order, errors and nesting as if serial; threaded scores bit-identical."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from functools import partial

import numpy as np
import pytest

from scoring import score, workers
from scoring.result import ScoreResult
from scoring.scheme import load_scheme
from tests.scoring.golden.cases import SCHEMES, _bench_module, cases, digest, read_stored

THREADED = workers.PARALLEL_MIN_SIZE  # a size that takes the pool


def _thread_name(pause: float = 0.0) -> str:
    time.sleep(pause)  # a sleeping task lets the other thread take the next one
    return threading.current_thread().name


def test_results_come_back_in_task_order() -> None:
    tasks = [partial(lambda i: (i, _thread_name(0.002)), i) for i in range(40)]
    results = workers.run_all(tasks, size=THREADED)
    assert [i for i, _ in results] == list(range(40))
    # The caller and a helper both took tasks.
    assert len({name for _, name in results}) == 1 + workers.HELPERS


def test_small_inputs_run_in_the_calling_thread() -> None:
    names = workers.run_all([_thread_name] * 3, size=THREADED - 1)
    assert names == [threading.current_thread().name] * 3


def test_no_helpers_means_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "HELPERS", 0)
    names = workers.run_all([_thread_name] * 3, size=THREADED)
    assert names == [threading.current_thread().name] * 3


def test_the_first_failing_task_raises() -> None:
    def fail(message: str) -> int:
        raise ValueError(message)

    tasks: list[Callable[[], int]] = [lambda: 1, partial(fail, "first"), partial(fail, "second")]
    with pytest.raises(ValueError, match="first"):
        workers.run_all(tasks, size=THREADED)


def test_a_task_that_runs_tasks_runs_them_serially() -> None:
    def nested() -> list[int]:
        return workers.run_all([lambda: 1, lambda: 2], size=THREADED)

    assert workers.run_all([nested, nested, nested], size=THREADED) == [[1, 2]] * 3


def test_tasks_see_the_callers_numpy_error_state() -> None:
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        workers.run_all([lambda: np.ones(3), lambda: np.ones(3) / np.zeros(3)], size=THREADED)


def _arrays(result: ScoreResult) -> dict[str, bytes]:
    traces = result.traces
    return {"total": result.total.tobytes(), "rank": result.rank.tobytes(),
            "capped": result.capped.tobytes(), "subtotals": result.subtotals.tobytes(),
            "points": traces.points.tobytes(), "normalised": traces.normalised.tobytes(),
            "chosen": traces.chosen.tobytes(), "passed": result.passed.tobytes()}


@pytest.mark.parametrize("rated", [False, True])
def test_a_large_pool_scores_alike_threaded_and_serial(rated: bool,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench_module()
    firms = bench.synthetic_indicators(30_000, seed=5)
    ratings = bench.synthetic_ratings(firms, seed=6) if rated else None
    scheme = load_scheme(SCHEMES / "seed.yaml")
    threaded = _arrays(score(scheme, firms, ratings=ratings, capacity=500))
    monkeypatch.setattr(workers, "PARALLEL_MIN_SIZE", 10**12)
    assert _arrays(score(scheme, firms, ratings=ratings, capacity=500)) == threaded


@pytest.mark.parametrize("name", ["bench-seed", "bench-seed-ratings"])
def test_threaded_scores_match_the_golden_outputs(name: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "PARALLEL_MIN_SIZE", 0)
    result = dict(cases())[name]()
    actual = json.loads(json.dumps(digest(result), sort_keys=True, allow_nan=True))
    assert actual == read_stored(name)

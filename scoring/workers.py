"""A small thread pool for the independent numpy stages of one score call.

numpy releases the GIL inside sorts, gathers and ufunc loops over large arrays, so stages that
share no data (two criteria, the two halves of a sort) can run on two cores at once. Each task
is a pure function of what it closes over and results come back in task order, so a run is
bit-identical to a serial one whatever the interleaving; the first failing task (in task order)
raises, as it would serially.

The pool belongs to this module: created on first use, ``HELPERS`` threads besides the caller
(so ``HELPERS + 1`` threads work on one call), holding nothing between calls but its idle
threads. The caller takes tasks too and waits only for tasks a helper has started, so a helper
busy with another call never delays this one. Small inputs (``PARALLEL_MIN_SIZE``) and calls
made from a helper thread run serially: for the first a hand-off costs more than it saves, for
the second a helper waiting on helpers could wait for itself.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

__all__ = ["HELPERS", "PARALLEL_MIN_SIZE", "run_all"]

T = TypeVar("T")

HELPERS = 1  # the machines this serves have two cores; 0 scores serially
# Arrays shorter than this are scored serially: a hand-off costs tens of microseconds.
PARALLEL_MIN_SIZE = 20_000
_THREAD_PREFIX = "scoring-worker"

_executor: ThreadPoolExecutor | None = None
_executor_pid = 0
_executor_lock = threading.Lock()


def _helpers() -> ThreadPoolExecutor:
    """The module's executor, created on first use (and again in a forked child, whose copy
    of the executor has no threads)."""
    global _executor, _executor_pid  # the one lazily created pool the module docstring names
    with _executor_lock:
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=HELPERS, thread_name_prefix=_THREAD_PREFIX)
            _executor_pid = os.getpid()
        return _executor


class _Batch(Generic[T]):
    """One call's tasks, taken in order by whichever thread is free."""

    def __init__(self, tasks: Sequence[Callable[[], T]]) -> None:
        self.tasks = tasks
        # Each task runs in a copy of the caller's context (numpy's errstate lives there).
        self.contexts = [contextvars.copy_context() for _ in tasks]
        self.results: list[T | None] = [None] * len(tasks)
        self.errors: list[BaseException | None] = [None] * len(tasks)
        self.taken = 0
        self.unfinished = len(tasks)
        self.lock = threading.Lock()
        self.finished = threading.Condition(self.lock)

    def work(self) -> None:
        """Run untaken tasks until none is left."""
        while True:
            with self.lock:
                i = self.taken
                if i >= len(self.tasks):
                    return
                self.taken += 1
            try:
                self.results[i] = self.contexts[i].run(self.tasks[i])
            except BaseException as exc:  # re-raised by the caller, in task order
                self.errors[i] = exc
            with self.lock:
                self.unfinished -= 1
                if self.unfinished == 0:
                    self.finished.notify_all()

    def wait(self) -> list[T]:
        """The results in task order, once every task has run; the first error raises."""
        with self.lock:
            while self.unfinished:
                self.finished.wait()
            results, errors = self.results, self.errors
            # A helper may reach this batch later (busy with another call): it then finds no
            # task, and the batch no longer holds the caller's arrays meanwhile.
            self.tasks, self.contexts, self.results, self.errors = (), [], [], []
        for error in errors:
            if error is not None:
                raise error
        return results  # type: ignore[return-value]  # every slot was filled


def run_all(tasks: Sequence[Callable[[], T]], *, size: int) -> list[T]:
    """Each task's result, in order; tasks run on the pool when they work on ``size`` values
    or more, else one after the other in the calling thread."""
    if (len(tasks) < 2 or size < PARALLEL_MIN_SIZE or HELPERS < 1
            or threading.current_thread().name.startswith(_THREAD_PREFIX)):
        return [task() for task in tasks]
    batch = _Batch(tasks)
    executor = _helpers()
    for _ in range(min(HELPERS, len(tasks) - 1)):
        executor.submit(batch.work)
    batch.work()
    return batch.wait()

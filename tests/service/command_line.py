"""Run ``cohorts`` inside the test's process: the ``main`` the console script calls, same output.

A subprocess pays the service's import (pandas, scipy, scikit-learn) on every command, seconds
of CPU each; in process that cost is paid once per test run. Tests whose point is the process
itself (a closed pipe, a terminal, a signal, a server) still start one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import pytest

from service.cli.main import main
from service.settings import get_settings

__all__ = ["Cli", "Outcome", "sqlite_env"]


class Outcome(NamedTuple):
    """What a command left: its exit status and what it wrote on each stream."""

    returncode: int
    stdout: str
    stderr: str


def sqlite_env(db: Path) -> dict[str, str]:
    """The variable that points a command at the SQLite file ``db``."""
    return {"COHORTS_DATABASE_URL": f"sqlite:///{db}"}


class Cli:
    """Call ``main(argv)`` with the given variables and working folder, capturing both streams."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def __call__(
        self, *args: str, env: Mapping[str, str], cwd: Path | None = None
    ) -> Outcome:
        """Run one command line; the variables and folder are restored after it."""
        self._capsys.readouterr()  # what the test printed before is not the command's
        with self._monkeypatch.context() as scoped:
            for name, value in env.items():
                scoped.setenv(name, value)
            if cwd is not None:
                scoped.chdir(cwd)
            # Settings are read once per process; each command reads its own variables.
            get_settings.cache_clear()
            try:
                status = main(list(args))
            except SystemExit as exc:  # argparse refuses a bad line by exiting 2
                status = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            finally:
                get_settings.cache_clear()
        captured = self._capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

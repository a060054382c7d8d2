"""The README's worked example runs: a whole round over HTTP against a live server of its own."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT


@pytest.mark.slow
def test_the_worked_round_runs_from_nomination_to_the_public_notice() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "seed_data.examples.worked_round"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout[-4000:] + finished.stderr[-4000:]
    output = finished.stdout
    assert "→ POST /v1/rounds (as admin) {" in output
    assert "Location: /v1/rounds/1/cohorts/seed/score-runs/" in output
    assert "← 304" in output
    assert "proposed in the public notice: {" in output
    assert "← 409" in output  # publication waits for the notice period to end

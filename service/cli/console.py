"""What a command writes: aligned tables on standard output, progress on standard error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.cells import cell_len
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from scoring.growth.progress import Progress as ProgressCallback
from service.settings import Settings

__all__ = ["Handler", "Step", "print_table", "progress_bar", "steps"]

Handler = Callable[[argparse.Namespace, Settings], int]
"""A command: parsed arguments and settings in, exit status out."""

Step = Callable[[str], None]
"""Announce the next step of a long job by what it does."""

_GAP = "  "


def print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()
) -> None:
    """Print columns padded to their display width (a Chinese character is two cells wide).

    Columns are two spaces apart; the indices in ``right`` are right-aligned (numbers);
    trailing spaces are dropped, so the last column may hold text with spaces.
    """
    widths = [max(cell_len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in (header, *rows):
        cells = []
        for index, (cell, width) in enumerate(zip(row, widths, strict=True)):
            pad = " " * (width - cell_len(cell))
            cells.append(pad + cell if index in right else cell + pad)
        print(_GAP.join(cells).rstrip())


@contextmanager
def steps(title: str, total: int) -> Iterator[Step]:
    """A progress bar on standard error over ``total`` named steps, with the time elapsed.

    On a terminal the bar redraws in place; elsewhere (a log, a pipe) each step is one line,
    so standard output stays exactly what the command prints.
    """
    console = Console(stderr=True)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    )
    task = progress.add_task(title, total=total)
    started = 0

    def step(description: str) -> None:
        nonlocal started
        if started:
            progress.advance(task)
        started += 1
        progress.update(task, description=f"{title}: {description}")
        if not console.is_terminal:
            print(f"{title} [{started}/{total}] {description}", file=sys.stderr, flush=True)

    with progress:
        yield step
        progress.update(task, completed=total, description=f"{title}: done")


@contextmanager
def progress_bar(title: str) -> Iterator[ProgressCallback]:
    """A percentage bar on standard error fed by a library's progress callback.

    On a terminal the bar redraws in place with the current stage; elsewhere each new stage is
    one line with its percentage, so standard output stays exactly what the command prints.
    """
    console = Console(stderr=True)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    )
    task = progress.add_task(title, total=100)
    last_stage = ""

    def report(stage: str, done: float) -> None:
        nonlocal last_stage
        progress.update(task, completed=round(100 * done), description=f"{title}: {stage}")
        if not console.is_terminal and stage != last_stage:
            print(f"{title} [{100 * done:3.0f}%] {stage}", file=sys.stderr, flush=True)
        last_stage = stage

    with progress:
        yield report
        progress.update(task, completed=100, description=f"{title}: done")

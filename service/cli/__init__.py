"""``cohorts``: what an operator does at a terminal; every command reads COHORTS_DATABASE_URL.

One module per command group (``serve``, ``db``, ``seed``, ``keys``, ``reviewers``, ``scheme``,
``growth``), each with a ``register`` function that adds its sub-commands and thin handlers that
call one use case each; ``main`` parses the line, checks the database and turns expected
failures into one line; ``console`` prints tables on standard output and progress on standard
error; ``database`` holds the one engine and transaction a command uses.
"""

from service.cli.main import main

__all__ = ["main"]

"""A throwaway PostgreSQL cluster for the test suite: initdb into a temporary folder, then pg_ctl.

PostgreSQL refuses to run as root, so when the suite runs as root (as CI does) the cluster is
created and started as the ``postgres`` account through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresCluster", "find_bindir", "start_cluster"]


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL's server is not installed."""
    explicit = os.environ.get("COHORTS_PG_BINDIR")
    if explicit:
        return Path(explicit)
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresCluster:
    """A running cluster and how to stop it."""

    base: Path
    port: int
    bindir: Path
    prefix: list[str]

    @property
    def admin_url(self) -> str:
        """Superuser URL of the ``postgres`` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        """URL of one database in the cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create a database, empty or a copy of ``template`` (a database nobody is connected
        to), and return its URL."""
        import psycopg

        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its files."""
        subprocess.run(
            [
                *self.prefix,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.base / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.base, ignore_errors=True)


def start_cluster() -> PostgresCluster:
    """initdb and start a cluster on a free loopback port; raises RuntimeError with the log."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) were not found")
    base = Path(tempfile.mkdtemp(prefix="cohorts-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres", group="postgres")
        os.chmod(base, 0o700)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    log = base / "server.log"
    init = subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(base / "data"),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr or init.stdout}")
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    start = subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(base / "data"),
            "-l",
            str(log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if start.returncode != 0:
        text = log.read_text() if log.exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {start.stderr or start.stdout}\n{text}")
    cluster = PostgresCluster(base=base, port=port, bindir=bindir, prefix=prefix)
    deadline = time.monotonic() + 30
    while True:
        try:
            cluster.create_database("cohorts_probe")
            break
        except Exception:
            if time.monotonic() > deadline:
                cluster.stop()
                raise
            time.sleep(0.2)
    return cluster

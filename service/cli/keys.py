"""``cohorts keys``: mint, revoke and list API keys; keep the demo keys stable across restarts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from service import keys as api_keys
from service.access import Role
from service.cli import console, database
from service.errors import ValidationFailed
from service.settings import Settings

__all__ = ["DEMO_KEYS_FILE", "register"]

# Under var/, which git ignores, beside the default SQLite file.
DEMO_KEYS_FILE = Path("var") / "demo-keys.txt"


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``keys create``, ``keys revoke``, ``keys list`` and ``keys demo``."""
    keys = commands.add_parser("keys", help="API keys").add_subparsers(dest="keys", required=True)
    create = keys.add_parser("create", help="mint a key; prints it alone on stdout, once")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--label", required=True)
    create.add_argument(
        "--reviewer",
        type=int,
        default=None,
        help="the reviewer profile a reviewer key belongs to (default: a new profile)",
    )
    create.set_defaults(handler=_create, needs_database=True)
    revoke = keys.add_parser("revoke", help="revoke a key by id or prefix")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int)
    which.add_argument("--prefix")
    revoke.set_defaults(handler=_revoke, needs_database=True)
    demo = keys.add_parser(
        "demo",
        help="one demo key per role, saved to a file and reused on the next run "
        "(minted when the file is missing or its keys no longer work)",
    )
    demo.add_argument(
        "--file", type=Path, default=DEMO_KEYS_FILE, help=f"default: {DEMO_KEYS_FILE}"
    )
    demo.add_argument(
        "--rotate", action="store_true", help="revoke the demo keys and mint new ones"
    )
    demo.set_defaults(handler=_demo, needs_database=True)
    keys.add_parser("list", help="list keys (never the keys themselves)").set_defaults(
        handler=_list, needs_database=True
    )


def _create(args: argparse.Namespace, settings: Settings) -> int:
    with database.transaction(settings) as session:
        key, raw = api_keys.create_key(
            session, role=args.role, label=args.label, reviewer_id=args.reviewer
        )
        profile = f", reviewer profile {key.reviewer_id}" if key.reviewer_id else ""
        print(
            f"created key id {key.id} ({key.role}, {key.label!r}{profile}); it is shown once",
            file=sys.stderr,
        )
    print(raw)
    return 0


def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    with database.transaction(settings) as session:
        key = api_keys.revoke_key(session, key_id=args.id, prefix=args.prefix)
        print(f"revoked key id {key.id} ({key.role}, {key.label!r})", file=sys.stderr)
    return 0


def _list(_args: argparse.Namespace, settings: Settings) -> int:
    with database.transaction(settings) as session:
        rows = [
            [str(k.id), k.prefix, k.role, "revoked" if k.revoked_at else "active", k.label]
            for k in api_keys.list_keys(session)
        ]
    console.print_table(["id", "prefix", "role", "state", "label"], rows, right=[0])
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    path: Path = args.file
    with database.transaction(settings) as session:
        saved = None if args.rotate else _read_demo_keys(path)
        if saved is not None and _all_work(session, saved):
            minted, keys = False, saved
        else:
            minted, keys = True, api_keys.mint_demo_keys(session)
            # Saved before the commit: a failed commit leaves a file whose keys do not work,
            # which the next run detects and replaces.
            _write_demo_keys(path, keys)
    state = "new; earlier demo keys are revoked" if minted else "reused"
    print(f"Demo API keys (for local use only; {state}; saved in {path}; "
          "`cohorts keys demo --rotate` replaces them):")
    for role, raw in keys.items():
        print(f"  {role:<9} {raw}")
    return 0


def _read_demo_keys(path: Path) -> dict[str, str] | None:
    """Role → key from a file of ``role key`` lines, or None when there is no usable file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pairs = [line.split() for line in lines if line.strip()]
    if any(len(pair) != 2 for pair in pairs):
        return None
    return {role: raw for role, raw in pairs}


def _all_work(session: Session, saved: dict[str, str]) -> bool:
    """Whether the saved keys cover every role, each an active demo key of that role."""
    if set(saved) != {r.value for r in Role}:
        return False
    for role, raw in saved.items():
        principal = api_keys.authenticate(session, raw)
        if principal is None or principal.role.value != role:
            return False
        if not principal.label.startswith(api_keys.DEMO_LABEL_PREFIX):
            return False
    return True


def _write_demo_keys(path: Path, keys: dict[str, str]) -> None:
    """Write ``role key`` lines readable by the owner only (they are live credentials)."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.writelines(f"{role} {raw}\n" for role, raw in keys.items())
        temporary.replace(path)
    except OSError as exc:
        raise ValidationFailed(f"cannot save the demo keys in {path}: {exc.strerror}") from None

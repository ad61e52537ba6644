"""What every ``specify-db`` command shares: options, consoles, exit codes, error handling.

- stdout carries data only (tables, JSON, SQL); messages and progress go to stderr.
- The database URL comes from ``--url``, else ``SPECIFY_DB_URL``, else ``./specify.db``, and is
  only ever shown with its password hidden.
- A failure is one line on stderr and an exit code from :class:`ExitCode`; ``--debug`` shows
  the traceback instead.
"""

from __future__ import annotations

import enum
import functools
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio
import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from specify_db.core import errors
from specify_db.core.classify import Reason, classify
from specify_db.core.settings import DEFAULT_SQLITE_PATH
from specify_db.core.urls import normalize_url, safe_url
from specify_db.migrations.backup import BackupIntegrityError

__all__ = [
    "DebugOption",
    "ExitCode",
    "JsonOption",
    "UrlOption",
    "YesOption",
    "cli_command",
    "confirm",
    "dump_json",
    "err",
    "out",
    "resolve_url",
    "run",
    "shown_url",
]

P = ParamSpec("P")
T = TypeVar("T")

out = Console(soft_wrap=True)
"""stdout: data only."""
err = Console(stderr=True, soft_wrap=True)
"""stderr: messages, warnings and progress."""


class ExitCode(enum.IntEnum):
    """Exit statuses of ``specify-db`` (documented in docs/cli.md)."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    CANNOT_CONNECT = 3
    MIGRATIONS_PENDING = 4
    INTEGRITY = 5


UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        "-u",
        envvar="SPECIFY_DB_URL",
        show_envvar=True,
        help="Database URL (default: ./specify.db). The password is never printed.",
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks and driver logs.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def resolve_url(url: str | None) -> str:
    """``--url`` / ``SPECIFY_DB_URL`` (Typer already merged them), else ``./specify.db``."""
    raw = url or f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    return normalize_url(raw).render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """The URL as it may be printed."""
    return safe_url(url)


def run(fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one async function to completion: one event loop per command."""

    async def main() -> T:
        return await fn(*args, **kwargs)

    return anyio.run(main)


def confirm(question: str, *, yes: bool) -> None:
    """Ask before a destructive step; never prompts without a terminal (use ``--yes``)."""
    if yes:
        return
    if not sys.stdin.isatty():
        err.print(f"[red]error:[/] {escape(question)} Refusing without --yes (no terminal).")
        raise typer.Exit(ExitCode.USAGE)
    if not typer.confirm(question, default=False, err=True):
        raise typer.Exit(ExitCode.FAILURE)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


_CONNECT_REASONS = {Reason.CONNECTION, Reason.SERVER_SHUTDOWN, Reason.TOO_MANY_CONNECTIONS}


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit status a failure maps to."""
    chain = list(_chain(exc))
    if any(isinstance(e, BackupIntegrityError) for e in chain):
        return ExitCode.INTEGRITY
    if isinstance(exc, errors.ConfigurationError | ArgumentError):
        return ExitCode.USAGE
    for item in chain:
        if isinstance(item, errors.ConnectionLost | ConnectionError | TimeoutError):
            return ExitCode.CANNOT_CONNECT
        if classify(item).reason in _CONNECT_REASONS:
            return ExitCode.CANNOT_CONNECT
    return ExitCode.FAILURE


def _one_line(exc: BaseException, secret: str | None) -> str:
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    if secret:
        message = message.replace(secret, "***")
    return message


def _password_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return make_url(url).password
    except ArgumentError:
        return None


def setup_logging(debug: bool) -> None:
    """Messages at WARNING (DEBUG with ``--debug``) to stderr; driver chatter only in debug."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_specify_db_cli", False):
            root.removeHandler(handler)
    handler = RichHandler(console=err, show_time=False, show_path=debug, markup=False)
    handler._specify_db_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    # asyncmy logs every server warning (e.g. "Name 'pk_x' ignored for PRIMARY key").
    logging.getLogger("asyncmy").setLevel(logging.DEBUG if debug else logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.INFO if debug else logging.WARNING)


def cli_command(fn: Callable[P, T]) -> Callable[P, T]:
    """Wrap a command: logging set up, failures as one line and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        debug = bool(kwargs.get("debug", False))
        setup_logging(debug)
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise  # Typer reports these itself (BadParameter as a usage error, exit 2)
        except KeyboardInterrupt:
            err.print("[red]interrupted[/]")
            raise typer.Exit(130) from None
        except Exception as exc:
            if debug:
                raise
            secret = _password_of(kwargs.get("url"))  # type: ignore[arg-type]
            err.print(f"[red]error:[/] {escape(_one_line(exc, secret))}", soft_wrap=True)
            raise typer.Exit(exit_code_for(exc)) from None

    return wrapper


def dump_json(data: Any) -> None:
    """Print one JSON document on stdout (no colour, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")

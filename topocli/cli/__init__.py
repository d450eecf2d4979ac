"""The ``topocli`` command: a thin click layer over the library.

The group itself is :mod:`topocli.cli.group`; each command is one module that adds itself
to it (:mod:`~topocli.cli.analyze`, ...); this face imports them all and holds
:func:`main`, which turns errors and signals into one line and an exit code.

Each command parses its options, calls one library function and prints or writes the
result. User errors (:class:`topocli.errors.TopocliError`, click usage errors) become one
line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import signal
import sys
import threading

import click

from topocli.cli.group import _setup_logging, cli
from topocli.errors import TopocliError


class Terminated(KeyboardInterrupt):
    """SIGTERM (Slurm, systemd, ``docker stop``, ``timeout``), raised where SIGINT's
    KeyboardInterrupt would be, so the same clean-up runs (a sweep exports its tables)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, turning user errors into one line.

    SIGTERM is handled like Ctrl-C (exit status 143 instead of 130).
    """
    _setup_logging(0)
    previous = _handle_sigterm()
    try:
        _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _handle_sigterm():
    if threading.current_thread() is not threading.main_thread():
        return None   # (signal handlers can only be set from the main thread)
    return signal.signal(signal.SIGTERM, _on_sigterm)


def _main(argv: list[str] | None) -> None:
    try:
        cli.main(args=argv, prog_name="topocli", standalone_mode=False)
    except TopocliError as exc:
        click.echo(f"topocli: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort as exc:   # click turns KeyboardInterrupt (and SIGTERM's) into this
        if isinstance(exc.__cause__, Terminated):
            click.echo("topocli: terminated", err=True)
            sys.exit(143)
        click.echo("topocli: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        hint = ""
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            hint = f" (see {ctx.command_path} --help)"
        click.echo(f"topocli: error: {exc.format_message()}{hint}", err=True)
        sys.exit(exc.exit_code)
    except Terminated:
        click.echo("topocli: terminated", err=True)
        sys.exit(143)
    except KeyboardInterrupt:
        click.echo("topocli: interrupted", err=True)
        sys.exit(130)
    sys.exit(0)


# Commands live one per module; importing registers them on ``cli``.
from topocli.cli import analyze as _analyze  # noqa: E402,F401
from topocli.cli import control as _control  # noqa: E402,F401
from topocli.cli import export as _export  # noqa: E402,F401
from topocli.cli import graphs as _graphs  # noqa: E402,F401
from topocli.cli import plan as _plan  # noqa: E402,F401
from topocli.cli import report as _report  # noqa: E402,F401
from topocli.cli import reservoir as _reservoir  # noqa: E402,F401
from topocli.cli import rewire as _rewire  # noqa: E402,F401
from topocli.cli import sweep as _sweep  # noqa: E402,F401
from topocli.cli import train as _train  # noqa: E402,F401

"""The ``topocli`` click group: its options, help and logging set-up. Every command
module adds itself to :data:`cli`; :mod:`topocli.cli` imports them all."""

from __future__ import annotations

import logging
import sys

import click

from topocli import __version__
from topocli.cli.options import RecordingGroup

EPILOG = """\b
Examples:
  topocli graphs                                   # bundled connectomes
  topocli graphs show celegans-varshney2011 --layer chemical
  topocli rewire celegans-varshney2011 --model ws,er,degree --count 10 --out nulls/
  topocli analyze celegans-varshney2011 --nulls 100 --out analysis/
  topocli train celegans-varshney2011 --dataset digits --out run/
  topocli train-sweep celegans-varshney2011 --families real,ws,er --count 4 --out sweep/
  topocli report sweep/
"""


class _StderrFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        return f"topocli: {level}{record.getMessage()}"


def _setup_logging(verbosity: int) -> None:
    logger = logging.getLogger("topocli")
    logger.handlers[:] = []
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_StderrFormatter())
    logger.addHandler(handler)
    logger.setLevel({-1: logging.ERROR, 0: logging.WARNING}.get(verbosity, logging.INFO))
    logger.propagate = False


@click.group(cls=RecordingGroup, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="topocli")
@click.option("-v", "--verbose", count=True, help="Say more on stderr (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """Does a network wired like a real nervous system learn better than a random one?

    Load connectomes, compare their topology with matched null models, train one shared
    RandWire-style network per graph and report which wiring wins.
    """
    _setup_logging(-1 if quiet else verbose)

"""The one exception type users see.

Library code raises :class:`TopocliError` for anything caused by the user's input (a
missing file, an unknown option value, a graph a method cannot handle). The CLI turns it
into a single line on stderr and exit code 2; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations


class TopocliError(Exception):
    """A problem with the user's input, stated in one line with how to fix it."""

    exit_code = 2

    def __init__(self, message: str):
        # One line, always: the CLI prints exactly this.
        super().__init__(" ".join(str(message).split()))

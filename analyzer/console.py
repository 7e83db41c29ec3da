"""What every command shares on the terminal: its options (-q/--quiet, -v/--verbose,
--no-color), the one error format (``kbundle: error: ...`` on stderr), whether to colour,
and the end of start-up.

Kept free of heavy imports: it is loaded by every command before anything else.
"""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass
from typing import TextIO

ERROR_PREFIX = "kbundle: error: "


@dataclass
class Settings:
    quiet: bool = False  # nothing but errors (and the report itself)
    verbose: bool = False  # more detail on stderr (e.g. which rule files were loaded)
    no_color: bool = False  # --no-color


settings = Settings()


def error(message: object) -> int:
    """Print ``kbundle: error: <message>`` (one line) on stderr; returns 2, the exit code of
    unusable input and usage errors."""
    sys.stderr.write(f"{ERROR_PREFIX}{' '.join(str(message).split())}\n")
    sys.stderr.flush()
    return 2


def note(message: str) -> None:
    """A line of information on stderr, unless --quiet."""
    if not settings.quiet:
        sys.stderr.write(message.rstrip("\n") + "\n")
        sys.stderr.flush()


def detail(message: str) -> None:
    """A line on stderr with --verbose only."""
    if settings.verbose and not settings.quiet:
        sys.stderr.write(message.rstrip("\n") + "\n")
        sys.stderr.flush()


def is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def color_enabled(stream: TextIO) -> bool:
    """Colour only on a terminal, and never with ``--no-color`` or ``NO_COLOR`` set
    (https://no-color.org: any non-empty value)."""
    if settings.no_color or os.environ.get("NO_COLOR"):
        return False
    return is_terminal(stream)


def startup_over() -> None:
    """Called once a command has loaded what it needs: the command line starts with the
    cyclic garbage collector off (imports and the rule pack build large graphs of objects
    that live until exit); what exists now is moved out of its sight and it is turned on."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()

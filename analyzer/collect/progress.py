"""Moved to :mod:`analyzer.progress` (shared by every command); kept for imports."""

from analyzer.progress import Progress

__all__ = ["Progress"]

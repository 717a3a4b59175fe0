"""The runner's progress bar: rich on stderr for a terminal, nothing for JSON output or a pipe."""

from __future__ import annotations

import sys
from typing import Optional

class Progress:
    """rich progress on stderr, or nothing (JSON output, not a terminal)."""

    def __init__(self, enabled: bool):
        self._p = None
        if enabled:   # rich is imported only when a bar is shown: JSON runs do without it
            from rich.console import Console
            from rich.progress import (BarColumn, Progress as RichProgress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)
            self._p = RichProgress(TextColumn("{task.description}"), BarColumn(),
                                   TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                   TextColumn("eta"), TimeRemainingColumn(),
                                   console=Console(stderr=True), transient=True)

    def __enter__(self):
        if self._p:
            self._p.start()
        return self

    def __exit__(self, *exc):
        if self._p:
            self._p.stop()

    def task(self, description: str, total: int):
        return self._p.add_task(description, total=total) if self._p else None

    def advance(self, task, n: int = 1, description: Optional[str] = None) -> None:
        if self._p is not None and task is not None:
            kw = {"description": description} if description else {}
            self._p.update(task, advance=n, **kw)


def progress_wanted(json_output: bool) -> bool:
    return not json_output and sys.stderr.isatty()

"""Rich progress bar for campaigns (stderr): samples done, rate in samples/s, elapsed and ETA."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Samples per second (rich's own speed estimate over the last updates)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- samples/s" if speed is None else f"{speed:,.0f} samples/s", style="progress.data.speed")


@contextmanager
def campaign_progress(total: int, done: int, *, enabled: bool, label: str) -> Iterator[Callable[[int], None]]:
    """Context yielding ``advance(k)``; a no-op when ``enabled`` is False."""
    if not enabled:
        yield lambda k: None
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TextColumn("elapsed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with progress:
        task = progress.add_task(label, total=total, completed=done)
        yield lambda k: progress.advance(task, k)

"""The admin page's chart: events per hour over the last 24 hours, as SVG bars whose
coordinates are computed here, so the template only places them.

    chart = hourly_chart(chart_start(now), received=[0] * 23 + [4], failed=[0] * 23 + [1])
    chart.bars[0]   # Bar("received", "2024-05-31 16:00 to 17:00 UTC", 4, x=..., y=..., ...)
    chart.ticks     # [(130.0, 0), (100.0, 1), ...]: each grid line's y and value

Each hour has two bars side by side, received and failed; a bar of zero is not drawn,
and a bar of one is at least one pixel high, so a single failure is never invisible.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

HOURS = 24
PLOT_HEIGHT, SLOT, BAR, LEFT, TOP, BELOW = 120, 28, 11, 40, 10, 22


@dataclass(frozen=True)
class Bar:
    kind: str  # "received" or "failed"
    hour: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Hour:
    label: str
    received: int
    failed: int


@dataclass(frozen=True)
class Chart:
    """Events per hour, drawn as bars with their coordinates computed here."""

    hours: list[Hour]
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines
    labels: list[tuple[float, str]]  # (x, "HH:00") under every third hour
    received: int
    failed: int
    width: int = 0
    height: int = 0
    top: int = 0
    bottom: int = 0
    left: int = 0


def chart_start(now: float) -> float:
    """The start of the first hour shown: the chart ends with the hour ``now`` is in."""
    return (math.floor(now / 3600) + 1 - HOURS) * 3600.0


def empty_chart(now: float) -> Chart:
    return hourly_chart(chart_start(now), [0] * HOURS, [0] * HOURS)


def hourly_chart(start: float, received: list[int], failed: list[int]) -> Chart:
    """The chart of ``received`` and ``failed`` events, one count per hour from ``start``."""
    peak = max(received + failed + [1])
    step = max(1, math.ceil(peak / 4))
    top_value = step * math.ceil(peak / step)
    scale = PLOT_HEIGHT / top_value
    bottom = TOP + PLOT_HEIGHT
    hours: list[Hour] = []
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for i, (got, bad) in enumerate(zip(received, failed, strict=True)):
        begins = datetime.datetime.fromtimestamp(start + i * 3600, datetime.UTC)
        label = f"{begins:%Y-%m-%d %H}:00 to {(begins + datetime.timedelta(hours=1)):%H}:00 UTC"
        hours.append(Hour(label, got, bad))
        x = LEFT + i * SLOT + 2
        for offset, kind, count in ((0, "received", got), (BAR + 1, "failed", bad)):
            if count:
                height = max(1.0, count * scale)
                y = round(bottom - height, 1)
                bars.append(Bar(kind, label, count, x + offset, y, BAR, round(height, 1)))
        if i % 3 == 0:
            labels.append((x + BAR, f"{begins:%H}:00"))
    ticks = [(round(bottom - v * scale, 1), v) for v in range(0, top_value + 1, step)]
    return Chart(
        hours,
        bars,
        ticks,
        labels,
        sum(received),
        sum(failed),
        width=LEFT + HOURS * SLOT + 4,
        height=bottom + BELOW,
        top=TOP,
        bottom=bottom,
        left=LEFT,
    )

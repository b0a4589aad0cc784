"""The chart of ``python -m bench --chart PATH``: throughput against worker count
(``scaleout``), end-to-end sync throughput against record count (``sync``), and an idle
poll's requests against record count (``idle_poll``).

    draw({"scaleout": {"baseline": "40", "rate": "70", ...}, "idle_poll": {...}}, path)

Drawn with matplotlib's Agg backend (no display); a panel whose benchmark did not run
says so instead of plotting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt


def _workers(figures: dict[str, str]) -> dict[int, float]:
    points = {1: figures.get("baseline"), 2: figures.get("rate")}
    points.update({int(k[1:]): v for k, v in figures.items() if k[:1] == "w" and k[1:].isdigit()})
    return {k: float(v) for k, v in sorted(points.items()) if v is not None}


def _records(figures: dict[str, str]) -> dict[int, tuple[float, float]]:
    """Record count -> (requests, ms) of an idle poll."""
    points = {1_000: (figures.get("baseline"), figures.get("baseline_ms")),
              100_000: (figures.get("requests"), figures.get("ms"))}  # fmt: skip
    for key, value in figures.items():
        if key.startswith("requests_"):
            size = int(key.removeprefix("requests_"))
            points[size] = (value, figures.get(f"ms_{size}"))
    return {k: (float(r), float(m)) for k, (r, m) in sorted(points.items()) if r and m}


def _synced(figures: dict[str, str]) -> dict[int, float]:
    """Applications synced -> applications a second."""
    points = {2_000: figures.get("rate")}
    points.update({int(k.removeprefix("rate_")): v for k, v in figures.items()
                   if k.startswith("rate_") and k.removeprefix("rate_").isdigit()})  # fmt: skip
    return {k: float(v) for k, v in sorted(points.items()) if v is not None}


def _frame(axes: Any, *, ran: bool, name: str, xlabel: str, title: str,
           ylabel: str | None = None, from_zero: bool = True) -> None:  # fmt: skip
    """Label a panel, saying so in it when its benchmark did not run."""
    if not ran:
        axes.text(0.5, 0.5, f"{name} did not run", ha="center", transform=axes.transAxes)
    axes.set_xlabel(xlabel)
    if ylabel:
        axes.set_ylabel(ylabel)
    axes.set_title(title)
    if from_zero:
        axes.set_ylim(bottom=0)


def draw(results: dict[str, dict[str, str]], path: Path) -> None:
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.2), dpi=110)
    workers = _workers(results.get("scaleout", {}))
    if workers:
        counts = list(workers)
        left.plot(counts, list(workers.values()), "o-", label="measured")
        one = workers.get(1)
        if one:
            left.plot(counts, [one * n for n in counts], "--", color="grey", label="linear")
        left.set_xticks(counts)
        left.legend()
    _frame(left, ran=bool(workers), name="scaleout", ylabel="events/s",
           xlabel="connector worker processes (PostgreSQL)",
           title="Throughput against worker count")  # fmt: skip

    synced = _synced(results.get("sync", {}))
    if synced:
        middle.plot(list(synced), list(synced.values()), "o-", label="measured")
        middle.set_xscale("log")
        middle.set_xticks(list(synced), [f"{size:,}" for size in synced])
        middle.minorticks_off()
        middle.legend(loc="lower right")
    _frame(middle, ran=bool(synced), name="sync", ylabel="applications/s, end to end",
           xlabel="applications synced, 50 per job (SQLite)",
           title="Sync throughput against record count")  # fmt: skip

    records = _records(results.get("idle_poll", {}))
    if records:
        sizes = list(records)
        right.plot(sizes, [r for r, _ in records.values()], "o-", label="requests per poll")
        right.set_ylabel("requests (ATS and suite)")
        right.set_ylim(0, max(r for r, _ in records.values()) * 2)
        twin = right.twinx()
        twin.plot(sizes, [m for _, m in records.values()], "s:", color="tab:orange",
                  label="poll time, ms")  # fmt: skip
        twin.set_ylabel("ms")
        twin.set_ylim(bottom=0)
        right.set_xscale("log")
        lines = right.get_legend_handles_labels(), twin.get_legend_handles_labels()
        right.legend(lines[0][0] + lines[1][0], lines[0][1] + lines[1][1], loc="lower right")
    _frame(right, ran=bool(records), name="idle_poll", from_zero=False,
           xlabel="applications held by the ATS, all synced",
           title="Idle poll against record count")  # fmt: skip
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)

"""Work spread over forked worker processes, for the parts of a run that pay for it: parsing
many new files, and analyzing many inputs. Forked workers inherit what the parent built (the
parser, the parsed files) and start at once; where fork is not the safe default (macOS,
Windows), spawning workers costs more than the work, so nothing is spread there."""

from __future__ import annotations

import os
import sys


def can_fork() -> bool:
    return sys.platform.startswith("linux")


def workers_for(jobs: int, per_worker: int) -> int:
    """How many workers `jobs` jobs are worth, at least `per_worker` each; below 2, none."""
    workers = min(os.cpu_count() or 1, jobs // per_worker) if can_fork() else 0
    return workers if workers >= 2 else 0


def map_in_workers(function, items: list, workers: int, chunksize: int = 1, initializer=None) -> list | None:
    """`function` of each item, in the items' order, computed in `workers` forked processes;
    None when they cannot run here (no semaphores, a worker killed), so the caller does the
    work itself."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    def start() -> None:
        _ignore_interrupts()
        if initializer is not None:
            initializer()

    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=start) as pool:
            return list(pool.map(function, items, chunksize=chunksize))
    except Exception:
        return None


def _ignore_interrupts() -> None:
    # Ctrl-C is the parent's to handle; workers stop when it shuts the pool down.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)

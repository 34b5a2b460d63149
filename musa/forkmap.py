"""Pure work split between this process and one forked child: the load stage parses its files so, on two cores.

`fork_map(work, items, weights)` gives `[work(item) for item in items]`. When the items weigh enough to pay for a
process, a child forked from this one does about half of them (by weight) while this process does the rest; the
child hands its results back pickled through a pipe, and they come back as equal copies. The child inherits
everything this process holds, so `work` may be any function, closures included; it must be pure (its result
depends on its item alone) for the split to change nothing. A child that fails in any way (an error in `work`,
results that do not pickle, killed, a short read) is ignored and its items are done here: the results are those
of the serial loop either way, and so is any error `work` raises.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from typing import Callable, Sequence, TypeVar

from . import workers

T = TypeVar("T")
R = TypeVar("R")

MIN_WEIGHT = 256 * 1024  # below this (in the units of `weights`: bytes of YAML for the load), one process is faster


def can_fork() -> bool:
    """Whether forking is safe here: Linux (a system that forks, see `workers.can_fork`), and no other thread (a
    child copies only the forking thread, and would find any lock another one held taken forever: preview --serve
    runs its server beside the load)."""
    return sys.platform == "linux" and workers.can_fork() and threading.active_count() == 1


def fork_map(work: Callable[[T], R], items: Sequence[T], weights: Sequence[int],
             min_weight: int | None = None) -> list[R]:
    """`[work(item) for item in items]`, about half of it done by a forked child when the `weights` add up to
    `min_weight` (by default MIN_WEIGHT) or more and forking is safe (see the module's text)."""
    if len(items) < 2 or sum(weights) < (MIN_WEIGHT if min_weight is None else min_weight) or not can_fork():
        return [work(item) for item in items]
    theirs, mine, loads = [], [], [0, 0]
    for index in sorted(range(len(items)), key=lambda i: -weights[i]):  # the heaviest first, each to the lighter
        side = 0 if loads[0] <= loads[1] else 1
        (theirs if side == 0 else mine).append(index)
        loads[side] += weights[index]
    theirs.sort()
    mine.sort()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: never returns into the caller's code
        status = 1
        try:
            os.close(reading)
            data = pickle.dumps([work(items[i]) for i in theirs], protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writing, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    results: dict[int, R] = {}
    handed: list | None = None
    try:
        for index in mine:
            results[index] = work(items[index])
        with os.fdopen(reading, "rb") as pipe:
            reading = -1
            data = pipe.read()
        _, status = os.waitpid(child, 0)
        child = 0
        if status == 0:
            try:
                handed = pickle.loads(data)
            except Exception:
                handed = None
    finally:
        if reading != -1:
            os.close(reading)
        if child:  # this process failed or was interrupted first: the child's work is not wanted
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
    if not isinstance(handed, list) or len(handed) != len(theirs):
        handed = [work(items[i]) for i in theirs]
    results.update(zip(theirs, handed))
    return [results[i] for i in range(len(items))]

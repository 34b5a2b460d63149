"""Work split with a forked child (musa/forkmap.py, which the load stage parses its files with): the results are
those of the serial loop, in order, whatever the child does; it forks only when the work is worth it and safe."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from musa import forkmap
from musa.forkmap import fork_map

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="musa-build forks only on Linux")


@pytest.fixture
def forking(monkeypatch):
    """Fork even if earlier tests left threads in this process (a preview server's connections): the work here
    takes no lock, and the guard itself is tested below with a thread of its own."""
    monkeypatch.setattr(forkmap, "can_fork", lambda: True)


def with_pid(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


def test_half_of_the_work_is_done_by_a_child_and_the_results_keep_their_order(forking):
    items = list(range(40))
    results = fork_map(with_pid, items, [1 + i % 7 for i in items], min_weight=1)
    assert [square for square, _ in results] == [i * i for i in items]
    pids = [pid for _, pid in results]
    assert os.getpid() in pids and len(set(pids)) == 2  # this process and one child
    child = next(pid for pid in pids if pid != os.getpid())
    theirs = sum(1 + i % 7 for i, pid in zip(items, pids) if pid == child)
    assert abs(2 * theirs - sum(1 + i % 7 for i in items)) <= 7  # about half the weight each


def test_light_work_or_another_thread_keeps_it_in_this_process():
    items = list(range(10))
    assert {pid for _, pid in fork_map(with_pid, items, [1] * 10, min_weight=11)} == {os.getpid()}
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forkmap.can_fork()
        assert {pid for _, pid in fork_map(with_pid, items, [1] * 10, min_weight=1)} == {os.getpid()}
    finally:
        stop.set()
        other.join()


def test_a_child_that_fails_or_dies_is_done_over_here(forking):
    parent = os.getpid()

    def failing_in_the_child(item: int) -> tuple[int, int]:
        if os.getpid() != parent:
            if item % 2:
                os._exit(9)  # killed, in effect: no result at all
            raise RuntimeError("only in the child")
        return with_pid(item)

    items = list(range(12))
    results = fork_map(failing_in_the_child, items, [1] * 12, min_weight=1)
    assert results == [(i * i, parent) for i in items]


def test_an_error_of_the_work_is_raised_as_in_the_serial_loop(forking):
    def work(item: int) -> int:
        if item == 7:
            raise ValueError("item 7")
        return item

    with pytest.raises(ValueError, match="item 7"):
        fork_map(work, list(range(12)), [1] * 12, min_weight=1)


def test_results_that_do_not_pickle_are_made_over_here(forking):
    parent = os.getpid()
    results = fork_map(lambda item: (lambda pid=os.getpid(): (item, pid)), list(range(6)), [1] * 6, min_weight=1)
    assert [make() for make in results] == [(i, parent) for i in range(6)]  # made here, all of them

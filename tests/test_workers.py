"""musa/workers.py: batches done by forked worker processes, results and errors handed back to this process."""

from __future__ import annotations

import os
import pickle
import signal
import time

import pytest

from musa import workers

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="forks worker processes")


def collect(work, count: int, jobs: int) -> dict[int, object]:
    got: dict[int, object] = {}

    def take(index, result):
        assert index not in got, f"batch {index} handed over twice"
        got[index] = result
    workers.run_forked(work, count, jobs, take)
    return got


def test_every_batch_is_done_once_by_the_children_and_handed_over_here():
    here = os.getpid()

    def work(index):
        time.sleep(0.02)  # long enough for both children to take batches
        return index * index, os.getpid()
    got = collect(work, 30, 2)
    assert {index: square for index, (square, _) in got.items()} == {i: i * i for i in range(30)}
    done_by = {pid for _, pid in got.values()}
    assert len(done_by) == 2 and here not in done_by


def test_children_start_with_what_this_process_holds():
    """Nothing is sent to a child but a batch number: `work` and what it reads need not pickle (a closure over a
    lambda here), as the build's exporters and model are not sent."""
    held = {"model": lambda: "set up before the fork"}
    got = collect(lambda index: (os.getpid(), held["model"](), index), 4, 2)
    assert [(said, index) for _, said, index in got.values()] == [("set up before the fork", i) for i in range(4)]
    assert os.getpid() not in {pid for pid, _, _ in got.values()}


def test_an_error_in_a_child_is_raised_here_after_the_batches_in_flight_and_no_batch_follows():
    def work(index):
        if index == 3:
            raise ValueError("batch 3 fails")
        time.sleep(0.05)
        return index
    got: dict[int, int] = {}
    with pytest.raises(ValueError, match="batch 3 fails") as raised:
        workers.run_forked(work, 40, 2, got.__setitem__)
    assert isinstance(raised.value.__cause__, workers.RemoteTraceback)
    assert "in work" in str(raised.value.__cause__)
    assert set(got) <= set(range(40)) - {3} and len(got) < 10  # those in flight at most, not the 36 after
    assert set(range(3)) <= set(got)


def test_an_error_here_stops_handing_out_batches_and_waits_for_those_in_flight():
    handed: list[int] = []

    def take(index, result):
        handed.append(index)
        if index == 0:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        workers.run_forked(lambda index: time.sleep(0.05), 40, 2, take)
    assert 0 in handed and len(handed) < 10


def test_every_batch_done_is_handed_over_even_after_an_error_here(tmp_path):
    """What a batch produced is cleaned up by whoever takes it: after an error here, the batches the children
    had done still reach `take`, each one."""
    log = tmp_path / "done"

    def work(index):
        with open(log, "a") as handle:  # a line is written whole (O_APPEND)
            handle.write(f"{index}\n")
        time.sleep(0.005)  # 200 batches take each child about half a second: the error here comes first
        return index
    handed: list[int] = []

    def take(index, result):
        handed.append(index)
        if len(handed) == 1:
            raise RuntimeError("take fails once")
    with pytest.raises(RuntimeError, match="take fails once"):
        workers.run_forked(work, 200, 2, take)
    done = sorted(int(line) for line in log.read_text().split())
    assert sorted(handed) == done and len(done) < 200


def test_a_child_killed_mid_batch_is_an_error_not_a_missing_result():
    def work(index):
        if index == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.02)
        return index
    got: dict[int, int] = {}
    with pytest.raises(workers.WorkerFailed, match="ended before it finished"):
        workers.run_forked(work, 20, 2, got.__setitem__)
    assert 2 not in got


def test_a_result_that_does_not_pickle_is_its_batch_s_error():
    class Unpicklable:
        def __reduce__(self):
            raise TypeError("this result does not pickle")
    with pytest.raises(TypeError, match="does not pickle"):
        workers.run_forked(lambda index: Unpicklable(), 3, 2, lambda index, result: None)


def test_an_error_that_does_not_pickle_arrives_as_a_runtime_error_naming_it():
    class Odd(Exception):
        def __reduce__(self):
            raise TypeError("no")
    with pytest.raises(RuntimeError, match="Odd: strange"):
        workers.run_forked(lambda index: (_ for _ in ()).throw(Odd("strange")), 2, 2, lambda index, result: None)


def test_no_child_is_left_behind():
    pids = {pid for pid in collect(lambda index: (time.sleep(0.01), os.getpid())[1], 8, 2).values()}
    workers.run_forked(lambda index: index, 0, 2, lambda index, result: None)  # reaps those still leaving
    assert workers._EXITING == [] and len(pids) == 2
    for pid in pids:
        with pytest.raises(ChildProcessError):  # reaped: no longer a child of this process
            os.waitpid(pid, os.WNOHANG)


def test_more_batches_than_a_pipe_holds():
    count = 40_000  # 160 KB of batch numbers: more than a pipe's 64 KB
    got = collect(lambda index: None, count, 2)
    assert len(got) == count


def test_results_come_back_as_equal_copies():
    value = {"archives": [("a", b"\x00" * 100_000)], "n": 3}
    got = collect(lambda index: value, 3, 2)
    assert all(pickle.dumps(result) == pickle.dumps(value) for result in got.values())

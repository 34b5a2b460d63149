"""Numbered batches of work done by worker processes forked from this one, each taking the next batch when free.

`run_forked(work, count, jobs, take)` calls `work(i)` for every `i` below `count` in `jobs` forked children and
hands each result to `take(i, result)` in this process as it arrives. A child inherits everything this process
holds (the model, the exporters): nothing but batch numbers goes to it, and only pickled results come back.

- The batch numbers wait in a pipe, in order; a child reads the next one when it is free. When they are all
  handed out, the pipe is closed, and a child that finds it empty and closed ends.
- Each child answers through a pipe of its own: for each batch, its result or the error `work` raised.
- After the first error (a child's, or one raised here, `KeyboardInterrupt` included), no batch is handed out
  any more. Those in flight are finished and handed to `take`, so that whatever they produced can be cleaned
  up. Then the error is raised here.
- A child ends with this process: when this process is gone, the batch pipe reads as closed, and a child's
  answer finds no reader.

Compared with `concurrent.futures.ProcessPoolExecutor` on "fork", this has no threads and no queues to start,
and this process does not wait for a child to leave memory before going on (it is reaped at the next call).
"""

from __future__ import annotations

import os
import pickle
import selectors
import signal
import struct
import sys
import traceback
from typing import Callable, TypeVar

R = TypeVar("R")

_NUMBER = struct.Struct("<I")
_LENGTH = struct.Struct("<Q")
_FINISHED = _LENGTH.pack(0)  # a child's last answer when it found no more batches (an empty message)


class WorkerFailed(RuntimeError):
    """A worker process ended without answering for a batch it took (killed, out of memory)."""


class RemoteTraceback(Exception):
    """The traceback of an error raised in a worker, as the cause of that error raised here."""

    def __str__(self) -> str:
        return self.args[0]


def can_fork() -> bool:
    """Whether this system forks processes (POSIX does; elsewhere a build renders its units in one process). A
    child copies only the forking thread: the work it does must not need a lock another thread may hold (a
    build's other threads only ever write into a pipe)."""
    return hasattr(os, "fork")


def run_forked(work: Callable[[int], R], count: int, jobs: int, take: Callable[[int, R], None]) -> None:
    """`take(i, work(i))` for each `i` in `range(count)`, `work` done in `min(jobs, count)` forked children (which
    start with what this process holds), `take` here; see the module's text for what an error does."""
    tasks_read, tasks_write = os.pipe()
    answers: dict[int, int] = {}  # the read end of each child's pipe: its process id
    try:
        for _ in range(min(jobs, count)):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns into the caller's code
                _child(work, tasks_read, write, [tasks_write, read, *answers])
            os.close(write)
            answers[read] = pid
    except BaseException:
        os.close(tasks_read)
        os.close(tasks_write)
        _end(answers, kill=True)
        raise
    _Parent(tasks_read, tasks_write, answers, count, take).run()


def _child(work, tasks: int, answer: int, others: list[int]) -> None:
    status = 1
    try:
        for descriptor in others:
            os.close(descriptor)
        while True:
            number = _read_exactly(tasks, _NUMBER.size)
            if number is None:  # closed and empty: nothing more to do
                break
            index = _NUMBER.unpack(number)[0]
            try:
                message, ok = pickle.dumps((index, True, work(index)), protocol=pickle.HIGHEST_PROTOCOL), True
            except BaseException as error:  # noqa: B036 (reported to the parent, which raises it)
                message, ok = _failure(index, error), False
            _write_all(answer, _LENGTH.pack(len(message)) + message)
            if not ok:
                break
        _write_all(answer, _FINISHED)  # no batch in flight any more
        status = 0
    finally:
        os.close(answer)  # the parent goes on now, not once this process has left memory
        os._exit(status)


def _failure(index: int, error: BaseException) -> bytes:
    """An error as a message: itself with its traceback, or (if it does not pickle) a RuntimeError saying what it
    was."""
    text = "".join(traceback.format_exception(error))
    try:
        return pickle.dumps((index, False, (error, text)), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return pickle.dumps((index, False, (RuntimeError(f"{type(error).__name__}: {error}"), text)))


def _read_exactly(descriptor: int, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        more = os.read(descriptor, size - len(data))
        if not more:
            return None
        data += more
    return data


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


class _Parent:
    def __init__(self, tasks_read: int, tasks_write: int, answers: dict[int, int], count: int, take):
        self.tasks_read, self.tasks_write, self.answers, self.take = tasks_read, tasks_write, answers, take
        self.pending = memoryview(b"".join(_NUMBER.pack(i) for i in range(count)))
        self.left = set(range(count))  # neither answered nor taken back from the pipe
        self.error: BaseException | None = None
        self.selector = selectors.DefaultSelector()
        self.buffers = {read: bytearray() for read in answers}
        self.finished: set[int] = set()  # the children that said they found no more batches

    def run(self) -> None:
        os.set_blocking(self.tasks_write, False)  # this end only: the children's reads wait
        try:
            self.selector.register(self.tasks_write, selectors.EVENT_WRITE)
            for read in self.answers:
                self.selector.register(read, selectors.EVENT_READ)
            while self.buffers:
                try:
                    self.step()
                except BaseException as error:  # noqa: B036 (raised once the batches in flight are in)
                    self.fail(error)
        finally:
            self.selector.close()
            for descriptor in (self.tasks_write, self.tasks_read, *self.buffers):
                if descriptor != -1:
                    os.close(descriptor)
            _end(self.answers, kill=bool(self.buffers))
        if self.error is None and self.left:  # never so: each child answers for each batch it takes
            self.error = WorkerFailed(f"{len(self.left)} batches were neither done nor handed back")
        if self.error is not None:
            raise self.error

    def step(self) -> None:
        for key, _ in self.selector.select():
            if key.fd == self.tasks_write:
                self.pending = self.pending[os.write(self.tasks_write, self.pending):]
                if not self.pending:
                    self.close_tasks()
            elif key.fd in self.buffers:  # (not the batch pipe, closed meanwhile)
                self.read(key.fd)

    def read(self, answers: int) -> None:
        """Take what a child wrote: each whole answer in turn (an error in one does not keep back the others: the
        batches they stand for are handed over, to be cleaned up)."""
        chunk = os.read(answers, 1 << 20)
        if not chunk:
            self.selector.unregister(answers)
            os.close(answers)
            del self.buffers[answers]
            if answers not in self.finished:
                self.fail(WorkerFailed("a worker process ended before it finished its work (killed?)"))
            return
        buffer = self.buffers[answers]
        buffer += chunk
        while len(buffer) >= _LENGTH.size:
            size = _LENGTH.unpack_from(buffer)[0]
            if len(buffer) < _LENGTH.size + size:
                break
            message = bytes(buffer[_LENGTH.size:_LENGTH.size + size])
            del buffer[:_LENGTH.size + size]
            try:
                if message:
                    self.answer(*pickle.loads(message))
                else:
                    self.finished.add(answers)
            except BaseException as error:  # noqa: B036 (raised once the batches in flight are in)
                self.fail(error)

    def answer(self, index: int, ok: bool, value) -> None:
        self.left.discard(index)
        if ok:
            self.take(index, value)
            return
        error, text = value
        error.__cause__ = RemoteTraceback(text)
        self.fail(error)

    def fail(self, error: BaseException) -> None:
        """Keep the first error; hand out no more batches (taking back those still in the pipe: once it is closed
        for writing, reading it never waits)."""
        if self.error is None:
            self.error = error
        self.close_tasks()
        while (number := _read_exactly(self.tasks_read, _NUMBER.size)) is not None:
            self.left.discard(_NUMBER.unpack(number)[0])

    def close_tasks(self) -> None:
        if self.tasks_write != -1:
            self.selector.unregister(self.tasks_write)
            os.close(self.tasks_write)
            self.tasks_write = -1
            self.pending = memoryview(b"")


_EXITING: list[int] = []  # children that had answered and were leaving memory when their batches were done


def _end(children: dict[int, int], kill: bool) -> None:
    """Reap the children: killed first when `kill` (this process is failing and cannot wait for them); else those
    still leaving memory are reaped at the next call (their exit is no reason to wait)."""
    earlier, _EXITING[:] = list(_EXITING), []
    for pid in earlier:
        _reap(pid, wait=True)
    for pid in children.values():
        if kill:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not _reap(pid, wait=kill):
            _EXITING.append(pid)


def _reap(pid: int, wait: bool) -> bool:
    """Whether the child `pid` is reaped (or was already)."""
    try:
        return os.waitpid(pid, 0 if wait else os.WNOHANG)[0] != 0
    except ChildProcessError:
        return True

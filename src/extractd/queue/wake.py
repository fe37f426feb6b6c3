"""Wake-on-dispatch for the SQLite queue: an idle job process sleeps until a message arrives, not on a timer.

Huey's SQLite storage can only be polled, and a poll interval is a trade between idle load and pickup
latency (the old back-off picked a job up ~250 ms late after a second of idle). Instead every waiting
job process owns a named pipe in ``<data_dir>/wake/`` and sleeps in ``poll()`` on it; whoever enqueues
(the API, the reaper, Huey's scheduler, any process on this machine sharing the data dir) writes one
byte to each pipe after the message is committed. The wait stays bounded by ``EXTRACTD_QUEUE_POLL_S``,
so a wake that cannot arrive (a queue file shared with another machine) costs latency, never a job.

No wake-up is lost: a job process drains its pipe before it looks at the queue, so a byte written after
that look is still in the pipe when it goes to sleep. A pipe whose process died has no reader; the next
writer finds that out (``ENXIO``) and removes it.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import select
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PIPE_SUFFIX = ".wake"


class Wakeup:
    """The wake pipes of one queue: ``wake()`` from any process, ``listen``/``wait`` in a job process."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._path: Path | None = None
        self._fd: int | None = None
        self._pid: int | None = None

    def listen(self) -> None:
        """Create this process's pipe (before its first look at the queue, so no wake is missed)."""
        if self._fd is not None and self._pid == os.getpid():
            return
        self._fd = None  # inherited across fork: that pipe belongs to the parent
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{secrets.token_hex(4)}"
        building, path = self.directory / f"{name}.new", self.directory / f"{name}{PIPE_SUFFIX}"
        os.mkfifo(building, 0o600)
        # Read-write: the pipe always has a writer (itself), so poll() never reports a hang-up, and opening
        # does not block waiting for one. Opened before it gets its final name, so no writer ever sees it
        # without a reader and removes it as dead.
        self._fd = os.open(building, os.O_RDWR | os.O_NONBLOCK)
        building.rename(path)
        self._path, self._pid = path, os.getpid()

    def wait(self, timeout_s: float) -> bool:
        """Sleep until woken or ``timeout_s`` passed; True when woken. Drains the pipe either way."""
        self.listen()
        assert self._fd is not None
        poller = select.poll()
        poller.register(self._fd, select.POLLIN)
        woken = bool(poller.poll(max(0, int(timeout_s * 1000))))
        self._drain()
        return woken

    def _drain(self) -> None:
        assert self._fd is not None
        with contextlib.suppress(BlockingIOError):
            while os.read(self._fd, 4096):
                pass

    def close(self) -> None:
        """Remove this process's pipe (a process killed without closing leaves one the writers remove)."""
        if self._fd is None or self._pid != os.getpid():
            return
        os.close(self._fd)
        self._fd = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)

    def wake(self) -> int:
        """Wake every listening process; the number of pipes written to. Never raises: a wake is a hint."""
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return 0
        woken = 0
        for entry in entries:
            if entry.name.endswith(PIPE_SUFFIX) and _poke(Path(entry.path)):
                woken += 1
        return woken


def _poke(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # nobody reads it any more: its process died
            with contextlib.suppress(OSError):
                if stat.S_ISFIFO(path.stat().st_mode):
                    path.unlink()
        elif exc.errno != errno.ENOENT:  # removed meanwhile: its process closed it
            log.debug("could not open wake pipe %s", path, exc_info=True)
        return False
    try:
        os.write(fd, b"\0")
    except BlockingIOError:
        pass  # full: a wake is already pending there
    except OSError:
        log.debug("could not write wake pipe %s", path, exc_info=True)
        return False
    finally:
        os.close(fd)
    return True

"""word_count.dask: count a word over many files on a Dask cluster, the GIL released.

A Dask worker runs its tasks on several threads of one process. A count that holds the
GIL (:func:`word_count.search_py`) runs one task at a time per worker whatever its
threads; gilsafe's count releases the GIL, so every thread of every worker counts.

- :func:`count`: the count over files (paths or globs), exactly :func:`search_py`'s on each
  file's text, summed.
- ``python3 -m word_count.dask PATH... --needle WORD``: the same from the command line.

Blocks are byte ranges of a file whose ends are moved forward to the next line break
(never between ``\\r`` and ``\\n``), so no line is split and the blocks' counts add up
exactly; a file with no line break is one block. Each task reads its block and counts
the bytes with :func:`word_count.search_sequential` (no ``str`` is built, the GIL is
released), checking their UTF-8: invalid UTF-8 is reported with its file and byte offset.

Importing :mod:`word_count` alone never imports Dask.
"""

from __future__ import annotations

import argparse
import glob
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple, Union


def _interrupted_early(signum, frame):
    """``python3 -m word_count.dask``'s Ctrl-C while Dask is imported (a second or more,
    before _main can catch KeyboardInterrupt): the same one line and 130; no cluster yet."""
    sys.stderr.write("word_count.dask: interrupted\n")
    sys.stderr.flush()
    os._exit(130)


if __name__ == "__main__" and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _interrupted_early)

import dask  # noqa: E402
from dask.utils import parse_bytes  # noqa: E402

import word_count  # noqa: E402

__all__ = ["CountResult", "FileDecodeError", "count", "gather", "local_client", "submit"]

# Every line break of str.splitlines(); \r\n first, so it is one break.
_BREAK = re.compile(rb"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e]|\xc2\x85|\xe2\x80[\xa8\xa9]")
_SCAN = 1 << 20  # bytes read at a time while looking for a line break


class FileDecodeError(UnicodeDecodeError):
    """Invalid UTF-8 in a file: ``path`` and ``offset`` (the byte ``bytes.decode()`` of the
    whole file would report); ``object`` holds the bytes from there on (up to 4)."""

    def __init__(self, path: str, offset: int, piece: bytes, end: int, reason: str):
        super().__init__("utf-8", piece, 0, end, reason)
        self.path = path
        self.offset = offset

    def __str__(self) -> str:
        return f"'{self.path}': invalid UTF-8 at byte {self.offset} ({self.reason})"

    def __reduce__(self):
        return (FileDecodeError, (self.path, self.offset, self.object, self.end, self.reason))


@dataclass(frozen=True)
class CountResult:
    """What :func:`count` found."""

    count: int
    """The number of words equal to the needle, over all files."""
    bytes: int
    """The bytes counted."""
    files: int
    """The files counted."""
    blocks: int
    """The tasks the files were cut into."""
    seconds: float
    """Wall time of the count (cluster start-up excluded)."""


def _boundary(f, pos: int, size: int) -> int:
    """The first offset >= pos where a line ends (a break ends right before it and it is
    not between \\r and \\n), or size."""
    if pos <= 0:
        return 0
    start = pos - 3  # the longest break is 3 bytes: one that ends at pos starts after this
    while start < size:
        f.seek(max(start, 0))
        window = f.read(_SCAN + 3)
        at_eof = max(start, 0) + len(window) >= size
        for match in _BREAK.finditer(window):
            end = max(start, 0) + match.end()
            if end < pos:
                continue
            if match.end() == len(window) and not at_eof:
                break  # "\r" at the window's end may be half of "\r\n": read on
            return end
        if at_eof:
            return size
        start = max(start, 0) + len(window) - 3
    return size


def _count_block(path: str, offset: int, length: int, needle: bytes,
                 size: int) -> Tuple[int, int, int]:
    """Counts the block of `path` that starts in [offset, offset + length): returns
    (count, bytes, first invalid offset in the file or -1)."""
    with open(path, "rb") as f:
        begin = _boundary(f, offset, size)
        end = _boundary(f, offset + length, size) if offset + length < size else size
        if end <= begin:
            return 0, 0, -1
        f.seek(begin)
        data = f.read(end - begin)
    try:
        found = word_count.search_sequential(data, needle)
    except UnicodeDecodeError as e:
        return 0, len(data), begin + e.start
    return found, len(data), -1


def _expand(paths: Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]]) -> List[str]:
    """Paths and globs to files, in order; FileNotFoundError for one that names nothing."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    files: List[str] = []
    for p in paths:
        p = os.fsdecode(p)
        if glob.has_magic(p):
            matched = sorted(m for m in glob.glob(p, recursive=True) if os.path.isfile(m))
            if not matched:
                raise FileNotFoundError(2, "no file matches", p)
            files.extend(matched)
        elif os.path.isdir(p):
            raise IsADirectoryError(21, "is a directory", p)
        elif not os.path.exists(p):
            raise FileNotFoundError(2, "no such file", p)
        else:
            files.append(p)
    return files


def _needle_bytes(needle: Union[str, bytes]) -> bytes:
    if isinstance(needle, str):
        return needle.encode("utf-8")
    needle = bytes(needle)
    needle.decode("utf-8")  # UnicodeDecodeError for a needle that is not UTF-8
    return needle


def _plan(files: Sequence[str], blocksize: int) -> List[Tuple[str, int, int, int]]:
    """(path, offset, length, size) for every block of every file."""
    blocks = []
    for path in files:
        size = os.path.getsize(path)
        for offset in range(0, max(size, 1), blocksize):
            blocks.append((path, offset, blocksize, size))
    return blocks


def local_client(n_workers: Optional[int] = None, threads_per_worker: Optional[int] = None,
                 *, silence_logs: int = logging.WARNING):
    """A ``distributed.Client`` of a LocalCluster on this machine: loopback only, no
    dashboard (the scheduler's small HTTP server takes a free loopback port), one worker
    process (with a nanny, so a worker that dies is restarted) with a thread per core:
    the count releases the GIL, so threads, not processes, give the parallelism. The
    client owns the cluster: closing it (it is a context manager) stops the cluster.
    `silence_logs`: the level below which the cluster's processes log nothing (Dask's
    default; the command passes CRITICAL: its errors are one line).

    Ctrl-C is the caller's alone: the terminal sends SIGINT to the whole process group,
    and a worker process that got it would print its own KeyboardInterrupt traceback. The
    cluster starts with SIGINT blocked on this thread; Dask's event-loop thread, the
    threads it starts and the worker processes they spawn (restarted ones included) keep
    that mask, which survives exec. A Ctrl-C during the start is raised here once the
    cluster is up, after closing it."""
    from multiprocessing import resource_tracker

    from distributed import Client

    # The first process multiprocessing spawns starts its resource tracker, and that
    # unblocks SIGINT in the spawning thread (CPython's resource_tracker.ensure_running):
    # started now, it is already running when Dask's loop thread spawns the worker.
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
    try:
        client = Client(
            n_workers=n_workers or 1,
            threads_per_worker=threads_per_worker or os.cpu_count() or 1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            silence_logs=silence_logs,
        )
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # raises a pending Ctrl-C
    except BaseException:
        _close(client)
        raise
    return client


def _connect(address: str):
    """A Client of the scheduler at `address`. Dask calls every failed handshake a time-out
    ("Timed out during handshake ... after 5 s"), even one that failed at once because the
    peer is not a scheduler (an HTTP server, say): that one is said as it is."""
    from distributed import Client

    try:
        return Client(address, timeout="5s")
    except (TypeError, ValueError, ImportError) as e:
        # An address Dask cannot use: tls:// without a security context, ucx:// without
        # its module, a port that is not a number. One line, not Dask's traceback.
        raise OSError(f"cannot connect to {address}: {e}".replace("\n", " ")) from None
    except OSError as e:
        cause = e.__cause__
        if not str(e).startswith("Timed out during handshake") or cause is None or \
                isinstance(cause, TimeoutError):
            raise
        from distributed.comm import CommClosedError

        if isinstance(cause, CommClosedError):
            how = "it closed the connection during the handshake"
        else:  # a header announcing exabytes (MemoryError), a truncated frame, ...
            how = "its answer to the handshake is not Dask's protocol"
        raise OSError(f"{address} is not a Dask scheduler ({how})") from None


def _close(client) -> None:
    client.close()


def submit(client, paths, needle: Union[str, bytes], blocksize: Union[int, str] = "64 MiB"):
    """The futures of a count's blocks on `client` (:func:`count` gathers them), with the
    plan: (files, futures). For callers that watch or steer a running count."""
    size = parse_bytes(blocksize) if isinstance(blocksize, str) else int(blocksize)
    if size <= 0:
        raise ValueError(f"blocksize must be positive, not {blocksize!r}")
    files = _expand(paths)
    word = _needle_bytes(needle)
    blocks = _plan(files, size)
    futures = [
        client.submit(_count_block, path, offset, length, word, fsize, pure=False)
        for path, offset, length, fsize in blocks
    ]
    return files, blocks, futures


def gather(client, files, blocks, futures, started: float) -> CountResult:
    """The CountResult of submit()'s futures; FileDecodeError for the first file with
    invalid UTF-8, at its first invalid byte."""
    results = client.gather(futures)
    first_bad = {}
    total = 0
    nbytes = 0
    for (path, _, _, _), (found, got, bad) in zip(blocks, results):
        total += found
        nbytes += got
        if bad >= 0 and (path not in first_bad or bad < first_bad[path]):
            first_bad[path] = bad
    for path in files:
        if path in first_bad:
            offset = first_bad[path]
            with open(path, "rb") as f:
                f.seek(offset)
                piece = f.read(4)
            try:
                piece.decode("utf-8")
                end, reason = 1, "invalid start byte"
            except UnicodeDecodeError as e:
                end, reason = max(e.end - e.start, 1), e.reason
            raise FileDecodeError(path, offset, piece, end, reason)
    return CountResult(total, nbytes, len(files), len(blocks), time.perf_counter() - started)


def count(paths, needle: Union[str, bytes], *, client=None,
          blocksize: Union[int, str] = "64 MiB") -> CountResult:
    """Counts the words equal to `needle` in the files `paths` (a path, a glob, or a list
    of them) on a Dask cluster: `client` (a ``distributed.Client``), or a LocalCluster
    made for the call (see :func:`local_client`; call it under
    ``if __name__ == "__main__":`` in a script, as any multiprocessing program). Returns
    exactly :func:`word_count.search_py` of each file's text, summed, in a
    :class:`CountResult`. `blocksize`: bytes per task, an int or a string Dask parses
    ("64 MiB"). Raises FileNotFoundError / IsADirectoryError for a path that is not a
    file, FileDecodeError (a UnicodeDecodeError) for invalid UTF-8, with its file and
    offset."""
    own = client is None
    if own:
        client = local_client()
    try:
        started = time.perf_counter()
        files, blocks, futures = submit(client, paths, needle, blocksize)
        return gather(client, files, blocks, futures, started)
    finally:
        if own:
            _close(client)


class _Parser(argparse.ArgumentParser):
    """argparse with gil_demo's error format: one line, exit 2."""

    def error(self, message):
        self.exit(2, f"word_count.dask: {message} (see --help)\n")


def _blocksize(value: str) -> int:
    """A whole number of bytes, at least 1: "65536", "64 MiB", "1.5 KiB" (= 1536)."""
    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*[A-Za-z]*\s*", value):
        raise ValueError
    size = parse_bytes(value)
    if size < 1 or (not re.search(r"[A-Za-z]", value) and not value.strip().isdigit()):
        raise ValueError
    return size


def _main(argv: Optional[Sequence[str]] = None) -> int:
    """``python3 -m word_count.dask``: its exit code. The SIGINT handler it sets for the
    command is put back when it returns, so a caller in the same process keeps its own."""
    previous = signal.getsignal(signal.SIGINT)
    try:
        return _command(argv)
    finally:
        if previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, previous)


def _command(argv: Optional[Sequence[str]]) -> int:
    parser = _Parser(
        prog="python3 -m word_count.dask",
        description="Count the words of files equal to a needle on a Dask cluster. "
        "Exit codes: 0 success, 1 runtime error, 2 usage error, 130 Ctrl-C.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or globs")
    parser.add_argument("--needle", required=True, help="the word to count")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a running scheduler (tcp://host:8786); default: a local cluster")
    parser.add_argument("--workers", type=_positive, default=None, metavar="N",
                        help="worker processes of the local cluster (default 1)")
    parser.add_argument("--threads-per-worker", type=_positive, default=None, metavar="T",
                        help="threads per local worker (default: one per core)")
    parser.add_argument("--blocksize", default="64 MiB", help="bytes per task (default 64 MiB)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.scheduler is not None and not args.scheduler.strip():
        parser.error("--scheduler needs an address (tcp://host:8786)")
    if args.scheduler and (args.workers or args.threads_per_worker):
        parser.error("--workers and --threads-per-worker apply to the local cluster only")
    try:
        blocksize = _blocksize(args.blocksize)
    except (ValueError, TypeError):
        parser.error(f"--blocksize: {args.blocksize!r} is not a size of at least one byte")
    try:
        needle = args.needle.encode("utf-8")
    except UnicodeEncodeError:
        parser.error("--needle is not valid UTF-8")

    # A command prints its result and one-line errors: no library deprecation warnings
    # (a debug build of Python shows them all) and no cluster log lines below errors.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    # Nor asyncio's reports of the tasks a Ctrl-C leaves behind ("Task was destroyed but it
    # is pending!", "Task exception was never retrieved"): the interrupt is said in one line.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    late_sigint: List[int] = []
    try:
        if callable(signal.getsignal(signal.SIGINT)) and \
                threading.current_thread() is threading.main_thread():
            # From here a Ctrl-C is KeyboardInterrupt (no longer _interrupted_early): caught
            # below, once the cluster has stopped. An ignored SIGINT stays ignored.
            signal.signal(signal.SIGINT, signal.default_int_handler)
        from distributed import progress

        paths = _expand(args.paths)  # a missing file fails before any cluster starts
        if args.scheduler:
            client = _connect(args.scheduler)
        else:
            # A worker that a Ctrl-C's shutdown cuts off from its nanny logs the broken
            # connection with a traceback: the command's errors reach it as exceptions.
            # The worker processes log from their start (a stale lock file purged, at
            # INFO): Dask's configuration, read from the environment they inherit.
            os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")
            client = local_client(args.workers, args.threads_per_worker,
                                  silence_logs=logging.CRITICAL)
        try:
            started = time.perf_counter()
            files, blocks, futures = submit(client, paths, needle, blocksize)
            if not args.json and sys.stderr.isatty():
                progress(futures)
                print(file=sys.stderr)
            result = gather(client, files, blocks, futures, started)
        finally:
            if callable(signal.getsignal(signal.SIGINT)) and \
                    threading.current_thread() is threading.main_thread():
                # A Ctrl-C while the cluster stops (a second one, say) is noted, not raised:
                # cut short, the shutdown would print tracebacks and leak the workers'
                # semaphores (the resource tracker warns about them).
                signal.signal(signal.SIGINT, lambda signum, frame: late_sigint.append(signum))
            _close(client)
        if late_sigint:
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        print("word_count.dask: interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        what = f"'{e.filename}': {e.strerror}" if e.filename else str(e)
        print(f"word_count.dask: {what}".replace("\n", " "), file=sys.stderr)
        return 1
    except UnicodeDecodeError as e:
        print(f"word_count.dask: {e}", file=sys.stderr)
        return 1
    except (TimeoutError, ValueError) as e:
        print(f"word_count.dask: {e}".replace("\n", " "), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"count": result.count, "bytes": result.bytes, "files": result.files,
                          "blocks": result.blocks, "seconds": result.seconds,
                          "needle": args.needle}))
    else:
        rate = result.bytes / result.seconds / 1e9 if result.seconds > 0 else 0.0
        print(f"{result.count} words equal to {args.needle!r} in {result.files} files "
              f"({result.bytes} bytes, {result.blocks} blocks) in {result.seconds:.3f} s "
              f"({rate:.2f} GB/s)")
    return 0


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive decimal integer")
    return int(value)


if __name__ == "__main__":
    # Run as the package's module, not as __main__, so the workers import the same
    # functions the client submits.
    from word_count.dask import _main as main

    sys.exit(main())

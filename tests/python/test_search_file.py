"""tests/python/test_search_file.py: word_count.search_file, a file counted without Python's str.

The file is memory-mapped and counted in C++: the count is search_py of its decoded text,
open()'s errors come out as open() raises them, invalid UTF-8 as bytes.decode() reports
it, a file that changes as FileChangedError, Ctrl-C as KeyboardInterrupt; and a 1 GB file
costs its mapping, not a copy. Runs against the package in the build tree.
"""

import errno
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import pytest
import word_count
from hostile import INVALID, random_invalid_bytes, random_text
from memory import anon_peak_while, reset_peak_rss, status_bytes

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
from special_files import needles, special_files  # noqa: E402


def write(tmp_path, data, name="text.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def decode_error(data):
    with pytest.raises(UnicodeDecodeError) as info:
        data.decode()
    return info.value


def open_error(path):
    with pytest.raises(OSError) as info:
        open(path, "rb")
    return info.value


# --- counts -----------------------------------------------------------------------------


def test_a_file_counts_like_its_decoded_text(tmp_path):
    rng = random.Random(12)
    for i in range(150):
        text = random_text(rng, rng.randrange(80))
        path = write(tmp_path, text.encode(), f"{i}.txt")
        for needle in ["", "is", random_text(rng, 1)]:
            expected = word_count.search_py(text, needle)
            assert word_count.search_file(path, needle) == expected, (text, needle)
            assert word_count.search_file(str(path), needle.encode(), parallel=False) == expected
            assert word_count.search_file(os.fsencode(path), bytearray(needle.encode())) == expected


def test_a_big_file_counts_like_its_decoded_text_in_parallel_and_not(tmp_path):
    rng = random.Random(13)
    chunk = random_text(rng, 4000)
    text = "".join(chunk[rng.randrange(len(chunk)):] for _ in range(300))
    path = write(tmp_path, text.encode())
    for needle in ["", "is", "\u4e2d", "\U0001F600"]:
        expected = word_count.search_py(text, needle)
        assert word_count.search_file(path, needle) == expected
        assert word_count.search_file(path, needle, parallel=False) == expected


def test_an_empty_file_counts_like_an_empty_str(tmp_path):
    path = write(tmp_path, b"")
    assert word_count.search_file(path, "") == word_count.search_py("", "") == 0
    assert word_count.search_file(path, "is") == 0


def test_a_path_named_dash_is_that_file_not_standard_input(tmp_path):
    write(tmp_path, b"is", "-")
    script = "import word_count; print(word_count.search_file('-', 'is'))"
    result = subprocess.run([sys.executable, "-c", script], input=b"is is is", cwd=tmp_path,
                            capture_output=True, timeout=60, env=os.environ)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().split() == ["1"]
    (tmp_path / "-").unlink()
    result = subprocess.run([sys.executable, "-c", script], input=b"is is is", cwd=tmp_path,
                            capture_output=True, timeout=60, env=os.environ)
    assert b"FileNotFoundError: [Errno 2] No such file or directory: '-'" in result.stderr


def test_arguments_of_the_wrong_kind():
    with pytest.raises(TypeError, match="expected str, bytes or os.PathLike object, not int"):
        word_count.search_file(3, "is")
    with pytest.raises(ValueError, match="embedded null byte"):
        word_count.search_file("a\0b", "is")
    with pytest.raises(TypeError, match=r"search_file\(\): needle must be str or a bytes-"):
        word_count.search_file(__file__, 3)
    with pytest.raises(TypeError):
        word_count.search_file(__file__, "is", False)  # parallel is keyword-only
    with pytest.raises(UnicodeDecodeError) as info:
        word_count.search_file(__file__, b"\xff")
    assert info.value.__notes__ == ["in needle"]


# --- open()'s errors ----------------------------------------------------------------------


def assert_same_os_error(path, expected_type):
    expected = open_error(path)
    with pytest.raises(expected_type) as info:
        word_count.search_file(path, "is")
    got = info.value
    assert type(got) is type(expected) is expected_type
    assert (got.errno, got.strerror, got.filename, str(got)) == (
        expected.errno, expected.strerror, expected.filename, str(expected))


def test_a_missing_file_is_file_not_found_error(tmp_path):
    for path in [tmp_path / "missing.txt", str(tmp_path / "missing.txt"),
                 os.fsencode(tmp_path / "missing.txt")]:
        assert_same_os_error(path, FileNotFoundError)
    assert_same_os_error(tmp_path / "no" / "such" / "dir", FileNotFoundError)


def test_a_directory_is_is_a_directory_error(tmp_path):
    assert_same_os_error(tmp_path, IsADirectoryError)
    assert_same_os_error(str(tmp_path), IsADirectoryError)


def test_a_path_through_a_file_is_not_a_directory_error(tmp_path):
    path = write(tmp_path, b"is")
    assert_same_os_error(path / "x", NotADirectoryError)


# Run as nobody when the tests run as root (as in CI): root reads files whatever their mode.
UNREADABLE_CHILD = textwrap.dedent(
    """
    import sys
    import word_count

    def error_of(call):
        try:
            call()
        except OSError as e:
            return (type(e).__name__, e.errno, e.strerror, e.filename)
        sys.exit("read it")

    want = error_of(lambda: open(sys.argv[1], "rb"))
    got = error_of(lambda: word_count.search_file(sys.argv[1], "is"))
    assert want == got and want[0] == "PermissionError", (want, got)
    print("same PermissionError")
    """
)


def test_an_unreadable_file_is_permission_error(tmp_path):
    if os.geteuid() != 0:
        path = write(tmp_path, b"is")
        path.chmod(0)
        try:
            assert_same_os_error(path, PermissionError)
        finally:
            path.chmod(0o600)
        return
    if shutil.which("setpriv") is None:
        pytest.skip("running as root, and no setpriv to drop root with")
    folder = pathlib.Path(tempfile.mkdtemp(prefix="gilsafe-unreadable-"))  # others may enter
    try:
        folder.chmod(0o755)
        path = write(folder, b"is")
        path.chmod(0)
        package_root = os.path.dirname(os.path.dirname(word_count.__file__))
        env = dict(os.environ, PYTHONPATH=package_root)
        result = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
             UNREADABLE_CHILD, str(path)], capture_output=True, text=True, timeout=60, env=env)
        assert result.returncode == 0 and "same PermissionError" in result.stdout, result
    finally:
        shutil.rmtree(folder)


# --- invalid UTF-8 ------------------------------------------------------------------------


def assert_decode_error_of_file(path, data, parallel=True):
    expected = decode_error(data)
    with pytest.raises(UnicodeDecodeError) as info:
        word_count.search_file(path, "is", parallel=parallel)
    got = info.value
    assert (got.encoding, got.start, got.end, got.reason) == (
        expected.encoding, expected.start, expected.end, expected.reason), data[:64]
    assert got.object == data[got.start:got.end]  # the invalid bytes only
    assert got.__notes__ == [f"in file {os.fspath(path)!r}"]


def test_invalid_utf8_in_a_file_is_the_error_bytes_decode_raises(tmp_path):
    body = "is a \u4e2d is\n".encode()
    for i, bad in enumerate(INVALID):
        # At the first byte, in the middle, at the last byte(s) (a cut sequence there is
        # "unexpected end of data"), and before more text.
        for j, data in enumerate([bad, bad + body, body + bad + body, body * 3 + bad]):
            path = write(tmp_path, data, f"{i}-{j}.txt")
            assert_decode_error_of_file(path, data)
            assert_decode_error_of_file(path, data, parallel=False)


def test_the_first_invalid_byte_of_a_big_file_is_found(tmp_path):
    rng = random.Random(14)
    for i in range(12):
        data = random_invalid_bytes(rng, rng.randrange(1, 300000), invalid=rng.randrange(1, 4))
        path = write(tmp_path, data, f"{i}.txt")
        try:
            text = data.decode()
        except UnicodeDecodeError:
            assert_decode_error_of_file(path, data)
            assert_decode_error_of_file(path, data, parallel=False)
        else:  # malformed pieces that happened to join into a valid character
            assert word_count.search_file(path, "is") == word_count.search_py(text, "is")


# --- a file that changes during the count ------------------------------------------------


def test_a_file_that_shrinks_during_the_count_raises_file_changed_error(tmp_path):
    assert issubclass(word_count.FileChangedError, OSError)
    assert word_count.FileChangedError.__module__ == "word_count"
    path = tmp_path / "big.txt"
    data = b"is " * (16 << 20)
    path.write_bytes(data)
    start = time.perf_counter()
    word_count.search_file(path, "is")
    one_call = time.perf_counter() - start
    rng = random.Random(5)
    for _ in range(50):
        path.write_bytes(data)
        counting = threading.Event()
        delay = rng.uniform(0, one_call)  # somewhere in the call, however fast the count is

        def shrink():
            counting.wait()
            time.sleep(delay)
            os.truncate(path, len(data) - 1)  # the last page stays mapped: no fault

        thread = threading.Thread(target=shrink)
        thread.start()
        counting.set()
        try:
            count = word_count.search_file(path, "is")
        except word_count.FileChangedError as e:
            thread.join()
            assert (e.errno, e.filename) == (errno.EIO, os.fspath(path))
            assert str(e) == f"[Errno 5] changed while being read: {os.fspath(path)!r}"
            return
        thread.join()
        assert count == 16 << 20  # shrunk before the open: the same words
    pytest.fail("no count saw its file shrink")


# The hook that grows the file runs inside the count itself: a SIGINT handler that raises
# nothing runs between two segments of the count, on the main thread, and the count goes
# on. It appends only when it sees the file mapped (/proc/self/maps): search_file is then
# past its open and before its final check, whatever the machine's load. A call that no
# handler ran inside (the SIGINTs, every millisecond, all came before or after it) is
# tried again on a bigger file.
GROW_SCRIPT = textwrap.dedent(
    r"""
    import os, signal, sys, threading, time
    import word_count

    path, parallel = os.path.realpath(sys.argv[1]), sys.argv[2] == "parallel"
    grew = []

    def mapped():
        with open("/proc/self/maps") as maps:
            return any(line.rstrip("\n").endswith(" " + path) for line in maps)

    def grow(signum, frame):
        if not grew and mapped():
            with open(path, "ab") as f:
                f.write(b" is" * 1000)  # 3000 bytes
            grew.append(True)

    def every_millisecond(stop):
        while not stop.is_set():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.001)

    signal.signal(signal.SIGINT, grow)
    size = 1 << 28  # sparse: NULs cost no disk; 4 segments or more
    for attempt in range(8):
        with open(path, "wb") as f:
            f.truncate(size)
        grew.clear()
        stop = threading.Event()
        sender = threading.Thread(target=every_millisecond, args=(stop,))
        sender.start()
        try:
            outcome = f"count {word_count.search_file(path, 'is', parallel=parallel)}"
        except word_count.FileChangedError as e:
            outcome = f"{type(e).__name__}: {e}"
        finally:
            stop.set()
            sender.join()
        if grew:
            print(f"{size} bytes, 3000 appended during the count: {outcome}")
            assert outcome == f"FileChangedError: [Errno 5] changed while being read: {path!r}"
            print("ok")
            break
        assert outcome == "count 0", outcome
        size *= 2
    else:
        raise SystemExit("no SIGINT handler ran during a count")
    """
)


@pytest.mark.parametrize("mode", ["parallel", "sequential"])
def test_a_file_that_grows_during_the_count_raises_file_changed_error(tmp_path, mode):
    """The map holds the size of the open: a file that grew would be counted short."""
    result = subprocess.run([sys.executable, "-c", GROW_SCRIPT, str(tmp_path / "grows"), mode],
                            capture_output=True, timeout=100, env=os.environ)
    print(result.stdout.decode(), result.stderr.decode())
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().rstrip().endswith("ok")


# --- Ctrl-C ---------------------------------------------------------------------------------

INTERRUPT_SCRIPT = textwrap.dedent(
    r"""
    import os, signal, sys, threading, time
    import word_count

    # The empty needle over NULs looks at every byte; a sparse file costs no disk. Grow it
    # until both counts take long enough: the faster one decides (mapping a sparse file's
    # pages on two threads was 3.5x slower than on one, so a size chosen by the parallel
    # count alone let the sequential one end before a timer delayed by a busy machine).
    path = sys.argv[1]

    def timed(parallel):
        start = time.monotonic()
        assert word_count.search_file(path, "", parallel=parallel) == 0
        return time.monotonic() - start

    size = 1 << 26
    while True:
        with open(path, "wb") as f:
            f.truncate(size)
        full = timed(False)
        if full >= 0.35 or size >= 1 << 33:
            full = min(full, timed(True))
            if full >= 0.35 or size >= 1 << 33:
                break
        size *= 2

    for parallel in (True, False):
        timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT))
        start = time.monotonic()
        timer.start()
        try:
            word_count.search_file(path, "", parallel=parallel)
        except KeyboardInterrupt:
            latency = time.monotonic() - start - 0.1
            print(f"parallel={parallel}: KeyboardInterrupt {latency * 1e3:.1f} ms after "
                  f"Ctrl-C; a whole count takes {full * 1e3:.0f} ms")
            assert latency < full / 2, (latency, full)
        else:
            raise SystemExit(f"parallel={parallel}: no KeyboardInterrupt")
        timer.join()
        with open(path, "r+b") as f:
            f.write(b"is is\n")
        assert word_count.search_file(path, "is") == 2  # fine afterwards
    print("ok")
    """
)


def test_ctrl_c_raises_keyboard_interrupt_promptly(tmp_path):
    result = subprocess.run([sys.executable, "-c", INTERRUPT_SCRIPT, str(tmp_path / "zeros")],
                            capture_output=True, timeout=120, env=os.environ)
    print(result.stdout.decode(), result.stderr.decode())
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().rstrip().endswith("ok")


# A stream (a FIFO fed by another process, paced so that the count lasts half a second or
# more) follows the rule of Ctrl-C that mapped files and buffers follow: a handler that
# raises nothing lets the count go on and lose nothing, one that raises stops it with its
# exception; on another thread KeyboardInterrupt only under Python's default handler.
STREAM_SIGNALS_SCRIPT = textwrap.dedent(
    r"""
    import os, signal, subprocess, sys, threading, time
    import word_count

    fifo = sys.argv[1]
    FEED = (
        "import sys, time\n"
        "with open(sys.argv[1], 'wb') as f:\n"
        "    for _ in range(64):\n"
        "        f.write(b'is ' * (1 << 17)); f.flush(); time.sleep(0.01)\n"
    )
    EXPECTED = 64 << 17  # 8 M matches

    def count_fed(parallel=True):
        feeder = subprocess.Popen([sys.executable, "-c", FEED, fifo])
        try:
            return word_count.search_file(fifo, "is", parallel=parallel)
        finally:
            feeder.kill()
            feeder.wait()

    def every_millisecond(stop):
        while not stop.is_set():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.001)

    def sending(stop):  # a daemon: a failure ends the script instead of waiting for it
        sender = threading.Thread(target=every_millisecond, args=(stop,), daemon=True)
        sender.start()
        return sender

    calls = []
    signal.signal(signal.SIGINT, lambda signum, frame: calls.append(time.monotonic()))
    for parallel in (True, False):
        calls.clear()
        stop = threading.Event()
        sender = sending(stop)
        start = time.monotonic()
        got = count_fed(parallel)
        end = time.monotonic()
        stop.set()
        sender.join()
        during = [t for t in calls if start < t < end]
        assert got == EXPECTED and during, (parallel, got, len(during))
        print(f"parallel={parallel}: exact under {len(during)} no-op handler calls")

    outcome = []
    def count_in_thread():
        try:
            outcome.append(count_fed())
        except KeyboardInterrupt:
            outcome.append("KeyboardInterrupt")
    stop = threading.Event()
    worker = threading.Thread(target=count_in_thread)
    worker.start()
    sender = sending(stop)
    worker.join(); stop.set(); sender.join()
    assert outcome == [EXPECTED], outcome
    print("other thread, no-op handler: not interrupted")

    class Stop(Exception):
        pass

    def raising(signum, frame):
        raise Stop()

    signal.signal(signal.SIGINT, raising)
    timer = threading.Timer(0.15, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        count_fed()
    except Stop:
        print("stopped by the handler's exception")
    else:
        raise SystemExit("the handler's exception was lost")
    timer.join()

    signal.signal(signal.SIGINT, signal.default_int_handler)
    outcome.clear()
    worker = threading.Thread(target=count_in_thread)
    worker.start()
    time.sleep(0.15)
    try:
        os.kill(os.getpid(), signal.SIGINT)
        worker.join()
    except KeyboardInterrupt:
        worker.join()
    assert outcome == ["KeyboardInterrupt"], outcome
    print("other thread, default handler: KeyboardInterrupt")
    print("ok")
    """
)


def test_ctrl_c_on_a_stream_follows_the_signal_handler_rule(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = subprocess.run([sys.executable, "-c", STREAM_SIGNALS_SCRIPT, str(fifo)],
                            capture_output=True, timeout=100, env=os.environ)
    print(result.stdout.decode(), result.stderr.decode())
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().rstrip().endswith("ok")


# --- a 1 GB file costs its mapping, not a copy ---------------------------------------------


def test_a_1_gb_file_is_counted_without_a_copy(tmp_path):
    # A sparse file: NULs (valid UTF-8) cost no disk, and "is is" near its end.
    size = 1 << 30
    path = tmp_path / "1g.txt"
    with open(path, "wb") as f:
        f.truncate(size)
        f.seek(size - 7)
        f.write(b"\nis is\n")
    try:
        word_count.search(b"is " * (1 << 20), "is")  # oneTBB's workers started
        # The peak RSS counts the mapping's pages (file-backed) while they are mapped: the
        # process may grow by the file's size, no more.
        before = reset_peak_rss()
        # A copy of the file, or a str of it, would be anonymous memory for the whole count.
        count, anon_growth = anon_peak_while(lambda: word_count.search_file(path, "is"))
        assert count == 2
        assert anon_growth < (64 << 20), f"anonymous memory grew by {anon_growth >> 20} MiB"
        peak_growth = status_bytes("VmHWM") - before
        assert peak_growth < size + (64 << 20), f"the peak RSS grew by {peak_growth >> 20} MiB"
        count, anon_growth = anon_peak_while(
            lambda: word_count.search_file(path, "is", parallel=False))
        assert count == 2
        assert anon_growth < (64 << 20), f"anonymous memory grew by {anon_growth >> 20} MiB"
    finally:
        path.unlink()


def test_a_stream_is_counted_as_it_is_read_and_its_bad_bytes_found_at_once():
    """/dev/urandom never ends: its first invalid byte raises at once, in constant memory."""
    with pytest.raises(UnicodeDecodeError) as error:
        word_count.search_file("/dev/urandom", "is")
    assert error.value.reason in ("invalid start byte", "invalid continuation byte",
                                  "unexpected end of data")
    assert error.value.start < 1 << 20


def test_a_fifo_counts_its_writers_bytes(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    text = "is a\r\nis\u2028is \u00e9is is\n" * 5000
    writer = threading.Thread(target=lambda: fifo.write_bytes(text.encode()))
    writer.start()
    try:
        assert word_count.search_file(fifo, "is") == word_count.search_py(text, "is")
    finally:
        writer.join()


def test_a_file_whose_size_lies_and_cannot_be_mapped_is_read():
    path = pathlib.Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if not path.exists():
        pytest.skip("no sysfs file to try")
    content = path.read_text()
    word = content.split()[0].strip("[]")
    assert os.stat(path).st_size == 4096 != len(content)
    assert word_count.search_file(path, word) == word_count.search_py(content, word)


def test_proc_sys_and_sysfs_files_count_like_the_text_open_reads():
    """A sysctl of /proc/sys refuses a read of 4 MiB or more (ENOMEM): read in pieces it takes."""
    files = special_files()
    if not any(path.startswith("/proc/sys/") for path, _ in files):
        pytest.skip("no /proc/sys here")
    for path, text in files:
        for needle in needles(text):
            expected = word_count.search_py(text, needle)
            for parallel in (True, False):
                got = word_count.search_file(path, needle, parallel=parallel)
                assert got == expected, (path, text, needle, parallel)

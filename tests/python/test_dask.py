"""tests/python/test_dask.py: word_count.dask on a loopback LocalCluster: exact, fault-tolerant, clear."""

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

import word_count

UNIT = "is this is\r\nis\u2028is\u0085 is  \u0145is is\n\nfin is \u4e2d\U0001F600 is\r\v\f is\x1c"
PIECES = [" ", "\n", "\r", "\r\n", "\u2028", "\u0085", "is", "a", "\u00e9", "\U0001F600", "\v"]


@pytest.fixture(scope="module")
def client():
    from word_count.dask import local_client

    with_client = local_client(n_workers=1, threads_per_worker=2)
    yield with_client
    from word_count.dask import _close

    _close(with_client)


def hostile_files(tmp_path, count, size, seed):
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        text = "".join(rng.choice(PIECES) for _ in range(size))
        path = tmp_path / f"part{i:02d}.txt"
        path.write_bytes(text.encode())
        paths.append(path)
    return paths


def expected(paths, needle):
    return sum(word_count.search_py(p.read_bytes().decode(), needle) for p in paths)


def test_importing_word_count_alone_does_not_import_dask():
    code = "import sys, word_count; print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert json.loads(out.stdout.decode().replace("'", '"')) == []


@pytest.mark.parametrize("blocksize", [1, 2, 3, 5, 64, 1000])
def test_blocks_cut_anywhere_add_up_to_the_reference(tmp_path, blocksize):
    """No cluster: the blocks of every file, counted apart, give search_py's count."""
    from word_count.dask import _count_block, _plan

    paths = hostile_files(tmp_path, 3, 300, blocksize)
    for needle in ["is", "", "\u00e9", "a"]:
        total = 0
        nbytes = 0
        for path, offset, length, size in _plan([str(p) for p in paths], blocksize):
            found, got, bad = _count_block(path, offset, length, needle.encode(), size)
            assert bad == -1
            total += found
            nbytes += got
        assert total == expected(paths, needle), needle
        assert nbytes == sum(p.stat().st_size for p in paths)


@pytest.mark.parametrize("blocksize", [7, 100, "64 MiB"])
def test_a_cluster_count_equals_the_reference_file_by_file(tmp_path, client, blocksize):
    from word_count.dask import count

    paths = hostile_files(tmp_path, 4, 400, 13)
    (tmp_path / "empty.txt").write_bytes(b"")
    for needle in ["is", ""]:
        result = count(str(tmp_path / "*.txt"), needle, client=client, blocksize=blocksize)
        assert result.count == expected(paths, needle)
        assert result.files == 5
        assert result.bytes == sum(p.stat().st_size for p in paths)


def test_invalid_utf8_names_the_file_and_the_offset_decode_reports(tmp_path, client):
    from word_count.dask import FileDecodeError, count

    good = tmp_path / "a.txt"
    good.write_bytes(UNIT.encode() * 20)
    bad = tmp_path / "b.txt"
    data = UNIT.encode() * 30 + b"is \xe2\x28\xa1 is\n" + UNIT.encode()
    bad.write_bytes(data)
    with pytest.raises(UnicodeDecodeError) as raised:
        data.decode()
    with pytest.raises(FileDecodeError) as error:
        count([good, bad], "is", client=client, blocksize=64)
    assert error.value.path == str(bad)
    assert error.value.offset == raised.value.start
    assert f"'{bad}': invalid UTF-8 at byte {raised.value.start}" in str(error.value)


def test_a_missing_file_is_file_not_found(tmp_path, client):
    from word_count.dask import count

    with pytest.raises(FileNotFoundError):
        count(tmp_path / "nope.txt", "is", client=client)
    with pytest.raises(FileNotFoundError):
        count(str(tmp_path / "*.none"), "is", client=client)


def test_a_worker_killed_in_the_middle_still_gives_the_exact_count(tmp_path, client):
    """The nanny restarts the worker; Dask reruns the lost tasks."""
    from word_count.dask import gather, submit

    paths = hostile_files(tmp_path, 2, 20000, 99)
    before = set(client.run(os.getpid).values())
    started = time.perf_counter()
    files, blocks, futures = submit(client, [str(p) for p in paths], "is", blocksize=256)
    # Kill the worker once some blocks are done and many are not.
    deadline = time.monotonic() + 60
    while sum(f.done() for f in futures) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    done_at_kill = sum(f.done() for f in futures)
    for pid in before:
        os.kill(pid, 9)
    result = gather(client, files, blocks, futures, started)
    assert done_at_kill < len(futures), "the job ended before the kill: make it longer"
    assert result.count == expected(paths, "is")
    client.wait_for_workers(1, timeout=60)
    after = set(client.run(os.getpid).values())
    assert after and not (after & before)  # a new worker process


def run_cli(*args, timeout=120):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "word_count.dask", *map(str, args)],
                          capture_output=True, timeout=timeout, env=env)


def test_the_command_prints_one_json_object(tmp_path):
    paths = hostile_files(tmp_path, 2, 500, 5)
    result = run_cli(*paths, "--needle", "is", "--json", "--workers", "1",
                     "--threads-per-worker", "2", "--blocksize", "100")
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert data["count"] == expected(paths, "is")
    assert data["files"] == 2 and data["bytes"] == sum(p.stat().st_size for p in paths)
    assert data["seconds"] > 0


def test_an_unreachable_scheduler_is_a_clear_error_within_seconds(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("is")
    started = time.monotonic()
    result = run_cli(path, "--needle", "is", "--scheduler", "tcp://127.0.0.1:9", timeout=60)
    assert time.monotonic() - started < 30
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert err.startswith("word_count.dask: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def session_thread_waits_on_fifo(session):
    """True when a thread of a process in `session` waits in open() for a FIFO's writer."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getsid(int(pid)) != session:
                continue
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/wchan") as f:
                    if f.read() == "wait_for_partner":
                        return True
        except OSError:  # gone meanwhile
            continue
    return False


def test_ctrl_c_on_the_process_group_is_one_line_and_exit_130(tmp_path):
    # A terminal's Ctrl-C goes to the whole foreground process group: the command and the
    # worker process of its local cluster. The file is a FIFO nobody writes: its task
    # waits in open() on the worker, so the count is surely running when the signal comes.
    fifo = tmp_path / "never_written.txt"
    os.mkfifo(fifo)
    proc = subprocess.Popen([sys.executable, "-m", "word_count.dask", str(fifo), "--needle",
                             "is", "--workers", "1", "--threads-per-worker", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not session_thread_waits_on_fifo(proc.pid):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the worker never opened the FIFO"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert (proc.returncode, out, err.decode()) == (130, b"", "word_count.dask: interrupted\n")


@pytest.mark.parametrize("answer", [b"", b"HTTP/1.0 400 Bad Request\r\n\r\nnot a scheduler\n",
                                    b"\x01\x00\x00\x00\x00\x00\x00\x00\x05\x00abc"])
def test_a_listener_that_is_not_a_scheduler_is_said_to_be_one_not_a_time_out(tmp_path, answer):
    # A TCP server that answers something else (or nothing) and hangs up: Dask itself says
    # "Timed out during handshake ... after 5 s", at once.
    path = tmp_path / "a.txt"
    path.write_text("is")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed: the test is over
                return
            with conn:
                try:
                    conn.sendall(answer)
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        address = "tcp://127.0.0.1:%d" % server.getsockname()[1]
        result = run_cli(path, "--needle", "is", "--scheduler", address, timeout=120)
    finally:
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)  # wakes the accept() above
        server.close()
    # Under ASan (the asan preset preloads it, allocator_may_return_null=1) the frame length
    # of exabytes that Python turns into MemoryError also prints ASan's one warning line.
    err = "".join(line for line in result.stderr.decode().splitlines(keepends=True)
                  if "AddressSanitizer failed to allocate" not in line)
    assert result.returncode == 1 and err.count("\n") == 1, err
    assert err.startswith(f"word_count.dask: {address} is not a Dask scheduler ("), err
    assert "Timed out" not in err


@pytest.mark.parametrize("args, fragment", [
    (["--workers", "0"], "--workers"),
    (["--blocksize", "lots"], "--blocksize"),
    (["--blocksize", ""], "--blocksize"),
    (["--blocksize", "1.5"], "--blocksize"),
    (["--blocksize", "0"], "--blocksize"),
    (["--blocksize", "-1"], "--blocksize"),
    (["--no-such-option"], "unrecognized"),
    (["--scheduler", "tcp://127.0.0.1:9", "--workers", "2"], "local cluster only"),
])
def test_usage_errors_exit_2(tmp_path, args, fragment):
    path = tmp_path / "a.txt"
    path.write_text("is")
    result = run_cli(path, "--needle", "is", *args)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert err.startswith("word_count.dask: ") and err.count("\n") == 1, err
    assert fragment in err


def test_a_missing_file_on_the_command_line_is_exit_1(tmp_path):
    result = run_cli(tmp_path / "nope.txt", "--needle", "is", "--workers", "1")
    err = result.stderr.decode()
    assert result.returncode == 1 and "nope.txt" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("address, code", [("tls://127.0.0.1:1", 1), ("ucx://127.0.0.1:1", 1),
                                           ("tcp://127.0.0.1:abc", 1), ("", 2), ("  ", 2)])
def test_an_address_dask_cannot_use_is_one_line(tmp_path, address, code):
    path = tmp_path / "a.txt"
    path.write_text("is a is")
    result = run_cli(path, "--needle", "is", "--scheduler", address, timeout=60)
    err = result.stderr.decode()
    assert result.returncode == code, err
    assert err.startswith("word_count.dask: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_the_command_run_in_process_puts_back_the_callers_sigint_handler(tmp_path, capsys):
    from word_count.dask import _main

    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGINT, mine)
    try:
        assert _main([str(tmp_path / "nope.txt"), "--needle", "is"]) == 1
        assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, previous)
    assert "nope.txt" in capsys.readouterr().err


def test_the_command_uses_a_running_scheduler(tmp_path, client):
    paths = hostile_files(tmp_path, 2, 300, 8)
    address = client.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")

    def transitions():
        return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.transition_log))

    before = transitions()
    result = run_cli(*paths, "--needle", "is", "--json", "--scheduler", address,
                     "--blocksize", "50")
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert data["count"] == expected(paths, "is") and data["files"] == 2
    assert data["blocks"] > 2
    assert transitions() > before + data["blocks"]  # this cluster ran the blocks
    # The cluster is the caller's: it still serves after the command has gone.
    assert client.submit(sum, [1, 2]).result(timeout=30) == 3


def test_a_script_with_the_main_guard_gets_a_local_cluster_of_its_own(tmp_path):
    paths = hostile_files(tmp_path, 2, 300, 21)
    script = tmp_path / "count_script.py"
    script.write_text(
        "import sys\n"
        "from word_count.dask import count\n"
        "if __name__ == '__main__':\n"
        "    print(count(sys.argv[1:], 'is', blocksize=64).count)\n")
    result = subprocess.run([sys.executable, str(script), *map(str, paths)],
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    assert int(result.stdout) == expected(paths, "is")

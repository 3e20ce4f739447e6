"""tests/cli/test_cli.py: gil_demo wordcount from the outside: output, JSON, exit codes, errors."""

import json
import os
import pathlib
import sys
import shutil
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GIL_DEMO = os.environ.get("GIL_DEMO", str(ROOT / "build" / "release" / "app" / "gil_demo"))
VARIANTS = ["parallel", "sequential", "sequential-threads", "python"]


sys.path.insert(0, str(ROOT / "tests" / "support"))
from reference import search_py  # noqa: E402
from processes import processes_tagged  # noqa: E402


def run(*args, stdin=None, user=None, timeout=120, env=None, new_session=False):
    cmd = [GIL_DEMO, *map(str, args)]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout, env=env,
                          start_new_session=new_session)


def assert_one_line_error(result, code, *fragments):
    assert result.returncode == code, result
    err = result.stderr.decode()
    assert err.startswith("gil_demo: "), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    return err


TEXT = "is this is\r\nis\u2028is\u0085 is  \u0145is is\n\nfin is"


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.txt"
    path.write_bytes(TEXT.encode())
    return path


def test_help_lists_the_subcommand_and_exit_codes():
    result = run("--help")
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "wordcount" in out and "Exit codes" in out


def test_subcommand_help_lists_its_options():
    result = run("wordcount", "--help")
    assert result.returncode == 0
    out = result.stdout.decode()
    for option in ["--variant", "--threads", "--json", "FILE", "NEEDLE"]:
        assert option in out


def test_version_names_the_program():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.decode().startswith("gil_demo ")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("needle", ["is", "", "\u0145is", "nothing"])
def test_each_variant_counts_what_search_py_counts(text_file, variant, needle):
    result = run("wordcount", text_file, needle, "--variant", variant, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [r["variant"] for r in report["results"]] == [variant]
    assert report["results"][0]["count"] == search_py(TEXT, needle)


def test_default_variant_is_parallel_and_prints_a_table(text_file):
    result = run("wordcount", text_file, "is")
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "parallel" in out and "GB/s" in out
    assert f" {search_py(TEXT, 'is')} " in out


def test_built_in_corpus_is_the_guides_text_and_all_variants_agree():
    result = run("wordcount", "--variant", "all", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["bytes"] == 858000
    assert report["agree"] is True
    assert [r["variant"] for r in report["results"]] == VARIANTS
    assert {r["count"] for r in report["results"]} == {10000}


def test_json_report_has_the_documented_shape(text_file):
    result = run("wordcount", text_file, "is", "--variant", "all", "--json")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert set(report) == {"file", "needle", "bytes", "results", "agree"}
    assert report["file"] == str(text_file)
    assert report["needle"] == "is"
    assert report["bytes"] == len(TEXT.encode())
    assert report["agree"] is True
    for r in report["results"]:
        assert set(r) == {"variant", "count", "seconds"}
        assert isinstance(r["count"], int) and r["seconds"] >= 0


def test_standard_input_is_read_with_a_dash():
    result = run("wordcount", "-", "is", "--variant", "all", "--json", stdin=TEXT.encode())
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["file"] == "-"
    assert {r["count"] for r in report["results"]} == {search_py(TEXT, "is")}


def test_threads_cap_gives_the_same_count(text_file):
    for threads in [1, 2, 3]:
        result = run("wordcount", text_file, "is", "--threads", threads, "--json")
        assert json.loads(result.stdout)["results"][0]["count"] == search_py(TEXT, "is")


def test_empty_file_has_no_words(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = run("wordcount", path, "", "--variant", "all", "--json")
    assert result.returncode == 0
    assert {r["count"] for r in json.loads(result.stdout)["results"]} == {0}


def test_file_over_4_gib_is_counted_through_the_map(tmp_path):
    path = tmp_path / "big.txt"
    size = (4 << 30) + (1 << 20)
    with open(path, "wb") as f:  # sparse: NUL bytes, then words past the 4 GiB mark
        f.seek(size)
        f.write(b" is\nis x is")
    for variant in ["parallel", "sequential"]:
        result = run("wordcount", path, "is", "--variant", variant, "--json", timeout=280)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["bytes"] == size + 11
        assert report["results"][0]["count"] == 3


def test_missing_file_is_a_runtime_error(tmp_path):
    result = run("wordcount", tmp_path / "nope.txt", "is")
    assert_one_line_error(result, 1, "nope.txt", "no such file")


def test_directory_is_a_runtime_error(tmp_path):
    result = run("wordcount", tmp_path, "is")
    assert_one_line_error(result, 1, str(tmp_path), "is a directory")


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv to drop root")
def test_unreadable_file_is_a_runtime_error(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("is")
    path.chmod(0)
    tmp_path.chmod(0o755)
    user = 65534 if os.geteuid() == 0 else os.geteuid()
    result = run("wordcount", path, "is", user=user)
    assert_one_line_error(result, 1, "secret.txt", "permission denied")


def test_invalid_utf8_names_the_byte_offset(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"is is \xe2\x80is")
    result = run("wordcount", path, "is")
    assert_one_line_error(result, 1, "bad.txt", "invalid UTF-8 at byte 6")


@pytest.mark.parametrize("bad", [b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\x80"])
def test_utf8_the_python_decoder_rejects_is_rejected(tmp_path, bad):
    with pytest.raises(UnicodeDecodeError):
        bad.decode()
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok " + bad)
    assert_one_line_error(run("wordcount", path, "is"), 1, "invalid UTF-8 at byte 3")


@pytest.mark.parametrize(
    "args",
    [
        ["wordcount", "--threads", "0"],
        ["wordcount", "--threads", "-3"],
        ["wordcount", "--variant", "fastest"],
        ["wordcount", "a", "b", "c"],
        ["frobnicate"],
        [],
    ],
)
def test_usage_errors_exit_2_with_one_line(args):
    assert_one_line_error(run(*args), 2)


def test_scale_with_a_file_is_a_usage_error(text_file):
    assert_one_line_error(run("wordcount", text_file, "is", "--scale", "3"), 2, "--scale")


# ---- gil_demo userids / deadlock ----------------------------------------------------


def userids(*args):
    result = run("userids", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("strategy", ["per-item", "per-chunk"])
def test_userids_default_is_four_of_ten_on_two_threads(strategy):
    if os.cpu_count() < 2:
        pytest.skip("needs 2 or more cores")
    for _ in range(20):
        report = userids("--strategy", strategy)
        assert report["total"] == 10 and report["allowed"] == 4
        assert report["allowed_ids"] == [6, 7, 8, 9]
        assert report["threads_used"] >= 2
        assert report["strategy"] == strategy
        assert report["seconds"] > 0


def test_userids_json_has_the_documented_shape():
    report = userids("--count", "1001")
    assert set(report) == {"total", "allowed", "threads_used", "strategy", "thread_state", "seconds"}
    assert report["allowed"] == 1001 - 6
    assert "allowed_ids" in userids("--count", "1000")


def test_userids_python_predicate_and_one_thread():
    report = userids("--count", "100", "--predicate", "u.id % 7 == 3", "--threads", "1")
    assert report["allowed_ids"] == [i for i in range(100) if i % 7 == 3]
    assert report["threads_used"] == 1


def test_userids_text_output():
    result = run("userids")
    assert result.returncode == 0
    assert "4 of 10 allowed (ids 6 7 8 9)" in result.stdout.decode()


@pytest.mark.parametrize(
    "args, code, fragment",
    [
        (["--predicate", "u.id +"], 2, "SyntaxError"),
        (["--predicate", "1 / 0"], 1, "ZeroDivisionError: division by zero"),
        (["--predicate", "u.nope"], 1, "AttributeError"),
        (["--predicate", "u.id"], 1, "predicate returned int, not bool"),
        (["--count", "-1"], 2, "--count"),
        (["--count", "10000000000"], 2, "--count"),
        (["--strategy", "per-nothing"], 2, "--strategy"),
        (["--threads", "0"], 2, "--threads"),
    ],
)
def test_userids_errors_are_one_line_with_their_code(args, code, fragment):
    assert_one_line_error(run("userids", *args), code, fragment)


def test_deadlock_demo_detects_the_hang_and_shows_the_fix():
    # A tag in the environment marks this run's processes (the children inherit it), so
    # another test's gil_demo running at the same time is never mistaken for a leftover.
    tag = f"GILSAFE_TEST_TAG=deadlock-{os.getpid()}-{time.monotonic_ns()}"
    env = dict(os.environ, **dict([tag.split("=", 1)]))
    result = run("deadlock", "--timeout", "1", timeout=60, env=env)
    out = result.stdout.decode()
    assert result.returncode == 0, out + result.stderr.decode()
    assert "DEADLOCK detected" in out
    assert "refused at once" in out
    assert "finished in" in out and "no deadlock" in out
    assert processes_tagged(tag) == []


# ---- Ctrl-C ------------------------------------------------------------------------


def interrupt_after(delay, *args):
    """Runs gil_demo, sends SIGINT after `delay` seconds; returns (result, seconds to exit)."""
    import signal
    import time

    proc = subprocess.Popen([GIL_DEMO, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    time.sleep(delay)
    assert proc.poll() is None, "finished before the signal: make the input bigger"
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), time.monotonic() - start


@pytest.fixture(scope="module")
def sparse_file(tmp_path_factory):
    """2 GiB of NUL bytes (sparse: no disk), slow enough to count that Ctrl-C lands."""
    path = tmp_path_factory.mktemp("sparse") / "sparse.txt"
    with open(path, "wb") as f:
        f.seek(2 << 30)
        f.write(b" is\n")
    return path


@pytest.fixture(scope="module")
def big_text(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "zen.txt"
    unit = ("\n" + "\n".join(["Beautiful is better than ugly."] * 19) + "\n").encode()
    with open(path, "wb") as f:
        f.write(unit * (150_000_000 // len(unit)))
    return path


@pytest.mark.parametrize("variant", ["parallel", "sequential", "sequential-threads"])
def test_ctrl_c_stops_a_cpp_count_with_exit_130(sparse_file, variant):
    result, seconds = interrupt_after(0.3, "wordcount", sparse_file, "is", "--variant", variant)
    assert_one_line_error(result, 130, "interrupted")
    assert seconds < 5


def test_ctrl_c_stops_the_python_reference_with_exit_130(big_text):
    result, seconds = interrupt_after(0.5, "wordcount", big_text, "is", "--variant", "python")
    assert_one_line_error(result, 130, "interrupted")
    assert seconds < 5


def test_ctrl_c_stops_slow_predicates_with_exit_130():
    result, seconds = interrupt_after(
        0.5, "userids", "--count", "100000", "--predicate", "__import__('time').sleep(0.001) or True")
    assert_one_line_error(result, 130, "interrupted")
    assert seconds < 5


@pytest.mark.parametrize("then", ["True", "1 / 0", "5"],
                         ids=["returns", "raises", "returns-a-non-bool"])
def test_ctrl_c_while_the_last_predicate_runs_is_never_lost(then):
    # The SIGINT comes from inside the last predicate to run, on a worker thread (Python
    # raises KeyboardInterrupt only on the main thread): that predicate then runs to its
    # end (or raises) and nothing is left to poll the stop, yet the run must end with 130
    # and no result. With --threads 2 the first two chunks meet on distinct threads; the
    # main thread's returns first, then the worker's sends the signal. If no worker came
    # in time (a loaded machine: "evaluated by 1 threads"), no signal was sent: retried.
    predicate = (
        "(lambda os, sys, threading, time: "
        "setattr(sys, 'main_done', True) is None "
        "if threading.current_thread() is threading.main_thread() else "
        "(any(getattr(sys, 'main_done', False) or time.sleep(0.01) for _ in range(3000)), "
        f"os.kill(os.getpid(), 2))[0] and {then})"
        "(*map(__import__, ['os', 'sys', 'threading', 'time']))")
    for _ in range(5):
        result = run("userids", "--count", "2", "--threads", "2", "--predicate", predicate)
        if result.returncode == 0 and b"evaluated by 1 threads" in result.stdout:
            continue
        assert_one_line_error(result, 130, "interrupted")
        assert result.stdout == b""
        return
    pytest.skip("no worker thread joined the region in 5 runs: the signal was never sent")


# ---- progress on stderr --------------------------------------------------------------


def test_progress_shows_on_a_terminal_and_is_erased():
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [GIL_DEMO, "userids", "--count", "300", "--predicate",
             "__import__('time').sleep(0.003) or True"],
            stdout=subprocess.PIPE, stderr=slave, timeout=60, env={**os.environ, "TERM": "xterm"})
        os.close(slave)
        slave = None
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert proc.returncode == 0
    assert b"gil_demo: evaluating 300 predicates..." in shown
    assert shown.endswith(b"\r\x1b[K")


def test_progress_stays_silent_when_stderr_is_not_a_terminal():
    result = run("userids", "--count", "300", "--predicate", "__import__('time').sleep(0.003) or True")
    assert result.returncode == 0
    assert result.stderr == b""


def test_closed_standard_input_is_a_runtime_error():
    result = subprocess.run([GIL_DEMO, "wordcount", "-", "is"], capture_output=True,
                            preexec_fn=lambda: os.close(0), timeout=60)
    assert_one_line_error(result, 1, "standard input")


def test_nul_bytes_are_ordinary_characters(tmp_path):
    text = "a\0is\0 is \0\n\0 is"
    path = tmp_path / "nul.txt"
    path.write_bytes(text.encode())
    result = run("wordcount", path, "is", "--variant", "all", "--json")
    assert result.returncode == 0
    assert {r["count"] for r in json.loads(result.stdout)["results"]} == {search_py(text, "is")}


def test_userids_predicate_recursing_8000_deep_runs_on_the_workers():
    # Recursion through C frames (map, all): on oneTBB's default 4 MiB worker stacks this
    # died with SIGSEGV; a Python thread (8 MiB) runs it. Both thread-state policies.
    deep = (
        '__import__("sys").setrecursionlimit(100000) or '
        "(lambda f: f(f, 8000))(lambda f, n: n == 0 or all(map(lambda m: f(f, m), [n - 1])))"
    )
    for policy in ("persistent", "per-acquire"):
        result = run("userids", "--count", "4", "--predicate", deep, "--thread-state", policy,
                     "--json")
        assert result.returncode == 0, result
        report = json.loads(result.stdout)
        assert report["allowed"] == 4 and report["thread_state"] == policy


def test_a_predicate_that_forks_leaves_no_process_behind():
    # The child of a fork inside a region has only the forking thread: it exits at once
    # with a message (code 70) instead of waiting forever for threads that do not exist.
    tag = f"GILSAFE_TEST_TAG=fork-{os.getpid()}-{time.monotonic_ns()}"
    env = dict(os.environ, **dict([tag.split("=", 1)]))
    try:
        for policy in ("persistent", "per-acquire"):
            result = run("userids", "--predicate", '__import__("os").fork() >= 0 and u.id > 0',
                         "--thread-state", policy, "--json", env=env, timeout=60,
                         new_session=True)
            assert result.returncode == 0, result
            assert json.loads(result.stdout)["allowed"] == 9
            messages = result.stderr.decode().splitlines()
            assert len(messages) == 10, messages  # one per child
            assert all("fork() inside a parallel region" in m for m in messages), messages
            deadline = time.monotonic() + 10
            while processes_tagged(tag) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert processes_tagged(tag) == []
    finally:
        # A failed run must not leave its children: kill until none is left (a process
        # forking while we kill gets its children killed in the next pass).
        for _ in range(100):
            left = processes_tagged(tag)
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)


def test_a_predicate_that_forks_and_execs_is_not_stopped():
    # subprocess with preexec_fn forks (not vfork) from the callback; the child execs
    # before it comes back to gilsafe, so it runs.
    predicate = ('__import__("subprocess").run(["/bin/true"], preexec_fn=lambda: None)'
                 '.returncode == 0')
    result = run("userids", "--count", "4", "--predicate", predicate, "--json", timeout=60,
                 new_session=True)
    assert result.returncode == 0, result
    assert json.loads(result.stdout)["allowed"] == 4

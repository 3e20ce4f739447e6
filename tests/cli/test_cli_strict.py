"""tests/cli/test_cli_strict.py: gil_demo never loses output silently, and takes strict arguments."""

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GIL_DEMO = os.environ.get("GIL_DEMO", str(ROOT / "build" / "release" / "app" / "gil_demo"))
CORPUS_UNIT_BYTES = 858  # a newline + the Zen of Python: one repetition of the corpus

sys.path.insert(0, str(ROOT / "tests" / "support"))
from processes import processes_tagged  # noqa: E402


def option_value(option, value):
    """`--opt value`, or `--opt=value` where the value starts with '-' (else an option)."""
    return [f"{option}={value}"] if value.startswith("-") else [option, value]


def run(*args, timeout=120, **kwargs):
    kwargs.setdefault("capture_output", True)
    return subprocess.run([GIL_DEMO, *map(str, args)], timeout=timeout, **kwargs)


def stderr_line(result, code, *fragments):
    """The one line gil_demo printed on stderr, checked against the exit code and fragments."""
    assert result.returncode == code, result
    err = result.stderr.decode() if isinstance(result.stderr, bytes) else result.stderr
    assert err.startswith("gil_demo: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("is this is\nfin is\n")
    return path


# ---- output that is never lost ---------------------------------------------------------

FAST_BENCH = ["bench", "--variant", "parallel", "--rounds", "1", "--scale", "1"]
EVERY_OUTPUT = {
    "wordcount": ["wordcount", "FILE", "is"],
    "wordcount --json": ["wordcount", "FILE", "is", "--json"],
    "userids": ["userids"],
    "userids --json": ["userids", "--json"],
    "bench": FAST_BENCH,
    "bench --json -": [*FAST_BENCH, "--json", "-"],
    "deadlock": ["deadlock", "--timeout", "2"],  # the default: long enough on a loaded machine
    "--help": ["--help"],
    "wordcount --help": ["wordcount", "--help"],
    "bench --help": ["bench", "--help"],
    "--version": ["--version"],
}


def with_file(args, path):
    return [str(path) if a == "FILE" else a for a in args]


def assert_write_error(result, name, reason):
    line = f"gil_demo: write error: {reason}\n"
    if name == "bench --json -":  # the table goes to stderr, the error line after it
        assert result.returncode == 1, result
        assert result.stderr.decode().endswith("\n" + line), result.stderr
    else:
        assert stderr_line(result, 1) == line


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("name", list(EVERY_OUTPUT))
def test_a_full_device_on_stdout_is_a_write_error(name, text_file):
    with open("/dev/full", "wb") as full:
        result = run(*with_file(EVERY_OUTPUT[name], text_file), stdout=full,
                     stderr=subprocess.PIPE, capture_output=False, timeout=120)
    assert_write_error(result, name, "No space left on device")


@pytest.mark.parametrize("name", ["wordcount --json", "userids", "bench --json -", "--help",
                                  "--version", "deadlock"])
def test_a_closed_stdout_is_a_write_error(name, text_file):
    result = run(*with_file(EVERY_OUTPUT[name], text_file), stdout=None, stderr=subprocess.PIPE,
                 capture_output=False, preexec_fn=lambda: os.close(1))
    assert_write_error(result, name, "Bad file descriptor")


def test_a_closed_stdout_is_never_reused_by_a_file_gil_demo_opens(tmp_path):
    # Descriptor 1 closed: the JSON file opened later would get it, and the table meant for
    # stdout would land in the file. The file must hold the JSON alone.
    path = tmp_path / "out.json"
    result = run(*FAST_BENCH, "--json", path, stdout=None, stderr=subprocess.PIPE,
                 capture_output=False, preexec_fn=lambda: os.close(1))
    assert stderr_line(result, 1) == "gil_demo: write error: Bad file descriptor\n"
    assert json.loads(path.read_text())["benchmarks"][0]["stats"]["rounds"] == 1


def test_with_stdout_closed_no_file_gil_demo_opens_takes_descriptor_1():
    # The predicate opens a file and fails if it got descriptor 1 (the closed stdout's).
    predicate = '(lambda fd: fd != 1 or 1 / 0)(__import__("os").open("/dev/null", 0))'
    result = run("userids", "--count", "1", "--predicate", predicate, stdout=None,
                 stderr=subprocess.PIPE, capture_output=False, preexec_fn=lambda: os.close(1))
    assert stderr_line(result, 1) == "gil_demo: write error: Bad file descriptor\n"


def test_a_pipe_closed_by_its_reader_is_a_write_error_not_a_signal():
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = run("--help", stdout=write_end, stderr=subprocess.PIPE, capture_output=False)
    finally:
        os.close(write_end)
    assert stderr_line(result, 1) == "gil_demo: write error: Broken pipe\n"


@pytest.mark.parametrize("name", list(EVERY_OUTPUT))
@pytest.mark.parametrize("sigpipe", ["default", "ignored"])
def test_a_pipe_whose_reader_has_gone_is_a_write_error_with_its_reason(name, sigpipe,
                                                                        text_file):
    # `gil_demo ... | true`: the reader is gone before the output is written (any time
    # during the run: a pipe closed from the start), SIGPIPE as the shell left it.
    read_end, write_end = os.pipe()
    os.close(read_end)
    handler = signal.SIG_IGN if sigpipe == "ignored" else signal.SIG_DFL
    try:
        result = run(*with_file(EVERY_OUTPUT[name], text_file), stdout=write_end,
                     stderr=subprocess.PIPE, capture_output=False,
                     preexec_fn=lambda: signal.signal(signal.SIGPIPE, handler))
    finally:
        os.close(write_end)
    assert_write_error(result, name, "Broken pipe")


def test_a_large_output_into_a_closed_pipe_is_a_write_error_with_its_reason():
    # Output larger than stdio's buffer fails inside the write, not at the final flush.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = run("userids", "--count", "1000", "--json", stdout=write_end,
                     stderr=subprocess.PIPE, capture_output=False)
    finally:
        os.close(write_end)
    assert stderr_line(result, 1) == "gil_demo: write error: Broken pipe\n"


def test_output_that_succeeds_still_exits_0(text_file):
    result = run("wordcount", text_file, "is", "--json")
    assert result.returncode == 0 and result.stderr == b""
    assert json.loads(result.stdout)["results"][0]["count"] == 3


# ---- bench --json PATH -----------------------------------------------------------------


def test_bench_json_in_a_missing_directory_fails_before_the_first_round(tmp_path):
    path = tmp_path / "no" / "x.json"
    start = time.monotonic()
    result = run("bench", "--json", path)  # the default run takes seconds
    assert stderr_line(result, 1) == (
        f"gil_demo: cannot write '{path}': No such file or directory\n")
    assert result.stdout == b""  # no table: no round ran
    assert time.monotonic() - start < 5


def test_bench_json_on_a_directory_fails_at_once(tmp_path):
    result = run("bench", "--json", tmp_path)
    assert stderr_line(result, 1) == f"gil_demo: cannot write '{tmp_path}': Is a directory\n"
    assert result.stdout == b""


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv to drop root")
def test_bench_json_in_a_read_only_directory_fails_and_leaves_nothing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    tmp_path.chmod(0o755)
    user = 65534 if os.geteuid() == 0 else os.geteuid()
    result = subprocess.run(["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
                             GIL_DEMO, "bench", "--json", str(folder / "x.json")],
                            capture_output=True, timeout=120)
    assert stderr_line(result, 1) == (
        f"gil_demo: cannot write '{folder / 'x.json'}': Permission denied\n")
    assert result.stdout == b"" and list(folder.iterdir()) == []


def test_bench_json_empty_path_is_a_usage_error():
    stderr_line(run("bench", "--json", ""), 2, "--json", "empty path")


def test_bench_json_dash_is_standard_output_with_the_table_on_stderr(tmp_path):
    result = run(*FAST_BENCH, "--json", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # stdout holds the JSON alone
    assert [b["name"] for b in data["benchmarks"]] == ["test_word_count_cpp_parallel"]
    assert "test_word_count_cpp_parallel" in result.stderr.decode()
    assert list(tmp_path.iterdir()) == []  # no file named '-'


def test_bench_json_to_a_full_device_is_a_write_error():
    result = run(*FAST_BENCH, "--json", "/dev/full")
    assert stderr_line(result, 1) == (
        "gil_demo: cannot write '/dev/full': No space left on device\n")


def test_bench_json_replaces_an_existing_longer_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("x" * 1_000_000)
    result = run(*FAST_BENCH, "--json", path)
    assert result.returncode == 0, result.stderr
    assert json.loads(path.read_text())["benchmarks"][0]["stats"]["rounds"] == 1
    assert f"wrote {path}" in result.stdout.decode()


def test_bench_interrupted_leaves_no_json_file(tmp_path):
    path = tmp_path / "x.json"
    proc = subprocess.Popen([GIL_DEMO, "bench", "--json", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    time.sleep(1.0)  # past the check of the path, inside the first rows
    assert proc.poll() is None, "finished before the signal"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert not path.exists()


# ---- strict arguments ------------------------------------------------------------------

# Every integer option, with a valid rest of the command line and its range.
INTEGER_OPTIONS = [
    (["wordcount"], "--scale", 1, 1000000),
    (["wordcount"], "--threads", 1, 4096),
    (["userids"], "--count", 0, 50000000),
    (["userids"], "--threshold", -(2**63), 2**63 - 1),
    (["userids"], "--threads", 1, 4096),
    (["bench"], "--scale", 1, 100000),
    (["bench"], "--rounds", 1, 1000000),
    (["bench"], "--threads", 1, 4096),
]
OPTION_IDS = [" ".join(c) + " " + o for c, o, _, _ in INTEGER_OPTIONS]
NOT_DECIMAL = ["0x10", "1e3", "5 ", " 5", "", "08x", "1.0", "ten", "0b11", "٣", "+-1", "--5"]


@pytest.mark.parametrize("command, option, lo, hi", INTEGER_OPTIONS, ids=OPTION_IDS)
@pytest.mark.parametrize("value", NOT_DECIMAL)
def test_an_integer_that_is_not_decimal_is_a_usage_error(command, option, lo, hi, value):
    result = run(*command, *option_value(option, value))
    assert stderr_line(result, 2).startswith(
        f"gil_demo: {option}: '{value}' is not a decimal integer")
    assert result.stdout == b""


@pytest.mark.parametrize("command, option, lo, hi", INTEGER_OPTIONS, ids=OPTION_IDS)
def test_an_integer_out_of_range_names_the_range(command, option, lo, hi):
    for value in [lo - 1, hi + 1, 10**30]:
        result = run(*command, *option_value(option, str(value)))
        assert stderr_line(result, 2).startswith(
            f"gil_demo: {option}: {value} is out of range ({lo} to {hi})")


def userids(*args):
    result = run("userids", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_leading_zeros_are_decimal_not_octal():
    assert userids("--count", "010")["total"] == 10
    assert userids("--count", "08")["total"] == 8
    assert userids("--count", "+7")["total"] == 7
    assert userids("--count", "12", "--threshold", "010")["allowed_ids"] == [11]
    assert userids("--count", "12", "--threshold", "-010")["allowed"] == 12
    assert userids("--count", "4", "--threads", "0002")["total"] == 4
    result = run("wordcount", "--scale", "010", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["bytes"] == 10 * CORPUS_UNIT_BYTES
    result = run("bench", "--variant", "parallel", "--rounds", "02", "--scale", "010",
                 "--json", "-")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["benchmarks"][0]["stats"]["rounds"] == 2
    assert data["benchmarks"][0]["extra_info"]["scale"] == 10


def test_threshold_takes_all_of_int64_and_nothing_beyond():
    assert userids("--threshold", str(2**63 - 1))["allowed"] == 0
    assert userids("--threshold", str(-(2**63)))["allowed"] == 10
    for value in [2**63, -(2**63) - 1, 10**20]:
        stderr_line(run("userids", *option_value("--threshold", str(value))), 2, "--threshold",
                    "is out of range")


@pytest.mark.parametrize("value, message", [
    ("nan", "'nan' is not a finite decimal number"),
    ("inf", "'inf' is not a finite decimal number"),
    ("1e999", "'1e999' is not a finite decimal number"),
    ("0x1p1", "'0x1p1' is not a finite decimal number"),
    (" 1", "' 1' is not a finite decimal number"),
    ("", "'' is not a finite decimal number"),
    ("0", "0 is out of range (0.1 to 600 seconds)"),
    ("-1", "-1 is out of range (0.1 to 600 seconds)"),
    ("601", "601 is out of range (0.1 to 600 seconds)"),
])
def test_deadlock_timeout_must_be_finite_and_positive(value, message):
    result = run("deadlock", *option_value("--timeout", value), timeout=30)
    assert stderr_line(result, 2).startswith(f"gil_demo: --timeout: {message}")
    assert result.stdout == b""  # refused before any child started


# ---- Ctrl-C during gil_demo deadlock -----------------------------------------------------


def test_ctrl_c_during_the_deadlock_demo_exits_130_and_kills_its_children():
    tag = f"GILSAFE_TEST_TAG=deadlock-int-{os.getpid()}-{time.monotonic_ns()}"
    env = dict(os.environ, **dict([tag.split("=", 1)]))
    proc = subprocess.Popen([GIL_DEMO, "deadlock", "--timeout", "60"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 30
        while len(processes_tagged(tag)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # until the wrong pattern's child runs
        assert len(processes_tagged(tag)) >= 2, "the child never started"
        time.sleep(0.3)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, (out, err)
        assert err == b"gil_demo: interrupted\n"
        assert time.monotonic() - start < 5
        assert processes_tagged(tag) == []
    finally:
        for pid in processes_tagged(tag):
            os.kill(pid, signal.SIGKILL)

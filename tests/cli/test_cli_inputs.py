"""tests/cli/test_cli_inputs.py: gil_demo wordcount on streams, special files and files that change."""

import json
import os
import pathlib
import random
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GIL_DEMO = os.environ.get("GIL_DEMO", str(ROOT / "build" / "release" / "app" / "gil_demo"))

sys.path.insert(0, str(ROOT / "tests" / "support"))
from reference import search_py  # noqa: E402
from special_files import needles, special_files  # noqa: E402

UNIT = "is this is\r\nis\u2028is\u0085 is  \u0145is is\n\nfin is \u4e2d\U0001F600 is\r"


def start(*args, stdin=subprocess.DEVNULL, env=None):
    return subprocess.Popen([GIL_DEMO, *map(str, args)], stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)


def one_line_error(stderr, code, returncode, *fragments):
    err = stderr.decode()
    assert returncode == code, (returncode, err)
    assert err.startswith("gil_demo: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def report(out):
    data = json.loads(out)
    assert len(data["results"]) == 1
    return data


@pytest.mark.parametrize("variant", ["parallel", "sequential"])
def test_a_pipe_is_counted_as_it_arrives_and_exactly(variant):
    text = UNIT * 20000  # breaks, multi-byte characters and words across every read
    proc = start("wordcount", "-", "is", "--variant", variant, "--json", stdin=subprocess.PIPE)
    out, err = proc.communicate(text.encode(), timeout=120)
    assert proc.returncode == 0, err
    data = report(out)
    assert data["results"][0]["count"] == search_py(text, "is")
    assert data["bytes"] == len(text.encode())


def test_a_slow_writer_is_waited_for_and_counted():
    proc = start("wordcount", "-", "is", "--json", stdin=subprocess.PIPE)
    text = "is is is\u2028is is\r\nis"
    encoded = text.encode()
    for i in range(0, len(encoded), 3):  # cut through characters and \r\n
        proc.stdin.write(encoded[i:i + 3])
        proc.stdin.flush()
        time.sleep(0.05)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert report(out)["results"][0]["count"] == search_py(text, "is")


def test_a_fifo_is_read_as_a_stream(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    text = UNIT * 1000
    proc = start("wordcount", fifo, "is", "--json")
    time.sleep(0.2)  # gil_demo opens first and waits for a writer
    with open(fifo, "wb") as writer:
        writer.write(text.encode())
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert report(out)["results"][0]["count"] == search_py(text, "is")


def test_proc_files_of_size_zero_are_read_not_taken_as_empty():
    assert os.stat("/proc/cpuinfo").st_size == 0
    content = pathlib.Path("/proc/cpuinfo").read_text()
    fields = [w for line in content.splitlines() for w in line.split(" ") if w]
    needle = max(set(fields), key=fields.count)  # a word the file surely holds
    proc = start("wordcount", "/proc/cpuinfo", needle, "--json")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    data = report(out)
    expected = search_py(content, needle)
    assert expected > 0 and data["results"][0]["count"] == expected
    assert data["bytes"] > 0


def test_proc_self_status_counts_its_lines_empty_fields():
    # The process reading it is gil_demo itself; each line of /proc/self/status has one
    # empty field at most, so the count is its lines' structure, checked against a copy.
    proc = start("wordcount", "/proc/self/status", "", "--json", "--variant", "all")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["agree"] and data["bytes"] > 0
    assert data["results"][0]["count"] > 0


def test_every_variant_takes_a_small_stream_whole():
    text = UNIT * 50
    proc = start("wordcount", "-", "is", "--variant", "all", "--json", stdin=subprocess.PIPE)
    out, err = proc.communicate(text.encode(), timeout=120)
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["agree"] and len(data["results"]) == 4
    assert data["results"][0]["count"] == search_py(text, "is")


def test_dev_urandom_is_invalid_utf8_within_a_second():
    started = time.monotonic()
    proc = start("wordcount", "/dev/urandom")
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - started < 5
    one_line_error(err, 1, proc.returncode, "'/dev/urandom': invalid UTF-8 at byte ")


def test_invalid_utf8_in_a_stream_names_its_true_offset():
    good = (UNIT * 5000).encode()
    proc = start("wordcount", "-", "is", stdin=subprocess.PIPE)
    out, err = proc.communicate(good + b"\xe2\x28\xa1 is", timeout=60)
    one_line_error(err, 1, proc.returncode, f"invalid UTF-8 at byte {len(good)}")


def test_a_stream_of_a_gigabyte_stays_in_constant_memory():
    """A 1 GiB stream (the note quotes 8 GB): peak RSS far under 256 MiB."""
    chunk = (UNIT * 4000).encode()
    total = 0
    proc = start("wordcount", "-", "is", "--json", stdin=subprocess.PIPE)

    def feed():
        nonlocal total
        while total < (1 << 30):
            proc.stdin.write(chunk)
            total += len(chunk)
        proc.stdin.close()

    writer = threading.Thread(target=feed)
    writer.start()
    out = proc.stdout.read()
    err = proc.stderr.read()
    writer.join()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, err
    data = report(out)
    assert data["bytes"] == total
    assert data["results"][0]["count"] == search_py(UNIT * 4000, "is") * (total // len(chunk))
    assert usage.ru_maxrss < 256 * 1024, f"peak RSS {usage.ru_maxrss} kB"


def test_a_stream_too_big_for_the_python_variants_is_a_clear_error():
    proc = start("wordcount", "/dev/zero", "is", "--variant", "python")
    out, err = proc.communicate(timeout=120)
    one_line_error(err, 1, proc.returncode, "'/dev/zero' is a stream of more than 1 GiB",
                   "--variant python")


def interrupted_after(proc, seconds):
    time.sleep(seconds)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    return one_line_error(err, 130, proc.returncode, "gil_demo: interrupted")


def test_dev_zero_counts_until_ctrl_c_in_constant_memory():
    proc = start("wordcount", "/dev/zero")
    time.sleep(1.0)
    rss_kb = int(pathlib.Path(f"/proc/{proc.pid}/status").read_text()
                 .split("VmRSS:")[1].split()[0])
    assert rss_kb < 256 * 1024
    interrupted_after(proc, 0)


def test_ctrl_c_while_a_fifo_waits_for_its_writer_exits_130(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    interrupted_after(start("wordcount", fifo), 0.5)


def test_ctrl_c_while_stdin_waits_for_data_exits_130():
    r, w = os.pipe()
    try:
        interrupted_after(start("wordcount", "-", stdin=r), 0.5)
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.parametrize("variant", ["parallel", "sequential", "sequential-threads", "python"])
def test_a_file_truncated_while_counted_never_kills_the_process(tmp_path, variant):
    """Truncation at random moments: each run ends 0 (done before the cut) or 1 with the
    'changed' message; never a signal, never a wrong count presented as right. The cut
    lands inside the count at least once (else the test proves nothing): it is timed within
    an uncut run's duration, and the mapped variants count 45 MB of text followed by a
    sparse 2 GiB, which takes long enough to be hit."""
    path = tmp_path / "big.txt"
    unit = (UNIT * 1000).encode()
    body = unit * 800  # about 45 MB
    mapped = variant in ("parallel", "sequential")  # the others build a str of it all

    def write():
        path.write_bytes(body)
        if mapped:
            os.truncate(path, 2 << 30)

    write()
    started = time.monotonic()
    proc = start("wordcount", path, "is", "--variant", variant, "--json")
    proc.communicate(timeout=240)
    assert proc.returncode == 0
    uncut = time.monotonic() - started
    rng = random.Random(variant)
    outcomes = []
    while "changed" not in outcomes and len(outcomes) < 10:
        write()
        proc = start("wordcount", path, "is", "--variant", variant, "--json")
        time.sleep(rng.uniform(0.3, 0.9) * uncut)
        os.truncate(path, rng.choice([0, 4096, len(body) // 3]))
        out, err = proc.communicate(timeout=240)
        assert proc.returncode in (0, 1), (proc.returncode, err)
        if proc.returncode == 1:
            one_line_error(err, 1, proc.returncode, f"'{path}' changed while being read")
            outcomes.append("changed")
        else:
            data = json.loads(out)
            # Counted before the cut: the count of what the file held then.
            counted = body[:data["bytes"]] if data["bytes"] <= len(body) else body
            assert data["results"][0]["count"] == search_py(counted.decode(), "is"), data
            outcomes.append("done")
    assert "changed" in outcomes, outcomes


# The hook that grows the file runs inside the count: the embedded interpreter imports
# sitecustomize from PYTHONPATH at start-up, and this one wraps word_count.search_py, which
# the python variant calls after the open and before the final check.
GROW_HOOK = textwrap.dedent(
    """
    import os
    import word_count

    _search_py = word_count.search_py

    def search_py(contents, needle):
        with open(os.environ["GROW_FILE"], "ab") as f:
            f.write(b" is" * 1000)  # 3000 bytes
        return _search_py(contents, needle)

    word_count.search_py = search_py
    """
)


@pytest.mark.parametrize("variant", ["python", "all"])
def test_a_file_that_grows_while_counted_is_reported_changed(tmp_path, variant):
    """Never the count of the prefix that was mapped, presented as the file's."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(GROW_HOOK)
    path = tmp_path / "grows.txt"
    body = (UNIT * 1000).encode()
    path.write_bytes(body)
    env = {**os.environ, "PYTHONPATH": str(hook), "GROW_FILE": str(path)}
    proc = start("wordcount", path, "is", "--variant", variant, "--json", env=env)
    out, err = proc.communicate(timeout=120)
    assert path.stat().st_size == len(body) + 3000  # the hook ran, once
    one_line_error(err, 1, proc.returncode, f"'{path}' changed while being read")
    assert out == b""


@pytest.mark.parametrize("variant", ["parallel", "sequential", "python", "all"])
def test_proc_sys_and_sysfs_files_count_like_the_text_open_reads(variant):
    """A sysctl of /proc/sys refuses a read of 4 MiB or more (ENOMEM): read in pieces it takes."""
    files = special_files()
    if not any(path.startswith("/proc/sys/") for path, _ in files):
        pytest.skip("no /proc/sys here")
    for path, text in files:
        for needle in needles(text):
            proc = start("wordcount", path, needle, "--variant", variant, "--json")
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, (path, err)
            data = json.loads(out)
            expected = search_py(text, needle)
            assert data["bytes"] == len(text.encode()), (path, data)
            assert data["agree"], (path, data)
            assert [r["count"] for r in data["results"]] == [expected] * len(data["results"]), (
                path, needle, data)


def test_the_python_variant_finds_a_streams_bad_bytes_as_they_arrive():
    """Read whole for --variant python, /dev/urandom still fails at once, not after 1 GiB."""
    started = time.monotonic()
    proc = start("wordcount", "/dev/urandom", "is", "--variant", "python")
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - started < 10
    one_line_error(err, 1, proc.returncode, "'/dev/urandom': invalid UTF-8 at byte ")


def test_a_sysfs_file_whose_size_lies_is_read():
    path = pathlib.Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if not path.exists():
        pytest.skip("no sysfs file to try")
    content = path.read_text()
    word = content.split()[0].strip("[]")
    for args in (["wordcount", path, word, "--json"], ["wordcount", path, word, "--json",
                                                       "--variant", "all"]):
        proc = start(*args)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        data = json.loads(out)
        assert data["agree"] and data["results"][0]["count"] == search_py(content, word)

"""tests/cli/test_bench_cli.py: `gil_demo bench`: its table is pytest-benchmark's, its JSON is read by `compare`."""

import functools
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest
from pytest_benchmark.plugin import pytest_benchmark_scale_unit
from pytest_benchmark.stats import Stats
from pytest_benchmark.table import TableResults
from pytest_benchmark.utils import NAME_FORMATTERS
from pytest_benchmark.utils import report_noprogress

ROOT = pathlib.Path(__file__).resolve().parents[2]
GIL_DEMO = os.environ.get("GIL_DEMO", str(ROOT / "build" / "release" / "app" / "gil_demo"))
ALL_ROWS = [
    "test_word_count_cpp_parallel",
    "test_word_count_cpp_sequential",
    "test_word_count_cpp_sequential_twice_with_threads",
    "test_word_count_python_sequential",
]
COLUMNS = ["min", "max", "mean", "stddev", "median", "iqr", "outliers", "ops", "rounds", "iterations"]


sys.path.insert(0, str(ROOT / "tests" / "support"))
from reference import search_py  # noqa: E402


def bench(*args, cwd=None):
    args = [a if isinstance(a, bytes) else str(a) for a in args]
    return subprocess.run([GIL_DEMO, "bench", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run of every row: (stdout, JSON file)."""
    out = tmp_path_factory.mktemp("bench") / "host.json"
    result = bench("--rounds", "6", "--json", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout, out


def table_rows(stdout):
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Name (time in "))
    rows = []
    for line in lines[start + 2:]:
        if line.startswith("---"):
            break
        rows.append(line)
    return lines[start], rows


class CollectingReporter:
    """The terminal reporter pytest-benchmark's TableResults writes to, into a string."""

    def __init__(self):
        self.text = ""

    def write(self, text, **markup):
        self.text += text

    def write_line(self, line, **markup):
        self.text += line + "\n"

    def rewrite(self, line, **markup):
        pass


def pytest_benchmark_table(path):
    data = json.loads(path.read_text())
    benchmarks = []
    for bench_json in data["benchmarks"]:
        bench_json.update(bench_json.pop("stats"))
        bench_json["source"] = ""
        benchmarks.append(bench_json)
    table = TableResults(COLUMNS, "min", False, NAME_FORMATTERS["normal"], None,
                         functools.partial(pytest_benchmark_scale_unit, config=None))
    reporter = CollectingReporter()
    table.display(reporter, [(None, benchmarks)], progress_reporter=report_noprogress)
    return reporter.text


def test_bench_prints_the_four_rows_of_the_guide(run):
    stdout, _ = run
    assert stdout.startswith('corpus: Zen of Python x1000, 858000 bytes; needle "is": 10000 per call\n')
    _, rows = table_rows(stdout)
    assert sorted(row.split()[0] for row in rows) == sorted(ALL_ROWS)
    for row in rows:
        assert row.split()[-3:-1] == ["6", "1"], row  # Rounds, Iterations


def test_the_table_is_pytest_benchmarks_own_rendering_plus_throughput(run):
    stdout, path = run
    ours_labels, ours_rows = table_rows(stdout)
    theirs_labels, theirs_rows = table_rows(pytest_benchmark_table(path))
    assert ours_labels.startswith(theirs_labels)
    assert ours_labels[len(theirs_labels):].strip() == "Throughput (GB/s)"
    assert len(ours_rows) == len(theirs_rows) == 4
    for ours, theirs in zip(ours_rows, theirs_rows):
        assert ours.startswith(theirs)
        float(ours[len(theirs):].replace(",", ""))  # the throughput column


def test_the_json_has_pytest_benchmarks_layout_and_statistics(run):
    _, path = run
    data = json.loads(path.read_text())
    assert {"machine_info", "commit_info", "benchmarks", "datetime", "version"} <= set(data)
    assert {"node", "machine", "python_version", "cpu", "system"} <= set(data["machine_info"])
    assert [b["name"] for b in data["benchmarks"]] == ALL_ROWS
    for bench_json in data["benchmarks"]:
        assert bench_json["extra_info"]["count"] == 10000
        stats = bench_json["stats"]
        assert len(stats["data"]) == stats["rounds"] == 6
        reference = Stats()
        for seconds in stats["data"]:
            reference.update(seconds)
        for field in Stats.fields:
            if field == "outliers":
                assert stats[field] == reference.outliers
            else:
                assert stats[field] == pytest.approx(getattr(reference, field), rel=1e-9), field


def test_pytest_benchmark_compare_reads_the_json(run, tmp_path):
    _, path = run
    (tmp_path / "host.json").write_bytes(path.read_bytes())
    (tmp_path / "again.json").write_bytes(path.read_bytes())
    # pytest-benchmark 3.2.2 on Python 3.11 wants relative paths ("Paths don't have the
    # same drive" on absolute ones), hence cwd.
    result = subprocess.run(
        [sys.executable, "-m", "pytest_benchmark", "compare", "host.json", "again.json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "benchmark: 8 tests" in result.stdout
    for name in ALL_ROWS:
        assert f"{name} (host)" in result.stdout
        assert f"{name} (again)" in result.stdout


def test_variant_picks_rows_and_needle_and_scale_are_used():
    result = bench("--variant", "python", "--variant", "parallel", "--rounds", "2",
                   "--scale", "10", "--needle", "better")
    assert result.returncode == 0, result.stderr
    corpus = ("\n" + (ROOT / "data" / "zen_of_python.txt").read_text().rstrip("\n") + "\n") * 10
    expected = search_py(corpus, "better")
    assert f'needle "better": {expected} per call' in result.stdout
    _, rows = table_rows(result.stdout)
    assert sorted(row.split()[0] for row in rows) == [
        "test_word_count_cpp_parallel", "test_word_count_python_sequential"]


def test_threads_caps_onetbb_and_still_counts_right():
    result = bench("--variant", "parallel", "--threads", "1", "--rounds", "2")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("args", [
    ["--variant", "nope"], ["--rounds", "0"], ["--scale", "0"], ["--threads", "0"],
    ["--needle", b"\xff"], ["extra"],
])
def test_usage_errors_exit_2_with_one_line(args):
    result = bench(*args)
    assert result.returncode == 2, result
    assert result.stderr.startswith("gil_demo: ") and result.stderr.count("\n") == 1


def test_an_unwritable_json_file_exits_1_with_one_line(tmp_path):
    result = bench("--variant", "parallel", "--rounds", "1", "--json", tmp_path / "no" / "x.json")
    assert result.returncode == 1
    assert result.stderr == (
        f"gil_demo: cannot write '{tmp_path / 'no' / 'x.json'}': No such file or directory\n")
    assert result.stdout == ""  # checked before the first round


def test_plot_bench_draws_a_png_from_the_json(run, tmp_path):
    _, path = run
    png = tmp_path / "bench.png"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "plot_bench.py"), str(path), str(path), "-o",
         str(png)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ctrl_c_stops_the_benchmark_with_exit_130():
    process = subprocess.Popen([GIL_DEMO, "bench"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)  # inside the first rows (the default run takes several seconds)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err == "gil_demo: interrupted\n"

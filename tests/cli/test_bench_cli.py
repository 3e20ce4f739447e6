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
    ["--needle", b"\xff"], ["extra"], ["--corpus", "nope"], ["--corpus"],
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


# --- --corpus: the generated non-ASCII corpora ------------------------------------------
CORPORA = {
    # name: (title in the report, a test every character of the corpus passes, a test
    # that some character passes: the script the corpus claims)
    "zen": ("Zen of Python", lambda c: ord(c) < 0x80, lambda c: c.isalpha()),
    "cyrillic": ("Cyrillic words", lambda c: ord(c) < 0x80 or 0x400 <= ord(c) < 0x500,
                 lambda c: 0x400 <= ord(c) < 0x500),
    "cjk": ("CJK words", lambda c: ord(c) < 0x80 or 0x3000 <= ord(c) < 0xa000 or 0xff00 <= ord(c),
            lambda c: 0x4e00 <= ord(c) < 0xa000),
    "mixed": ("mixed scripts and emoji", lambda c: True, lambda c: ord(c) >= 0x1f000),
}


def saved_corpus(tmp_path, name, scale, *extra):
    path = tmp_path / f"{name}.txt"
    result = bench("--corpus", name, "--scale", scale, "--variant", "parallel", "--rounds", "1",
                   "--save-corpus", path, *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout, path.read_bytes()


@pytest.mark.parametrize("name", list(CORPORA))
def test_each_corpus_is_valid_utf8_of_its_script_and_counted_as_search_py_counts(name, tmp_path):
    title, every, some = CORPORA[name]
    stdout, data = saved_corpus(tmp_path, name, 40, "--variant", "python")
    assert len(data) == 858 * 40
    text = data.decode("utf-8")  # strict: raises on anything Python would reject
    assert all(every(c) for c in text)
    assert any(some(c) for c in text)
    if name != "zen":
        assert sum(b >= 0x80 for b in data) > len(data) // 3  # mostly multi-byte characters
    expected = search_py(text, "is")
    assert expected > 0  # the default needle is present
    assert stdout.startswith(f'corpus: {title} x40, {len(data)} bytes; needle "is": {expected} per call\n')
    _, rows = table_rows(stdout)  # the C++ and the Python rows both counted `expected`
    assert sorted(row.split()[0] for row in rows) == [
        "test_word_count_cpp_parallel", "test_word_count_python_sequential"]


@pytest.mark.parametrize("name", ["cyrillic", "cjk", "mixed"])
def test_corpora_are_deterministic_and_other_needles_count_right(name, tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    stdout, data = saved_corpus(first, name, 7)
    _, again = saved_corpus(tmp_path, name, 7)
    assert data == again
    text = data.decode("utf-8")
    word = next(w for w in text.split() if any(ord(c) >= 0x80 for c in w))
    result = bench("--corpus", name, "--scale", 7, "--variant", "sequential", "--rounds", "1",
                   "--needle", word)
    assert result.returncode == 0, result.stderr
    assert f"; needle \"{word}\": {search_py(text, word)} per call" in result.stdout


def test_the_json_names_the_corpus(tmp_path):
    out = tmp_path / "cjk.json"
    result = bench("--corpus", "cjk", "--scale", "5", "--variant", "parallel", "--rounds", "2",
                   "--json", out)
    assert result.returncode == 0, result.stderr
    extra = json.loads(out.read_text())["benchmarks"][0]["extra_info"]
    assert extra["corpus"] == "cjk" and extra["bytes"] == 858 * 5


@pytest.mark.parametrize("name", list(CORPORA))
def test_wordcount_counts_the_same_built_in_corpus(name, tmp_path):
    _, data = saved_corpus(tmp_path, name, 30)
    result = subprocess.run([GIL_DEMO, "wordcount", "--corpus", name, "--scale", "30",
                             "--variant", "all", "--json"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["bytes"] == len(data) and report["agree"]
    assert [r["count"] for r in report["results"]] == [search_py(data.decode(), "is")] * 4


def test_wordcount_corpus_with_a_file_is_a_usage_error(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("is")
    result = subprocess.run([GIL_DEMO, "wordcount", path, "--corpus", "cjk"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == "gil_demo: --corpus applies to the built-in corpus only, not to FILE\n"


def test_an_unwritable_corpus_file_exits_1_with_one_line(tmp_path):
    target = tmp_path / "no" / "c.txt"
    result = bench("--corpus", "mixed", "--variant", "parallel", "--rounds", "1",
                   "--save-corpus", target)
    assert result.returncode == 1
    assert result.stderr == f"gil_demo: cannot write '{target}'\n"

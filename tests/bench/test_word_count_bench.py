"""tests/bench/test_word_count_bench.py: the guide's pytest-benchmark, against the word_count package.

Off by default (pytest.ini: --benchmark-disable runs each test once, untimed). Timed:

    PYTHONPATH=build/release/python /usr/bin/python3 -m pytest tests/bench --benchmark-enable

The row names are those of `gil_demo bench`, so `python3 -m pytest_benchmark compare`
lines up a run of this file with the host's `--json` file.
"""

import pathlib
from concurrent.futures import ThreadPoolExecutor

import pytest
import word_count

ZEN = pathlib.Path(__file__).resolve().parents[2] / "data" / "zen_of_python.txt"


@pytest.fixture(scope="session")
def contents() -> str:
    # The guide's corpus: a newline and the Zen of Python, 1000 times (858,000 bytes).
    text = "\n" + ZEN.read_text(encoding="utf-8").rstrip("\n") + "\n"
    return text * 1000


def test_word_count_cpp_parallel(benchmark, contents):
    count = benchmark(word_count.search, contents, "is")
    assert count == 10000


def test_word_count_cpp_sequential(benchmark, contents):
    count = benchmark(word_count.search_sequential, contents, "is")
    assert count == 10000


def test_word_count_python_sequential(benchmark, contents):
    count = benchmark(word_count.search_py, contents, "is")
    assert count == 10000


def run_cpp_sequential_twice(executor: ThreadPoolExecutor, contents: str, needle: str) -> int:
    future_1 = executor.submit(word_count.search_sequential_allow_threads, contents, needle)
    future_2 = executor.submit(word_count.search_sequential_allow_threads, contents, needle)
    result_1 = future_1.result()
    result_2 = future_2.result()
    return result_1 + result_2


def test_word_count_cpp_sequential_twice_with_threads(benchmark, contents):
    with ThreadPoolExecutor(max_workers=2) as executor:
        count = benchmark(run_cpp_sequential_twice, executor, contents, "is")
    assert count == 20000

"""tests/python/test_module.py: the word_count extension package: semantics, the guide's snippet, GIL release.

Runs against the package in the build tree (ctest sets PYTHONPATH=<build>/python).
"""

import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import word_count
from hostile import ALPHABET, LINE_BREAKS, random_text

ROOT = pathlib.Path(__file__).resolve().parents[2]
ZEN = ROOT / "data" / "zen_of_python.txt"

# Every C++ entry point; each must return exactly what search_py returns.
CPP_FUNCTIONS = [
    "search",
    "search_sequential",
    "search_sequential_allow_threads",
    "search_sequential_detached",
]


def guide_corpus(scale=1000):
    return ("\n" + ZEN.read_text(encoding="utf-8").rstrip("\n") + "\n") * scale


def counts(contents, needle):
    """{name: count} for search_py and every C++ function."""
    out = {"search_py": word_count.search_py(contents, needle)}
    for name in CPP_FUNCTIONS:
        out[name] = getattr(word_count, name)(contents, needle)
    return out


def assert_all_equal(contents, needle, expected=None):
    got = counts(contents, needle)
    reference = got["search_py"] if expected is None else expected
    assert got == dict.fromkeys(got, reference), (contents, needle)


# --- the package ---------------------------------------------------------------------


def test_the_package_exposes_the_guides_functions_with_docstrings():
    for name in CPP_FUNCTIONS + ["search_file", "search_py", "search_twice_with_threads"]:
        function = getattr(word_count, name)
        assert callable(function) and function.__doc__, name
        assert name in word_count.__all__
    assert word_count.__doc__ and "search_py" in word_count.__doc__
    assert word_count.kernel in ("avx512", "avx2", "sse2", "neon", "vector", "scalar")


def test_the_package_ships_type_stubs_for_every_public_name():
    package = pathlib.Path(word_count.__file__).parent
    assert (package / "py.typed").exists()
    stub = (package / "__init__.pyi").read_text(encoding="utf-8")
    for name in word_count.__all__:
        assert f"def {name}(" in stub or f"class {name}(" in stub or f"{name}:" in stub, name


def test_the_native_part_is_an_extension_module_in_the_package():
    native = sys.modules["word_count._native"]
    assert pathlib.Path(native.__file__).parent == pathlib.Path(word_count.__file__).parent
    assert native.__file__.endswith(".so")
    assert word_count.search is native.search


def test_the_reference_is_the_packages_own_file():
    assert word_count.search_py.__module__ == "word_count._reference"


def test_wrong_argument_types_raise_type_error():
    # str and bytes-like objects are welcome (tests/python/test_buffers.py); nothing else.
    for name in CPP_FUNCTIONS:
        message = rf"^{name}\(\): contents must be str or a bytes-like object, not 'int'$"
        with pytest.raises(TypeError, match=message):
            getattr(word_count, name)(1, "is")
        with pytest.raises(TypeError, match=r"needle must be str or a bytes-.*, not 'NoneType'"):
            getattr(word_count, name)("is", None)
        with pytest.raises(TypeError, match=r"not 'list'"):
            getattr(word_count, name)([b"is"], "is")


def test_a_lone_surrogate_is_a_unicode_encode_error():
    for name in CPP_FUNCTIONS:
        with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
            getattr(word_count, name)("is \ud800 is", "is")
        with pytest.raises(UnicodeEncodeError):
            getattr(word_count, name)("is", "\udfff")


# --- the guide's corpus and snippet ----------------------------------------------------


def test_the_guides_corpus_counts_10000():
    assert_all_equal(guide_corpus(), "is", expected=10000)


def test_the_guides_snippet_runs_unchanged():
    contents = guide_corpus()
    needle = "is"
    # The guide's snippet, verbatim (it calls through the module name, imported above).
    from concurrent.futures import ThreadPoolExecutor
    from word_count import search_sequential_allow_threads

    executor = ThreadPoolExecutor(max_workers=2)

    future_1 = executor.submit(
        word_count.search_sequential_allow_threads, contents, needle
    )
    future_2 = executor.submit(
        word_count.search_sequential_allow_threads, contents, needle
    )
    result_1 = future_1.result()
    result_2 = future_2.result()
    # End of the snippet.
    executor.shutdown()
    assert search_sequential_allow_threads is word_count.search_sequential_allow_threads
    assert (result_1, result_2) == (10000, 10000)


def test_search_twice_with_threads_runs_any_function_twice():
    contents = guide_corpus(10)
    for name in CPP_FUNCTIONS + ["search_py"]:
        pair = word_count.search_twice_with_threads(getattr(word_count, name), contents, "is")
        assert pair == (100, 100), name


def test_search_twice_with_threads_submits_to_a_given_executor():
    from concurrent.futures import ThreadPoolExecutor

    contents = guide_corpus(10)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="given") as executor:
        names = word_count.search_twice_with_threads(
            lambda c, n: __import__("threading").current_thread().name, contents, "is", executor
        )
        counts = word_count.search_twice_with_threads(
            word_count.search_sequential_allow_threads, contents, "is", executor
        )
        assert not executor._shutdown  # still the caller's to use
    assert all(name.startswith("given") for name in names), names
    assert counts == (100, 100)


# --- the semantics of search_py, for every function ------------------------------------


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=[f"U+{ord(b[0]):04X}" for b in LINE_BREAKS])
def test_each_line_break_ends_a_line(brk):
    assert_all_equal(f"is{brk}is", "is", expected=2)
    assert_all_equal(f"x{brk}{brk}x", "", expected=1)


def test_carriage_return_line_feed_is_one_break():
    assert_all_equal("a\r\nb", "", expected=0)
    assert_all_equal("a\n\rb", "", expected=1)
    assert_all_equal("\r\n", "", expected=1)
    assert_all_equal("\r\r\n\n", "", expected=3)


@pytest.mark.parametrize(
    "char", ["\t", "\x1f", "\x00", "\u0145", "\u00a0", "\u1680", "\u2000", "\u3000", "\u0085\u0301"]
)
def test_nothing_else_splits(char):
    if char == "\u0085\u0301":  # U+0085 is a break; the combining mark after it is not
        assert_all_equal(f"is{char}is", "is", expected=1)
        return
    assert_all_equal(f"is{char}is", "is", expected=0)
    assert_all_equal(f"is{char}is", f"is{char}is", expected=1)


def test_a_character_whose_utf8_ends_in_0x85_is_not_a_break():
    # U+0145 is C5 85 in UTF-8; U+2085 is E2 82 85; U+1F605 ends in 85 too.
    for char in ["\u0145", "\u2085", "\U0001F605", "\u0185"]:
        assert_all_equal(f"is{char}is", "is", expected=0)
        assert_all_equal(f"is {char} is", char, expected=1)


def test_only_the_space_splits_words():
    assert_all_equal("is is  is", "is", expected=3)
    assert_all_equal("is\tis", "is", expected=0)
    assert_all_equal("is\u00a0is", "is", expected=0)


def test_the_empty_needle_counts_empty_fields():
    assert_all_equal("", "", expected=0)
    assert_all_equal(" ", "", expected=2)
    assert_all_equal("a  b", "", expected=1)
    assert_all_equal("\n\n", "", expected=2)
    assert_all_equal("a\n\nb", "", expected=1)
    assert_all_equal("a\n", "", expected=0)


def test_a_needle_containing_a_separator_matches_nothing():
    for needle in ["is is", "a\nb", "a\r\nb", "a\u2028b", " ", "\n", "is\x85"]:
        assert_all_equal(needle, needle, expected=0)
        assert_all_equal(f"x {needle} x", needle, expected=0)


def test_there_is_no_unicode_normalization():
    assert_all_equal("\u00e9", "e\u0301", expected=0)
    assert_all_equal("e\u0301", "\u00e9", expected=0)
    assert_all_equal("\u00e9 e\u0301", "\u00e9", expected=1)
    assert_all_equal("\ufb01 fi", "fi", expected=1)  # the ligature is not "fi"


def test_non_ascii_texts_and_needles():
    text = "\u4e2d \U0001F600 \u00e9t\u00e9\n\u4e2d\u2029\u4e2d \U0001F600"
    for needle in ["\u4e2d", "\U0001F600", "\u00e9t\u00e9", "t"]:
        assert_all_equal(text, needle)


def test_random_texts_agree_with_search_py():
    rng = random.Random(858000)
    for _ in range(1500):
        text = random_text(rng, rng.randrange(60))
        needles = ["", "a", "is", "ab", rng.choice(ALPHABET), random_text(rng, 2)]
        for needle in needles:
            assert_all_equal(text, needle)


def test_big_random_texts_agree_with_search_py():
    # Big enough for the parallel search to cut the text into many ranges.
    rng = random.Random(4)
    for _ in range(6):
        chunk = random_text(rng, 4000)
        text = "".join(chunk[rng.randrange(len(chunk)):] for _ in range(200))
        for needle in ["", "a", "is", "\u4e2d", "\U0001F600"]:
            assert_all_equal(text, needle)


# --- the GIL is released while C++ counts ---------------------------------------------

# A second Python thread ticks (takes time.perf_counter()) in a loop while the first
# thread counts a 256 MB text. If the count held the GIL, the ticker could run no Python
# code during it: the longest gap between two ticks would be at least the time the count
# spends in C++, in every attempt, whatever the timing. With the GIL released, the ticker
# runs alongside: some attempt shows only gaps far shorter than one count. (A tiny switch
# interval keeps the ticker from running long stretches before the call; timing only
# decides how many attempts it takes.)

REPEATS = 256 * 1024 * 1024 // len("is a word, is ")
ATTEMPTS = 50


@pytest.fixture(scope="module")
def big_text():
    return "is a word, is " * REPEATS  # 256 MB, 2 * REPEATS matches of "is"


@pytest.mark.parametrize("name", CPP_FUNCTIONS)
def test_another_python_thread_runs_while_the_count_runs(name, big_text):
    function = getattr(word_count, name)
    alone = []
    for _ in range(3):
        start = time.perf_counter()
        assert function(big_text, "is") == 2 * REPEATS
        alone.append(time.perf_counter() - start)
    one_count = min(alone)
    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    gaps = []
    try:
        for _ in range(ATTEMPTS):
            ticks = []
            counting = threading.Event()
            done = threading.Event()

            def ticker():
                counting.wait()
                while not done.is_set():
                    ticks.append(time.perf_counter())

            thread = threading.Thread(target=ticker)
            thread.start()
            counting.set()
            start = time.perf_counter()
            assert function(big_text, "is") == 2 * REPEATS
            end = time.perf_counter()
            done.set()
            thread.join()
            window = end - start
            inside = [start] + [t for t in ticks if start < t < end] + [end]
            longest = max(b - a for a, b in zip(inside, inside[1:]))
            gaps.append(round(longest / window, 3))
            # Held, the count spans the middle of the window with no tick at all (ticks come
            # only before it starts or while this thread waits to take the GIL back after
            # it, up to about 0.22 of the window when broken by hand); released, the other
            # thread ticks throughout, save for a loaded machine's scheduler gaps (up to
            # about 0.5 of the window on 2 shared cores, never the same middle every time).
            middle = [t for t in ticks if start + 0.35 * window < t < start + 0.65 * window]
            if middle or longest < min(one_count, window) / 2:
                return
    finally:
        sys.setswitchinterval(previous_interval)
    pytest.fail(f"{name}: no Python thread ran while it counted (longest gap / window: {gaps})")


# --- installation ---------------------------------------------------------------------


@pytest.mark.skipif("GILSAFE_BUILD_DIR" not in os.environ, reason="needs the build tree")
def test_cmake_install_puts_an_importable_package_under_the_prefix():
    with tempfile.TemporaryDirectory() as prefix:
        subprocess.run(
            ["cmake", "--install", os.environ["GILSAFE_BUILD_DIR"], "--prefix", prefix],
            check=True, capture_output=True,
        )
        packages = list(pathlib.Path(prefix).glob("lib/python3*/*-packages/word_count"))
        assert len(packages) == 1, packages
        names = {p.name for p in packages[0].iterdir()}
        assert {"__init__.py", "__init__.pyi", "py.typed", "_reference.py", "_threads.py"} <= names
        assert any(n.startswith("_native.") and n.endswith(".so") for n in names)
        env = dict(os.environ, PYTHONPATH=str(packages[0].parent))
        result = subprocess.run(
            [sys.executable, "-c",
             "import word_count; print(word_count.__file__, word_count.search('is a is', 'is'))"],
            check=True, capture_output=True, text=True, env=env, cwd=prefix,
        )
        assert result.stdout.split() == [str(packages[0] / "__init__.py"), "2"]

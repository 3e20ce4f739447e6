"""tests/package/module/check_my_words.py: imports the consumer's my_words module and checks its answers.

Run by tests/package/run_consumer.cmake with PYTHONPATH set to the module's build folder.
Exits 1 on any wrong answer (plain checks, not assert: python -O would skip those).
"""

import os
import sys

import my_words

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"my_words: FAILED: {what}", file=sys.stderr)


def search_py(contents, needle):
    """The guide's pure-Python count (python/word_count/_reference.py)."""
    return sum(word == needle for line in contents.splitlines() for word in line.split(" "))


expected_dir = os.path.realpath(sys.argv[1]) if len(sys.argv) > 1 else None
check(
    expected_dir is None or os.path.dirname(os.path.realpath(my_words.__file__)) == expected_dir,
    f"my_words comes from {expected_dir}, not {my_words.__file__}",
)

check(my_words.search("is a is", "is") == 2, 'search("is a is", "is") == 2')
check(my_words.search_sequential("is a is", "is") == 2, 'search_sequential("is a is", "is") == 2')
kernels = ("avx512", "avx2", "sse2", "neon", "vector", "scalar")
check(my_words.kernel in kernels, f"kernel is one of {kernels}, not {my_words.kernel!r}")

TEXT = (
    "Beautiful is better than ugly.\r\n"
    "is\ris\n\nis  is is\u2028é is\x85is\vis\tis is.\n"
    "Now is better than never. is\n"
) * 5000
for needle in ["is", "better", "", "é", "is.", "never."]:
    expected = search_py(TEXT, needle)
    check(my_words.search(TEXT, needle) == expected, f"search(TEXT, {needle!r}) == {expected}")
    check(
        my_words.search_sequential(TEXT, needle) == expected,
        f"search_sequential(TEXT, {needle!r}) == {expected}",
    )
check(search_py(TEXT, "is") > 0, "the reference counts some words")

if failures:
    print(f"my_words: {len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("my_words: all checks passed")

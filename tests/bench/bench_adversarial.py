"""tests/bench/bench_adversarial.py: long needles and texts without separators, timed.

    PYTHONPATH=build/release/python /usr/bin/python3 tests/bench/bench_adversarial.py

For each text (4 MB unless named otherwise) and needle: search (parallel) and
search_sequential in GB/s (best of --rounds), with the count of `is` on the same text for
the ratio the tests bound (at most 3x) and search_py for scale. Then texts with rare or no
separators: the parallel count against the sequential one. To compare two builds, run it
twice in the same minutes with each build's PYTHONPATH. Not run by ctest (speed is
measured, not asserted); the README quotes its output. On a build from before issue 25
the first rows take minutes (the count was quadratic in the needle's length): give it
--parallel-only.
"""

import argparse
import pathlib
import platform
import time

import word_count


def cpu_name():
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def best(rounds, call):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def long_needle_cases(size):
    letters = "a" * size
    fields = ("a" * 999 + " ") * (size // 1000)
    return [
        ("letters", letters, "1 M letters", "a" * 1_000_000),
        ("letters", letters, "100 k letters", "a" * 100_000),
        ("letters", letters, "10 k letters", "a" * 10_000),
        ("fields of 999", fields, "the field", "a" * 999),
        ("fields of 999", fields, "10 k letters", "a" * 10_000),
        ("one 20 MB field", "a" * (20 << 20), "the field", "a" * (20 << 20)),
    ]


def rare_separator_texts(size):
    with_spaces = bytearray(b"a" * size)
    for at in range(1 << 20, size, 1 << 20):
        with_spaces[at] = ord(" ")
    dna = ("ACGT" * (size // 4))
    return [
        ("80 MB of letters", "a" * size),
        ("one space per MB", with_spaces.decode()),
        ("DNA, no separator", dna),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=4 << 20)
    parser.add_argument("--parallel-only", action="store_true",
                        help="only the texts with rare separators (for a build from before "
                        "issue 25, whose long-needle rows take minutes)")
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}; word_count from {word_count.__file__}")
    print(f"{'text':<18} {'needle':<14} {'search':>9} {'sequential':>11} {'ratio to is':>12}")
    for text_name, text, needle_name, needle in (
            [] if args.parallel_only else long_needle_cases(args.size)):
        gb = len(text.encode()) / 1e9
        parallel = best(args.rounds, lambda: word_count.search(text, needle))
        sequential = best(args.rounds, lambda: word_count.search_sequential(text, needle))
        is_time = best(args.rounds, lambda: word_count.search_sequential(text, "is"))
        print(f"{text_name:<18} {needle_name:<14} {gb / parallel:>7.2f}GB/s"
              f" {gb / sequential:>9.2f}GB/s {sequential / is_time:>11.1f}x")
    print(f"\n{'text (80 MB)':<20} {'search':>10} {'sequential':>11} {'speed-up':>9}")
    for name, text in rare_separator_texts(80 << 20):
        gb = len(text) / 1e9
        parallel = best(args.rounds, lambda: word_count.search(text, "is"))
        sequential = best(args.rounds, lambda: word_count.search_sequential(text, "is"))
        print(f"{name:<20} {gb / parallel:>8.2f}GB/s {gb / sequential:>9.2f}GB/s"
              f" {sequential / parallel:>8.2f}x")


if __name__ == "__main__":
    main()

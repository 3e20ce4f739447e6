"""tests/bench/bench_dask.py: word_count.dask on one worker process, 1 thread against 2.

    PYTHONPATH=build/release/python /usr/bin/python3 tests/bench/bench_dask.py [--mib 1024]

Generates a corpus (the Zen of Python, repeated, in 8 files; --mib MiB in all) under
--dir, then, on a loopback LocalCluster with one worker process, times (best of --rounds):
the GIL-releasing count (word_count.dask.count) and the pure-Python reference
(word_count.search_py, holding the GIL) in the same harness, with 1 and 2 threads per
worker; and word_count.search_file called directly on the same files, for the overhead.
Not run by ctest (speed is measured, not asserted); the README quotes its output.
"""

import argparse
import os
import pathlib
import platform
import sys
import time

import word_count
from word_count import dask as wd


def cpu_name():
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def reference_block(path, offset, length, needle, size):
    """_count_block's cut, counted by search_py on a str (the GIL held throughout)."""
    with open(path, "rb") as f:
        begin = wd._boundary(f, offset, size)
        end = wd._boundary(f, offset + length, size) if offset + length < size else size
        f.seek(begin)
        data = f.read(max(end - begin, 0))
    return word_count.search_py(data.decode(), needle.decode()), len(data), -1


def timed(fn, rounds):
    best = float("inf")
    value = None
    for _ in range(rounds):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/gilsafe_dask_corpus")
    args = parser.parse_args()
    root = pathlib.Path(args.dir)
    root.mkdir(exist_ok=True)
    zen = (pathlib.Path(__file__).resolve().parents[2] / "data" / "zen_of_python.txt").read_bytes()
    per_file = args.mib * 2**20 // args.files
    paths = []
    for i in range(args.files):
        path = root / f"zen{i}.txt"
        if not path.exists() or path.stat().st_size != per_file // len(zen) * len(zen):
            path.write_bytes(zen * (per_file // len(zen)))
        paths.append(str(path))
    total = sum(os.path.getsize(p) for p in paths)
    print(f"# {cpu_name()}, {os.cpu_count()} cores; {args.files} files, {total} bytes; "
          f"best of {args.rounds}")

    direct, expected = timed(lambda: sum(word_count.search_file(p, "is") for p in paths),
                             args.rounds)
    print(f"search_file, direct (no Dask):       {direct:8.3f} s  {total / direct / 1e9:6.2f} GB/s")
    for threads in (1, 2):
        with wd.local_client(n_workers=1, threads_per_worker=threads) as client:
            ours, result = timed(lambda: wd.count(paths, "is", client=client), args.rounds)
            assert result.count == expected, (result.count, expected)

            def reference():
                files, blocks, _ = wd.submit(client, [], "is")  # validate the API path
                plan = wd._plan(paths, wd.parse_bytes("64 MiB"))
                futures = [client.submit(reference_block, p, o, n, b"is", s, pure=False)
                           for p, o, n, s in plan]
                return sum(r[0] for r in client.gather(futures))

            ref, counted = timed(reference, 1)
            assert counted == expected, (counted, expected)
            print(f"word_count.dask, {threads} thread(s)/worker: {ours:8.3f} s  "
                  f"{total / ours / 1e9:6.2f} GB/s   search_py in the same harness: "
                  f"{ref:8.3f} s  {total / ref / 1e9:6.2f} GB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""scripts/scaling.py: thread scaling of the parallel word count, from `gil_demo bench`.

Runs `gil_demo bench --variant parallel --threads N` for N = 1 .. cores (and the
sequential row once), prints the median time and the speedup against one thread for each
N, and draws speedup against threads (with the ideal line) into a PNG.

    scripts/scaling.py [--gil-demo PATH] [--scale 100000] [--max-threads N] [--out scaling.png]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile


def median_seconds(gil_demo, scale, variant, threads):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.json")
        cmd = [gil_demo, "bench", "--scale", str(scale), "--variant", variant, "--json", out]
        if threads:
            cmd += ["--threads", str(threads)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            report = json.load(f)
    return report["benchmarks"][0]["stats"]["median"]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gil-demo", default=os.path.join(root, "build", "release", "app", "gil_demo"))
    parser.add_argument("--scale", type=int, default=100000, help="corpus repetitions (100000: 85.8 MB)")
    parser.add_argument("--max-threads", type=int, default=os.cpu_count())
    parser.add_argument("--out", default="scaling.png", help="the PNG to write")
    args = parser.parse_args()

    sequential = median_seconds(args.gil_demo, args.scale, "sequential", 0)
    rows = []
    for threads in range(1, args.max_threads + 1):
        rows.append((threads, median_seconds(args.gil_demo, args.scale, "parallel", threads)))
    base = rows[0][1]
    print(f"corpus: Zen of Python x{args.scale}; sequential median {sequential * 1e3:.3f} ms")
    print(f"{'threads':>7} {'median (ms)':>12} {'speedup vs 1':>13} {'vs sequential':>14}")
    for threads, seconds in rows:
        print(f"{threads:>7} {seconds * 1e3:>12.3f} {base / seconds:>13.2f} {sequential / seconds:>14.2f}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [t for t, _ in rows]
    ax.plot(xs, [base / s for _, s in rows], "o-", label="parallel (median)")
    ax.plot(xs, xs, "--", color="gray", label="ideal")
    ax.set_xlabel("oneTBB threads (--threads)")
    ax.set_ylabel("speedup against 1 thread")
    ax.set_title(f"gilsafe word count, Zen x{args.scale}")
    ax.set_xticks(xs)
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""scripts/plot_bench.py: pytest-benchmark JSON files (gil_demo bench --json, pytest
--benchmark-json) to one PNG: each benchmark's median time, whiskers from Q1 to Q3, on a
log scale, one bar per file.

    /usr/bin/python3 scripts/plot_bench.py host.json pytest.json -o bench.png
"""

import argparse
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402 (after the backend is chosen)


def load(path):
    """[(name, median, q1, q3)] of one file, in seconds."""
    try:
        data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
        return [(b["name"], b["stats"]["median"], b["stats"]["q1"], b["stats"]["q3"])
                for b in data["benchmarks"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"plot_bench.py: cannot read '{path}': {e}")


def short(name):
    return name[len("test_"):] if name.startswith("test_") else name


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="pytest-benchmark JSON files")
    parser.add_argument("-o", "--output", default="bench.png", help="PNG to write (bench.png)")
    parser.add_argument("--title", default="word count: median time per call (whiskers: IQR)")
    args = parser.parse_args(argv)

    runs = [(pathlib.Path(f).stem, load(f)) for f in args.files]
    names = []
    for _, rows in runs:
        names += [name for name, *_ in rows if name not in names]

    height = 0.8 / len(runs)
    fig, ax = plt.subplots(figsize=(10, 1.0 + 0.9 * len(names)), dpi=110)
    for k, (label, rows) in enumerate(runs):
        by_name = {name: (median, q1, q3) for name, median, q1, q3 in rows}
        ys, medians, low, high = [], [], [], []
        for i, name in enumerate(names):
            if name in by_name:
                median, q1, q3 = by_name[name]
                ys.append(i - 0.4 + height * (k + 0.5))
                medians.append(median * 1e3)
                low.append(max(0.0, (median - q1) * 1e3))
                high.append(max(0.0, (q3 - median) * 1e3))
        ax.barh(ys, medians, height=height * 0.9, xerr=[low, high], capsize=3, label=label,
                error_kw={"elinewidth": 1})
        for y, median, up in zip(ys, medians, high):
            ax.text((median + up) * 1.1, y, f"{median:.3g} ms", va="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(names)), [short(n) for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("median time per call (ms, log scale)")
    ax.set_title(args.title)
    ax.grid(axis="x", which="both", alpha=0.3)
    left, right = ax.get_xlim()
    ax.set_xlim(left, right * 4)  # room for the labels
    if len(runs) > 1:
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

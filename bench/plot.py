"""The growth plot: seconds per 10k objects against the data's size, one line per operation.

    python bench/plot.py GROWTH.json OUT.svg|OUT.png

Run by run.py in a child process (matplotlib, in the `bench` extra only, never loads into the
suite's own process). A flat line is linear cost; a rising one grows faster than the data.
"""

from __future__ import annotations

import json
import sys

SERIES = ("apply", "import", "endpoints", "get pods -A")


def main(argv: list[str]) -> None:
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("matplotlib is not installed (pip install '.[bench]')") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    growth = json.loads(open(argv[0]).read())
    points = sorted(growth.values(), key=lambda p: p["objects"])
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name in SERIES:
        xs = [p["objects"] for p in points if p.get(name) is not None]
        ys = [p[name] / (p["objects"] / 1e4) for p in points if p.get(name) is not None]
        if xs:
            ax.plot(xs, ys, marker="o", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("objects in the data (log scale)")
    ax.set_ylabel("seconds per 10k objects")
    ax.set_ylim(bottom=0)
    ax.set_xticks([p["objects"] for p in points], [f"{p['objects']:,}" for p in points])
    ax.minorticks_off()
    ax.grid(True, alpha=0.3)
    ax.legend()
    ax.set_title("kubesvc: cost per object as the cluster grows (flat = linear)")
    fig.tight_layout()
    fig.savefig(argv[1])


if __name__ == "__main__":
    main(sys.argv[1:])

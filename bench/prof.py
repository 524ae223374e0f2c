"""Profile one kubesvc command in process with cProfile (the command's output is discarded).

    python bench/prof.py [--top N] [--sort cumulative|tottime] [--save FILE.prof] -- ARGS...

e.g.  python bench/prof.py -- --state /tmp/s.db apply -f /tmp/kubesvc-bench-data/bulk-....json
      python bench/prof.py --sort tottime -- --state /tmp/s.db get pods -A

cProfile inflates call-heavy Python code (deepcopy, small helpers) more than C calls (SQLite,
json): use it to rank where the time goes, and the suite's wall figures for how much.
Import time is excluded (the command module is imported before profiling starts).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time


def main() -> None:
    argv = sys.argv[1:]
    if "--" not in argv:
        raise SystemExit(__doc__)
    split = argv.index("--")
    p = argparse.ArgumentParser()
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--sort", default="cumulative")
    p.add_argument("--save")
    opts = p.parse_args(argv[:split])
    command = argv[split + 1:]

    from kubesvc.cli.main import run

    devnull = open(os.devnull, "w")
    real_stdout = sys.stdout
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    sys.stdout = devnull
    prof.enable()
    try:
        run(command)
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    finally:
        prof.disable()
        sys.stdout = real_stdout
    wall = time.perf_counter() - t0
    print(f"exit {code}; {wall:.3f} s under the profiler", file=sys.stderr)
    if opts.save:
        prof.dump_stats(opts.save)
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(opts.sort)
    stats.print_stats(opts.top)
    print(buf.getvalue())


if __name__ == "__main__":
    main()

"""Benchmark of the fleet job (not a test; figures go into docs/benchmarks.md by hand).

    .venv/bin/python benches/fleet.py [N_LOGS]   (default 500; needs scripts/python-tests' wheel
                                                  and target/release/runlens)

Makes N copies of the shared logs (cycling through every run: files and rolling folders) in a
temporary folder, then times, in one run on this machine:
  - `runlens summarize --json` over all of them in one process, and in two processes (halves);
  - the fleet job (`python -m runlens.fleet`, Parquet out) on local[1] and local[2];
  - an empty fleet job (a folder with no logs) on local[2]: the JVM and Spark start-up;
and prints a Markdown table with the per-log overhead of the job over the CLI.
"""

import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
DATA = pathlib.Path(os.environ.get("RUNLENS_DATA", REPO.parent / "shared" / "data"))
CLI = os.environ.get("RUNLENS_CLI", str(REPO / "target" / "release" / "runlens"))
PY = sys.executable

sys.path.insert(0, str(REPO / "tests" / "python"))
from conftest import shared_inputs  # noqa: E402


def make_copies(root, n):
    inputs = shared_inputs()
    if not inputs:
        sys.exit(f"no shared data at {DATA}")
    made = []
    for i in range(n):
        src = inputs[i % len(inputs)]
        dst = root / f"{i:04d}-{src.name}"
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)
        made.append(dst)
    return made


def timed(cmds, env=None):
    start = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env) for c in cmds]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"failed: {err.decode()[-2000:]}")
    return time.perf_counter() - start


def fleet(logs, out, master):
    env = dict(os.environ, PYSPARK_SUBMIT_ARGS=f"--master {master} --driver-memory 2g pyspark-shell", PYSPARK_PYTHON=PY)
    return timed([[PY, "-m", "runlens.fleet", "--logs", str(logs), "--out", str(out)]], env)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory(prefix="runlens-fleet-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        logs = tmp / "logs"
        logs.mkdir()
        made = make_copies(logs, n)
        size = sum(f.stat().st_size for p in made for f in ([p] if p.is_file() else p.iterdir()))
        empty = tmp / "empty"
        empty.mkdir()
        paths = [str(p) for p in made]
        half = len(paths) // 2
        r = {}
        r["cli1"] = timed([[CLI, "summarize", "--json", *paths]])
        r["cli2"] = timed([[CLI, "summarize", "--json", *paths[:half]], [CLI, "summarize", "--json", *paths[half:]]])
        r["startup"] = fleet(empty, tmp / "o0", "local[2]")
        r["local1"] = fleet(logs, tmp / "o1", "local[1]")
        r["local2"] = fleet(logs, tmp / "o2", "local[2]")
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"{n} logs ({size / 1e6:.0f} MB on disk), {os.cpu_count()} cores ({cpu}), {time.strftime('%Y-%m-%d')}")
    print()
    print("| run | wall s | logs/s |")
    print("|---|---|---|")
    for k, label in [
        ("cli1", "`runlens summarize --json`, one process"),
        ("cli2", "`runlens summarize --json`, two processes"),
        ("startup", "fleet job, no logs (Spark start-up), local[2]"),
        ("local1", "fleet job, local[1]"),
        ("local2", "fleet job, local[2]"),
    ]:
        rate = "" if k == "startup" else f"{n / r[k]:.1f}"
        print(f"| {label} | {r[k]:.1f} | {rate} |")
    print()
    over1 = (r["local1"] - r["startup"] - r["cli1"]) / n * 1000
    print(f"per-log overhead of the job over the CLI (local[1], start-up excluded): {over1:.0f} ms")
    print(f"scaling local[1] → local[2]: {r['local1'] / r['local2']:.2f}×; CLI 1 → 2 processes: {r['cli1'] / r['cli2']:.2f}×")


if __name__ == "__main__":
    main()

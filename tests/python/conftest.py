"""Shared fixtures: the real logs of ../shared/data, the runlens CLI, a local[2] Spark session."""

import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("RUNLENS_DATA", REPO.parent / "shared" / "data"))

#: Files beside the logs that are notes about them, not logs.
NOT_LOGS = {"README.md", "MANIFEST.md", "INDEX.md", "expected.json"}


def data_dir():
    if not DATA.is_dir():
        pytest.skip(f"the real-data folder {DATA} is absent (set RUNLENS_DATA to run these tests)")
    return DATA


def shared_inputs():
    """Every run in the shared data, as the CLI takes it: a file, or a run's folder."""
    import runlens._core as core

    if not DATA.is_dir():
        return []
    out = []

    def walk(d):
        entries = sorted(d.iterdir())
        files = [e for e in entries if e.is_file() and e.name not in NOT_LOGS]
        if d != DATA and files and core.run_folder_layout([f.name for f in files]):
            out.append(d)
            return
        out.extend(files)
        for e in entries:
            if e.is_dir() and e.name != "expectations":
                walk(e)

    for top in ("spark-local", "spark-tests", "external"):
        if (DATA / top).is_dir():
            walk(DATA / top)
    return out


def cli_path():
    for env in ("RUNLENS_CLI",):
        if os.environ.get(env):
            return os.environ[env]
    for profile in ("release", "debug"):
        p = REPO / "target" / profile / "runlens"
        if p.is_file():
            return str(p)
    pytest.fail("no runlens CLI: build it (cargo build --release --bin runlens) or set RUNLENS_CLI")


def cli_summarize(path):
    """(records, stderr, exit code) of `runlens summarize --json PATH`."""
    r = subprocess.run(
        [cli_path(), "summarize", "--json", str(path)], capture_output=True, text=True, check=False
    )
    records = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return records, r.stderr, r.returncode


@pytest.fixture(scope="session")
def spark():
    # Not importorskip: the fleet tests are part of CI, a missing PySpark is a failure.
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("runlens-fleet-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    yield s
    s.stop()

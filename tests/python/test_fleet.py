"""The fleet job on local[2] over a folder of every shared log (rolling, Databricks-style and
multi-attempt folders, a corrupt file), checked row by row against the CLI."""

import gzip
import json
import shutil

import pytest

from conftest import DATA, cli_summarize, data_dir, shared_inputs
from runlens import fleet


def _databricks_folder(dst):
    """A Databricks cluster-log folder made from a real plain log: two gzip rotated parts and
    the live part `eventlog`, split at line boundaries."""
    src = DATA / "spark-local" / "app-20261121232835-0000"
    lines = src.read_bytes().splitlines(keepends=True)
    a, b = len(lines) // 3, 2 * len(lines) // 3
    d = dst / "0123-456789-abcdef" / "eventlog" / "0123-456789-abcdef_10_0_0_1" / "4242"
    d.mkdir(parents=True)
    (d / "eventlog-2026-11-21--23-00.gz").write_bytes(gzip.compress(b"".join(lines[:a])))
    (d / "eventlog-2026-11-21--23-30.gz").write_bytes(gzip.compress(b"".join(lines[a:b])))
    (d / "eventlog").write_bytes(b"".join(lines[b:]))
    return d


@pytest.fixture(scope="module")
def fleet_folder(tmp_path_factory):
    data_dir()
    root = tmp_path_factory.mktemp("logs")
    expected = {}
    for src in shared_inputs():
        rel = src.relative_to(DATA)
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)
        expected[str(rel)] = src
    db = _databricks_folder(root / "databricks")
    expected[str(db.relative_to(root))] = db
    (root / "corrupt.zstd").write_bytes(b"(\xb5/\xfd" + b"\x17" * 200)
    expected["corrupt.zstd"] = root / "corrupt.zstd"
    (root / "_SUCCESS").write_bytes(b"")
    (root / "notes.md").write_text("not a log")
    return root, expected


@pytest.fixture(scope="module")
def fleet_rows(spark, fleet_folder, tmp_path_factory):
    root, _ = fleet_folder
    out = tmp_path_factory.mktemp("out")
    # main() takes the caller's session (the fixture's local[2]), as under spark-submit.
    assert fleet.main(["--logs", str(root), "--out", str(out / "rows.parquet")]) == 0
    assert fleet.main(["--logs", str(root), "--out", str(out / "rows.json"), "--format", "json"]) == 0
    parquet = [r.asDict(recursive=True) for r in spark.read.parquet(str(out / "rows.parquet")).collect()]
    lines = []
    for part in sorted((out / "rows.json").glob("part-*.json")):
        lines += [json.loads(x) for x in part.read_text().splitlines() if x.strip()]
    return parquet, lines


def test_one_row_per_run_grouped_as_the_cli_reads_folders(fleet_rows, fleet_folder):
    parquet, lines = fleet_rows
    _, expected = fleet_folder
    assert sorted(r["source"] for r in parquet) == sorted(expected)
    assert sorted(r["source"] for r in lines) == sorted(expected)


def test_rows_match_the_cli(fleet_rows, fleet_folder):
    parquet, _ = fleet_rows
    _, expected = fleet_folder
    for row in parquet:
        if row["source"] == "corrupt.zstd":
            continue
        records, stderr, code = cli_summarize(expected[row["source"]])
        assert code == 0, stderr
        cli = records[0]
        for k in ("app_id", "app_name", "platform", "spark_version", "status", "error",
                  "duration_s", "executors", "tasks", "failed_tasks"):
            assert row[k] == cli[k], (row["source"], k)
        s = cli["straggler"]
        if s is None:
            assert row["straggler_executor"] is None, row["source"]
        else:
            assert (row["straggler_executor"], row["straggler_stage"], row["straggler_cause"],
                    row["straggler_excess_s"]) == (s["executor"], s["stage"], s["cause"], s["excess_s"])
        assert row["dpu_hours"] >= 0 and row["cost_usd"] >= 0
        assert row["wasted_usd"] >= 0 and row["wasted_usd"] <= row["cost_usd"] + 1e-9
        assert all(f["severity"] in ("info", "warning", "critical") for f in row["findings"])


def test_the_corrupt_file_is_a_row_with_the_cli_error(fleet_rows, fleet_folder):
    parquet, lines = fleet_rows
    _, expected = fleet_folder
    _, stderr, code = cli_summarize(expected["corrupt.zstd"])
    assert code == 1
    row = next(r for r in parquet if r["source"] == "corrupt.zstd")
    assert row["status"] == "unreadable"
    # The CLI names the file by the path it was given; the row by its path under --logs.
    assert row["error"] == stderr.strip().removeprefix("runlens: ").replace(
        str(expected["corrupt.zstd"]), "corrupt.zstd"
    )
    assert next(r for r in lines if r["source"] == "corrupt.zstd")["error"] == row["error"]


def test_the_databricks_and_rolling_folders_list_their_files(fleet_rows):
    parquet, _ = fleet_rows
    db = next(r for r in parquet if r["source"].startswith("databricks/"))
    assert [f.rsplit("/", 1)[-1] for f in db["files"]] == [
        "eventlog", "eventlog-2026-11-21--23-00.gz", "eventlog-2026-11-21--23-30.gz"
    ] or sorted(f.rsplit("/", 1)[-1] for f in db["files"]) == sorted(
        ["eventlog", "eventlog-2026-11-21--23-00.gz", "eventlog-2026-11-21--23-30.gz"])
    assert db["status"] == "succeeded"
    rolling = [r for r in parquet if "eventlog_v2_" in r["source"]]
    assert rolling and all(len(r["files"]) >= 2 for r in rolling)


def test_the_json_lines_have_every_key(fleet_rows):
    parquet, lines = fleet_rows
    keys = set(parquet[0])
    assert all(set(r) == keys for r in lines)
    by = {r["source"]: r for r in lines}
    for r in parquet:
        assert by[r["source"]]["duration_s"] == r["duration_s"]
        assert by[r["source"]]["start_epoch_ms"] == r["start_epoch_ms"]


def test_since_filters_by_modification_time(spark, fleet_folder):
    root, _ = fleet_folder
    assert fleet.list_runs(spark, str(root), since_ms=4102444800000) == []  # 2100-01-01
    assert len(fleet.list_runs(spark, str(root))) == len(fleet_folder[1])

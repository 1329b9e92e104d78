"""runlens.summarize against the CLI's `summarize --json`, on every shared log."""

import gzip

import pytest

import runlens
from conftest import DATA, cli_summarize, data_dir, shared_inputs

EXTRA_KEYS = {"findings", "straggler_detail", "cost"}
INPUTS = shared_inputs()


def test_the_shared_data_is_there():
    data_dir()
    assert len(INPUTS) >= 15, [str(p) for p in INPUTS]


@pytest.mark.parametrize("path", INPUTS, ids=[str(p.relative_to(DATA)) for p in INPUTS])
def test_summarize_is_the_cli_record_plus_findings(path):
    records, stderr, code = cli_summarize(path)
    assert code == 0, stderr
    got = runlens.summarize_all(str(path))
    assert len(got) == len(records)
    for mine, cli in zip(got, records):
        assert set(mine) == set(cli) | EXTRA_KEYS
        # Same keys in the CLI's order first, then the extras.
        assert list(mine)[: len(cli)] == list(cli)
        assert {k: mine[k] for k in cli} == cli
        assert all({"kind", "severity", "title", "detail"} <= set(f) for f in mine["findings"])
        if cli["straggler"] is None:
            assert mine["straggler_detail"] is None
        else:
            assert mine["straggler_detail"]["executor"] == cli["straggler"]["executor"]
            assert mine["straggler_detail"]["explanation"]
        assert mine["cost"]["dpu_hours"] >= 0


def _one(name):
    p = DATA / name
    if not p.exists():
        pytest.skip(f"{p} is absent")
    return p


def test_bytes_of_a_compressed_log_read_as_its_path():
    p = _one("spark-local/app-20261121233028-0000.lz4")
    by_path = runlens.summarize(p)
    by_bytes = runlens.summarize(p.read_bytes(), name=p.name)
    assert by_bytes["source"] == p.name
    by_path.pop("source")
    by_bytes.pop("source")
    assert by_bytes == by_path


def test_a_rolling_folder_given_as_its_files_reads_as_the_folder():
    d = _one("external/NVIDIA__spark-rapids-tools/eventlog_v2_local-1623876083964")
    folder = runlens.summarize(d)
    parts = [(f.name, f.read_bytes()) for f in sorted(d.iterdir())]
    as_files = runlens.summarize(parts, name=d.name)
    as_paths = runlens.summarize(sorted(d.iterdir()), name=d.name)
    for r in (folder, as_files, as_paths):
        r.pop("source")
        r["warnings"] = [w.replace(str(d), d.name) for w in r["warnings"]]
    assert as_files == as_paths
    for k in ("app_id", "duration_s", "tasks", "stages", "executors", "straggler", "status"):
        assert as_files[k] == folder[k], k


def test_a_gzip_log_given_as_bytes():
    p = _one("spark-local/app-20261121232506-0000")
    packed = gzip.compress(p.read_bytes())
    r = runlens.summarize(packed, name="s1-before.gz")
    assert r["tasks"] == runlens.summarize(p)["tasks"]


@pytest.mark.parametrize(
    "content",
    [b"", b"this is not an event log\n", b"(\xb5/\xfd" + b"\x00" * 64],
    ids=["empty", "text", "corrupt-zstd"],
)
def test_errors_carry_the_cli_message(tmp_path, content):
    f = tmp_path / "bad.zstd"
    f.write_bytes(content)
    records, stderr, code = cli_summarize(f)
    assert code == 1 and not records
    with pytest.raises(runlens.RunlensError) as e:
        runlens.summarize(str(f))
    assert f"runlens: {e.value}" == stderr.strip()
    assert str(f) in str(e.value)
    with pytest.raises(runlens.RunlensError) as b:
        runlens.summarize(content, name="bad.zstd")
    assert str(b.value) == str(e.value).replace(str(f), "bad.zstd")


def test_a_missing_path_is_an_error_naming_it(tmp_path):
    with pytest.raises(runlens.RunlensError, match="nope"):
        runlens.summarize(tmp_path / "nope")


def test_profiles_are_the_four_views():
    p = _one("spark-local/app-20261121232506-0000")
    profiles = runlens.analyse(p)
    assert runlens.profiles is runlens.analyse
    assert [v["view"] for v in profiles][:4] == ["Etl", "Shuffle", "Execution", "Memory"]
    assert all(v["lines"] for v in profiles[:4])
    # Event logs carry no CPU load (Glue's CloudWatch metrics do): that view is empty.
    assert all(not v["lines"] for v in profiles[4:])


def test_wrong_arguments_are_type_errors():
    with pytest.raises(TypeError):
        runlens.summarize(42)
    with pytest.raises(ValueError):
        runlens.summarize(b"x", price_per_dpu_hour=-1)

"""The fleet job: every Spark event log under a folder analysed on Spark itself, one row per run.

    python -m runlens.fleet --logs URI --out URI [--since DATE] [--price-per-dpu-hour X]
                            [--format parquet|json]

The driver lists the logs through the Hadoop file system Spark already has (local, HDFS, S3),
grouping a rolling ``eventlog_v2_*`` folder, a Spark 1 log folder and a Databricks folder into
one run. The executors read the bytes (Spark's ``binaryFile`` source) and analyse one run per task
with the Runlens core; a run that cannot be read or analysed becomes a row with its error, never a
failed job. Rows are written as Parquet (or JSON lines); the keys are documented in the README.
"""

import argparse
import datetime as _dt
import itertools
import json
import os
import sys

from . import DEFAULT_PRICE_PER_DPU_HOUR, _core

#: A file larger than this is not read into a task (Spark's binaryFile holds one file in one
#: array, at most 2 GiB): its run gets a row saying so.
MAX_FILE_BYTES = 2_000_000_000

#: Folders nested deeper than this under --logs are not listed (a guard against link loops).
MAX_DEPTH = 12

#: Names that are never logs: hidden and marker files, checksums, notes.
_SKIP_SUFFIXES = (".crc", ".md")


def _skip(name):
    return name.startswith(".") or name.startswith("_") or name.endswith(_SKIP_SUFFIXES)


def _schema():
    from pyspark.sql import types as T

    finding = T.StructType(
        [T.StructField("kind", T.StringType()), T.StructField("severity", T.StringType())]
    )
    fields = [
        ("source", T.StringType()),
        ("files", T.ArrayType(T.StringType())),
        ("app_id", T.StringType()),
        ("app_name", T.StringType()),
        ("job_name", T.StringType()),
        ("platform", T.StringType()),
        ("spark_version", T.StringType()),
        ("start", T.TimestampType()),
        ("start_epoch_ms", T.LongType()),
        ("duration_s", T.DoubleType()),
        ("status", T.StringType()),
        ("error", T.StringType()),
        ("executors", T.LongType()),
        ("tasks", T.LongType()),
        ("failed_tasks", T.LongType()),
        ("dpu_hours", T.DoubleType()),
        ("cost_usd", T.DoubleType()),
        ("price_per_dpu_hour", T.DoubleType()),
        ("straggler_executor", T.StringType()),
        ("straggler_stage", T.LongType()),
        ("straggler_cause", T.StringType()),
        ("straggler_excess_s", T.DoubleType()),
        ("findings", T.ArrayType(finding)),
        ("worst_severity", T.StringType()),
        ("top_fix", T.StringType()),
        ("saving_s", T.DoubleType()),
        ("saving_usd", T.DoubleType()),
        ("saving_basis", T.StringType()),
        ("wasted_usd", T.DoubleType()),
    ]
    return T.StructType([T.StructField(n, t) for n, t in fields]), [n for n, _ in fields]


def _parse_since(text):
    """Epoch milliseconds of a date (YYYY-MM-DD, UTC) or an ISO date-time."""
    try:
        if len(text) == 10:
            d = _dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=_dt.timezone.utc)
        else:
            d = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if d.tzinfo is None:
                d = d.replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        raise SystemExit(f"runlens.fleet: --since {text!r}: not a date (YYYY-MM-DD or ISO 8601)")
    return int(d.timestamp() * 1000)


class _Lister:
    """Lists runs under a root through Hadoop's FileSystem (the driver's JVM)."""

    def __init__(self, spark, root):
        jvm = spark._jvm
        self._Path = jvm.org.apache.hadoop.fs.Path
        self.root = self._Path(root)
        self.fs = self.root.getFileSystem(spark._jsc.hadoopConfiguration())
        status = self.fs.getFileStatus(self.root)
        self.root_uri = status.getPath().toString().rstrip("/")
        self.root_is_dir = status.isDirectory()

    def _rel(self, uri):
        if uri == self.root_uri:
            return uri.rsplit("/", 1)[-1]
        return uri[len(self.root_uri) + 1 :] if uri.startswith(self.root_uri + "/") else uri

    def runs(self):
        """[(source, [(uri, rel, size, mtime_ms)])] in path order."""
        out = []
        if not self.root_is_dir:
            st = self.fs.getFileStatus(self.root)
            uri = st.getPath().toString()
            out.append((self._rel(uri), [(uri, self._rel(uri), st.getLen(), st.getModificationTime())]))
            return out
        self._walk(self.root, 0, out)
        return out

    def _walk(self, path, depth, out):
        statuses = sorted(self.fs.listStatus(path), key=lambda s: s.getPath().getName())
        files = [s for s in statuses if s.isFile() and not _skip(s.getPath().getName())]
        dirs = [s for s in statuses if s.isDirectory() and not _skip(s.getPath().getName())]
        names = [s.getPath().getName() for s in files]
        if names and not dirs and _core.run_folder_layout(names):
            # A run's folder: all its files are one run (the core orders them when reading).
            uri = self.fs.getFileStatus(path).getPath().toString()
            parts = [
                (s.getPath().toString(), self._rel(s.getPath().toString()), s.getLen(), s.getModificationTime())
                for s in files
            ]
            out.append((self._rel(uri), parts))
            return
        for s in files:
            uri = s.getPath().toString()
            out.append((self._rel(uri), [(uri, self._rel(uri), s.getLen(), s.getModificationTime())]))
        if depth + 1 > MAX_DEPTH:
            return
        for d in dirs:
            self._walk(d.getPath(), depth + 1, out)


def list_runs(spark, logs, since_ms=None):
    """The runs under ``logs``: [(source, [(uri, relative path, bytes, mtime ms)])]."""
    runs = _Lister(spark, logs).runs()
    if since_ms is not None:
        runs = [r for r in runs if max(f[3] for f in r[1]) >= since_ms]
    return runs


def _escape_glob(uri):
    # binaryFile's load() expands globs: a literal name must not.
    out = []
    for c in uri:
        if c in "[]{}*?\\":
            out.append("\\")
        out.append(c)
    return "".join(out)


def _analyse_partition(rows, price):
    """Rows (run, order, path, content) sorted by run: one fleet row (JSON) per run."""
    from . import _core as core

    for source, group in itertools.groupby(rows, key=lambda r: r[0]):
        files = [(r[2].rsplit("/", 1)[-1], bytes(r[3])) for r in group]
        try:
            yield from json.loads(core.fleet_row(source, files, price))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # a panic in the core is a BaseException: still a row
            yield json.loads(
                core.unreadable_row(source, [f[0] for f in files], f"{source}: {type(e).__name__}: {e}")
            )


def _analyse_singles(spark, runs, price):
    """Runs of one file: read one file per partition and analyse it there (no shuffle)."""
    source_of = {files[0][0]: source for source, files in runs}
    content = spark.read.format("binaryFile").load([_escape_glob(u) for u in source_of])

    def rows(it):
        return _analyse_partition(((source_of.get(p, p), 0, p, c) for p, c in it), price)

    return content.select("path", "content").rdd.map(tuple).mapPartitions(rows).collect()


def _analyse_groups(spark, runs, price):
    """Runs of several files (rolling and Databricks folders): grouped by run (one partition
    each), in the order listed, then analysed together."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    keys = [(f[0], source, i) for source, files in runs for i, f in enumerate(files)]
    key_df = spark.createDataFrame(
        keys,
        T.StructType(
            [
                T.StructField("path", T.StringType()),
                T.StructField("run", T.StringType()),
                T.StructField("order", T.IntegerType()),
            ]
        ),
    )
    content = spark.read.format("binaryFile").load([_escape_glob(k[0]) for k in keys])
    joined = content.select("path", "content").join(F.broadcast(key_df), "path")
    ordered = joined.repartition(len(runs), "run").sortWithinPartitions("run", "order")
    return (
        ordered.select("run", "order", "path", "content")
        .rdd.map(tuple)
        .mapPartitions(lambda it: _analyse_partition(it, price))
        .collect()
    )


def analyse(spark, runs, price=DEFAULT_PRICE_PER_DPU_HOUR):
    """Fleet rows (dicts) of the listed runs, analysed on the executors, one run per task."""
    rows = []
    readable = []
    for source, files in runs:
        big = [f for f in files if f[2] > MAX_FILE_BYTES]
        if big:
            msg = f"{big[0][0]}: {big[0][2]:,} bytes, more than one task reads ({MAX_FILE_BYTES:,}); summarize it with the runlens CLI"
            rows.append(json.loads(_core.unreadable_row(source, [f[1] for f in files], msg)))
        else:
            readable.append((source, files))
    if readable:
        conf = spark.conf
        max_split = conf.get("spark.sql.files.maxPartitionBytes", "134217728")
        overrides = {
            # A file that vanished or cannot be read after listing drops out (its run then gets
            # an error row below) instead of failing the job.
            "spark.sql.files.ignoreMissingFiles": "true",
            "spark.sql.files.ignoreCorruptFiles": "true",
            # Each file costs a whole split: one log per partition, so one per task.
            "spark.sql.files.openCostInBytes": max_split,
        }
        saved = {k: conf.get(k, None) for k in overrides}
        for k, v in overrides.items():
            conf.set(k, v)
        price = float(price)
        try:
            singles = [(s_, f) for s_, f in readable if len(f) == 1]
            multis = [(s_, f) for s_, f in readable if len(f) > 1]
            out = []
            if singles:
                out += _analyse_singles(spark, singles, price)
            if multis:
                out += _analyse_groups(spark, multis, price)
        finally:
            for k, v in saved.items():
                if v is None:
                    conf.unset(k)
                else:
                    conf.set(k, v)
        got = out
        seen = {r["source"].split("!/", 1)[0] for r in got}
        rows.extend(got)
        for source, files in readable:
            if source not in seen:
                msg = f"{source}: could not be read (it vanished or is unreadable since it was listed)"
                rows.append(json.loads(_core.unreadable_row(source, [f[1] for f in files], msg)))
    # The row's files are relative to --logs (the page's ?logs= prefix joins them).
    rel = {source: [f[1] for f in files] for source, files in runs}
    for r in rows:
        r["files"] = rel.get(r["source"].split("!/", 1)[0], r.get("files") or [])
    rows.sort(key=lambda r: r["source"])
    return rows


def _spark_row(r, names):
    ms = r.get("start_epoch_ms")
    values = dict(r)
    values["start"] = (
        _dt.datetime.fromtimestamp(ms / 1000.0, tz=_dt.timezone.utc) if ms is not None else None
    )
    values["findings"] = [(f["kind"], f["severity"]) for f in r.get("findings") or []]
    return tuple(values.get(n) for n in names)


def write(spark, rows, out, fmt="parquet"):
    """Writes the rows to ``out`` (a folder, as Spark writes) as Parquet or JSON lines."""
    schema, names = _schema()
    df = spark.createDataFrame([_spark_row(r, names) for r in rows], schema).coalesce(1)
    w = df.write.mode("overwrite")
    if fmt == "json":
        # Nulls written out, so every line has every key; times in UTC.
        w.option("ignoreNullFields", "false").option(
            "timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        ).json(out)
    else:
        w.parquet(out)
    return df


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m runlens.fleet",
        description="Analyse every Spark event log under a folder on Spark, one row per run.",
    )
    p.add_argument("--logs", required=True, help="folder (or file) of event logs: a path or a Hadoop URI (hdfs://, s3a://)")
    p.add_argument("--out", required=True, help="where to write the rows (a folder, as Spark writes)")
    p.add_argument("--since", help="only runs whose files changed on or after this date (YYYY-MM-DD, UTC, or ISO 8601)")
    p.add_argument("--price-per-dpu-hour", type=float, default=DEFAULT_PRICE_PER_DPU_HOUR, help="US dollars (default %(default)s)")
    p.add_argument("--format", choices=("parquet", "json"), default="parquet", help="parquet (default) or JSON lines")
    a = p.parse_args(argv)
    if not (a.price_per_dpu_hour >= 0 and a.price_per_dpu_hour != float("inf")):
        p.error("--price-per-dpu-hour must be a non-negative number")
    since = _parse_since(a.since) if a.since else None

    from pyspark.sql import SparkSession

    # The caller's session when there is one (spark-submit, a Glue job), else a new one.
    spark = SparkSession.getActiveSession()
    if spark is None:
        # A session of our own (local[*] unless spark-submit says otherwise): its Python workers
        # are this interpreter, which has runlens, unless the user chose one.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        spark = SparkSession.builder.appName("runlens-fleet").getOrCreate()
    try:
        runs = list_runs(spark, a.logs, since)
    except Exception as e:  # noqa: BLE001 - the listing failing is the one fatal error
        print(f"runlens.fleet: {a.logs}: cannot list: {e}", file=sys.stderr)
        return 1
    try:
        rows = analyse(spark, runs, a.price_per_dpu_hour)
    except Exception as e:  # noqa: BLE001 - a run's failure is a row; this is the job's set-up
        text = str(e)
        if "No module named 'runlens'" in text:
            print(
                "runlens.fleet: the executors' Python has no runlens: install the wheel there "
                "(Glue: --additional-python-modules; spark-submit: a venv via --archives and "
                "PYSPARK_PYTHON)",
                file=sys.stderr,
            )
            return 1
        raise
    write(spark, rows, a.out, a.format)
    bad = sum(1 for r in rows if r["status"] == "unreadable")
    print(f"runlens.fleet: {len(rows)} runs from {a.logs} to {a.out} ({bad} unreadable)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

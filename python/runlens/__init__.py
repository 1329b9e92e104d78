"""Runlens for Python: the core of the Runlens page and CLI (Rust), for one run or a fleet of them.

>>> import runlens
>>> s = runlens.summarize("app-20261121232506-0000")
>>> s["duration_s"], s["straggler"]["executor"]

``summarize`` gives exactly the keys of ``runlens summarize --json`` (same values, same rounding),
plus ``findings``, ``straggler_detail`` (the straggler in full) and ``cost``. Inputs are whatever
the CLI reads — plain or compressed event logs, rolling and Databricks folders, ZIP archives,
CloudWatch exports, run files — given as a path, as bytes, or as the files of one run.
"""

import json
import os

from . import _core
from ._core import RunlensError

__all__ = ["summarize", "summarize_all", "analyse", "profiles", "RunlensError", "DEFAULT_PRICE_PER_DPU_HOUR"]
__version__ = _core.__version__

#: AWS Glue's price of a DPU-hour in US dollars (the CLI's default).
DEFAULT_PRICE_PER_DPU_HOUR = 0.44


def _as_files(source, name):
    """(input name, [(file name, bytes)]) for bytes or a sequence of files; None for a path."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        label = name or "<bytes>"
        return label, [(label, bytes(source))]
    if isinstance(source, (list, tuple)):
        files = []
        for item in source:
            if isinstance(item, (tuple, list)) and len(item) == 2:
                file_name, data = item
                files.append((str(file_name), bytes(data)))
            elif isinstance(item, (str, os.PathLike)):
                path = os.fspath(item)
                with open(path, "rb") as f:
                    files.append((os.path.basename(path), f.read()))
            else:
                raise TypeError("a run's files are paths or (name, bytes) pairs")
        if not files:
            raise RunlensError(f"{name or 'files'}: no files")
        label = name or (files[0][0] if len(files) == 1 else f"{len(files)} files")
        return label, files
    return None


def _path(source):
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    raise TypeError(
        "summarize takes a path, bytes, or a list of a run's files (paths or (name, bytes) pairs)"
    )


def summarize_all(source, name=None, *, price_per_dpu_hour=DEFAULT_PRICE_PER_DPU_HOUR):
    """Every run of the input (several only for a ZIP archive of runs), as ``summarize`` gives one."""
    files = _as_files(source, name)
    if files is None:
        text = _core.summarize_path(_path(source), float(price_per_dpu_hour))
    else:
        text = _core.summarize_files(files[0], files[1], float(price_per_dpu_hour))
    return json.loads(text)


def summarize(source, name=None, *, price_per_dpu_hour=DEFAULT_PRICE_PER_DPU_HOUR):
    """The summary of one run: ``runlens summarize --json``'s keys plus findings, straggler, cost.

    ``source``: a path (file, folder, ``ARCHIVE!/ENTRY``), bytes of one file, or a list of the
    files of one run (paths, or (name, bytes) pairs: a rolling log's parts). ``name`` names bytes
    in messages and as ``source``. Raises ``RunlensError`` with the CLI's message.
    """
    runs = summarize_all(source, name, price_per_dpu_hour=price_per_dpu_hour)
    if len(runs) != 1:
        entries = " or ".join(r["source"] for r in runs)
        label = name or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else "input")
        raise RunlensError(f"{label}: the archive holds {len(runs)} runs; name one as {entries}")
    return runs[0]


def analyse(source, name=None, *, period_s=None):
    """The four views' series (ETL data movement, shuffle, job execution, memory) of one run,
    binned every ``period_s`` seconds (default: the page's period for the run's length)."""
    files = _as_files(source, name)
    period = float(period_s or 0.0)
    if files is None:
        path = _path(source)
        text = _core.profiles(path, [], period, path)
    else:
        text = _core.profiles(files[0], files[1], period)
    return json.loads(text)


#: ``analyse`` under the name of what it returns.
profiles = analyse

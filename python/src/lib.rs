//! `runlens._core`: the Runlens core for Python. Thin glue: every figure comes from the `runlens`
//! crate (the CLI's and the page's code); results cross as JSON text, which `runlens/__init__.py`
//! turns into dicts (one conversion, with the CLI's exact keys and rounding).

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;

use runlens::analysis;
use runlens::fleet;
use runlens::ingest::event_log::layout;
use runlens::ingest::fs::load_path_all;
use runlens::ingest::pipeline::{ingest_files, Loaded};

create_exception!(
    _core,
    RunlensError,
    PyValueError,
    "An input Runlens cannot read; the message is the CLI's (it names the file and what is wrong)."
);

fn err(e: impl std::fmt::Display) -> PyErr {
    RunlensError::new_err(e.to_string())
}

/// The runs of a path (file, directory, `ARCHIVE!/ENTRY`), as the CLI reads it.
fn load_path(py: Python<'_>, path: &str) -> PyResult<Vec<Loaded>> {
    py.detach(|| load_path_all(std::path::Path::new(path)))
        .map_err(err)
}

/// The files as borrowed slices, for the core.
fn slices(files: &[(String, PyBackedBytes)]) -> Vec<(String, &[u8])> {
    files.iter().map(|(n, b)| (n.clone(), b.as_ref())).collect()
}

/// The runs of files given as bytes (one file, or the files of one run).
fn load_files(
    py: Python<'_>,
    input: &str,
    files: &[(String, PyBackedBytes)],
) -> PyResult<Vec<Loaded>> {
    let borrowed = slices(files);
    py.detach(|| ingest_files(input, &borrowed)).map_err(err)
}

fn to_json(v: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(v).map_err(err)
}

/// `summarize --json`'s records plus the findings, the straggler in full and the cost.
fn summaries(py: Python<'_>, source: &str, all: Vec<Loaded>, price: f64) -> PyResult<String> {
    let records: Vec<fleet::record::FullSummary> = py.detach(|| {
        all.iter()
            .map(|l| {
                let src = l.entry.clone().unwrap_or_else(|| source.to_string());
                fleet::record::full_summary(&src, l, price)
            })
            .collect()
    });
    to_json(&records)
}

fn check_price(price: f64) -> PyResult<()> {
    if price.is_finite() && price >= 0.0 {
        Ok(())
    } else {
        Err(PyValueError::new_err(
            "price_per_dpu_hour must be a non-negative number",
        ))
    }
}

/// Summaries (JSON list) of the runs at a path.
#[pyfunction]
fn summarize_path(py: Python<'_>, path: &str, price_per_dpu_hour: f64) -> PyResult<String> {
    check_price(price_per_dpu_hour)?;
    let all = load_path(py, path)?;
    summaries(py, path, all, price_per_dpu_hour)
}

/// Summaries (JSON list) of the runs in files given as (name, bytes).
#[pyfunction]
fn summarize_files(
    py: Python<'_>,
    input: &str,
    files: Vec<(String, PyBackedBytes)>,
    price_per_dpu_hour: f64,
) -> PyResult<String> {
    check_price(price_per_dpu_hour)?;
    let all = load_files(py, input, &files)?;
    summaries(py, input, all, price_per_dpu_hour)
}

/// The four profiles (JSON) of one run at a path or in files, at a period (seconds; 0: default).
#[pyfunction]
#[pyo3(signature = (input, files, period_s, path=None))]
fn profiles(
    py: Python<'_>,
    input: &str,
    files: Vec<(String, PyBackedBytes)>,
    period_s: f64,
    path: Option<&str>,
) -> PyResult<String> {
    let mut all = match path {
        Some(p) => load_path(py, p)?,
        None => load_files(py, input, &files)?,
    };
    if all.len() != 1 {
        return Err(err(format!(
            "{input}: the archive holds {} runs; profiles are for one",
            all.len()
        )));
    }
    let loaded = all.remove(0);
    let period = if period_s > 0.0 {
        period_s
    } else {
        analysis::profiles::default_period_s(loaded.run.meta.duration_s)
    };
    let p = py.detach(|| analysis::profiles::profiles(&loaded.run, period));
    to_json(&p)
}

/// The fleet rows (JSON list) of one input given as its files: one per run (several for an
/// archive); an unreadable input gives a row with its error.
#[pyfunction]
fn fleet_row(
    py: Python<'_>,
    source: &str,
    files: Vec<(String, PyBackedBytes)>,
    price_per_dpu_hour: f64,
) -> PyResult<String> {
    check_price(price_per_dpu_hour)?;
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let borrowed = slices(&files);
    // The core's message as is (the CLI's), not the Python exception's text.
    let rows = py.detach(|| match ingest_files(source, &borrowed) {
        Ok(all) => fleet::row::of_runs(source, &names, &all, price_per_dpu_hour),
        Err(e) => vec![fleet::row::unreadable(source, &names, &e.to_string())],
    });
    to_json(&rows)
}

/// The row (JSON) of a run that could not be read at all (too large, vanished, unreadable).
#[pyfunction]
fn unreadable_row(source: &str, files: Vec<String>, message: &str) -> PyResult<String> {
    to_json(&fleet::row::unreadable(source, &files, message))
}

/// The layout (`rolling`, `v1`, `databricks`) when a folder's file names are one run's parts.
#[pyfunction]
fn run_folder_layout(names: Vec<String>) -> Option<&'static str> {
    layout::plan_directory(&names).ok().map(|p| p.layout)
}

/// The Runlens core: summaries, profiles and fleet rows of Spark and Glue runs.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("RunlensError", m.py().get_type::<RunlensError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(summarize_path, m)?)?;
    m.add_function(wrap_pyfunction!(summarize_files, m)?)?;
    m.add_function(wrap_pyfunction!(profiles, m)?)?;
    m.add_function(wrap_pyfunction!(fleet_row, m)?)?;
    m.add_function(wrap_pyfunction!(unreadable_row, m)?)?;
    m.add_function(wrap_pyfunction!(run_folder_layout, m)?)?;
    Ok(())
}

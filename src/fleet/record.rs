//! The summary record in full: `runlens summarize --json`'s keys, in its order, then the
//! findings, the straggler as the analysis has it and the cost (what `runlens.summarize` returns
//! in Python).

use serde::Serialize;

use crate::analysis::findings::Finding;
use crate::analysis::straggler::Straggler;
use crate::analysis::summary::{Cost, SummaryRecord};
use crate::analysis::{self};
use crate::ingest::pipeline::Loaded;

/// A summary record with the findings, the straggler in full and the cost.
#[derive(Clone, Debug, Serialize)]
pub struct FullSummary {
    /// The `summarize --json` keys.
    #[serde(flatten)]
    pub record: SummaryRecord,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// The straggler with its explanation and advice, or null.
    pub straggler_detail: Option<Straggler>,
    /// DPU-hours and cost.
    pub cost: Cost,
}

/// The full record of `loaded` read from `source`, at a price per DPU-hour.
pub fn full_summary(source: &str, loaded: &Loaded, price_per_dpu_hour: f64) -> FullSummary {
    let a = analysis::analyse(&loaded.run, price_per_dpu_hour);
    let record =
        analysis::summary::record(source, loaded.format, &loaded.run, a.straggler.as_ref());
    FullSummary {
        record,
        findings: a.findings,
        straggler_detail: a.straggler,
        cost: a.cost,
    }
}

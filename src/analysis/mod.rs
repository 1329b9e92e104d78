//! Analysis: run totals, the four profiles, straggler detection and findings. Pure functions of a
//! `model::Run`; the same code serves the CLI and the page.

pub mod compare;
pub mod findings;
pub mod platform;
pub mod profiles;
mod series_straggler;
pub mod straggler;
pub mod summary;
pub mod tables;
pub mod timeline;

use crate::model::Run;

/// Everything the summary header and the callouts show about one run.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    /// Totals.
    pub totals: summary::Totals,
    /// The straggler, if any.
    pub straggler: Option<straggler::Straggler>,
    /// DPU-hours and cost.
    pub cost: summary::Cost,
    /// Findings, most severe first.
    pub findings: Vec<findings::Finding>,
    /// Where the run ran, if the run tells.
    pub platform: Option<platform::Platform>,
}

/// Analyses a run at a price per DPU-hour.
pub fn analyse(run: &Run, price_per_dpu_hour: f64) -> Analysis {
    let totals = summary::totals(run);
    let straggler = straggler::detect(run);
    let cost = summary::cost(run, &totals, price_per_dpu_hour);
    let findings = findings::findings(run, &totals, straggler.as_ref(), &cost);
    Analysis {
        totals,
        straggler,
        cost,
        findings,
        platform: platform::detect(run),
    }
}

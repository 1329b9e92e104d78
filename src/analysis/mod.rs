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
    let mut a = analyse_without_findings(run, price_per_dpu_hour);
    a.findings = findings::findings(run, &a.totals, a.straggler.as_ref(), &a.cost);
    a
}

/// What the charts and the summary header need (totals, straggler, cost, platform), without
/// the findings: the page computes this much for the runs it reads itself and has a worker make
/// the findings, so that their code stays out of what the first render downloads.
pub fn analyse_without_findings(run: &Run, price_per_dpu_hour: f64) -> Analysis {
    let totals = summary::totals(run);
    let straggler = straggler::detect(run);
    let cost = summary::cost(run, &totals, price_per_dpu_hour);
    Analysis {
        totals,
        straggler,
        cost,
        findings: Vec::new(),
        platform: platform::detect(run),
    }
}

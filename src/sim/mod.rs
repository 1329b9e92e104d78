//! The shuffle/grouping simulator: a deterministic discrete-event simulation of a Spark / AWS Glue
//! job on a cluster, producing a `model::Run` (`meta.simulated = true`) that is drawn and analysed
//! like a measured run. Plain Rust with no threads, clocks or files, so it runs natively and in
//! wasm32. See docs/simulator.md for the model, its parameters and their sources.

pub mod broadcast;
pub mod calibrate;
pub mod changes;
pub mod cluster;
pub mod cost;
pub mod engine;
pub mod limits;
pub mod output;
pub mod partitioning;
pub mod plan;
pub mod presets;
pub mod rates;
pub mod reach;
pub mod rng;
pub mod scenario;
pub mod sweep;

pub use rates::Rates;
pub use scenario::Scenario;

use crate::model::Run;

/// Simulates `scenario`; the error names what is wrong with it.
pub fn simulate(scenario: &Scenario) -> Result<Run, String> {
    simulate_planned(scenario).map(|(run, _)| run)
}

/// Simulates `scenario`; also says, per simulated stage id, whether its measured tasks were
/// replayed (its plan unchanged) or planned anew.
pub fn simulate_planned(scenario: &Scenario) -> Result<(Run, Vec<(u64, bool)>), String> {
    // Every setting in range and the work within budget, before anything is allocated.
    limits::check_scenario(scenario)?;
    // Joins under the broadcast threshold are planned as broadcast hash joins first.
    let s = broadcast::effective(scenario);
    let sim = engine::run(&s)?;
    let planned: Vec<(u64, bool)> = sim.stages.iter().map(|st| (st.id, st.replayed)).collect();
    let run = output::build_run(&s, &sim);
    // A result that is not a number is a failure of the model, never a finished run.
    let finite = run.meta.duration_s.is_finite()
        && run
            .tasks
            .iter()
            .all(|t| t.launch_s.is_finite() && t.finish_s.is_none_or(f64::is_finite));
    if !finite {
        return Err(
            "the simulation did not give finite times (a setting or rate drives it out of range): no prediction"
                .into(),
        );
    }
    Ok((run, planned))
}

/// A what-if on a measured run: the calibrated scenario, its unchanged simulation (the
/// baseline), the changed scenario and its simulation (the prediction).
#[derive(Clone, Debug)]
pub struct WhatIf {
    /// The calibrated scenario.
    pub calibrated: Scenario,
    /// The simulated run of the calibrated scenario, unchanged.
    pub baseline: Run,
    /// The scenario with the changes applied.
    pub changed: Scenario,
    /// The simulated run of the changed scenario.
    pub predicted: Run,
    /// Notes from calibration and from applying the changes.
    pub notes: Vec<String>,
}

/// Calibrates on `measured`, applies `changes` (`KEY=VALUE`) and simulates both.
pub fn whatif<S: AsRef<str>>(measured: &Run, changes: &[S]) -> Result<WhatIf, String> {
    let parsed = changes::parse_all(changes)?;
    let cal = calibrate::calibrate(measured)?;
    let (baseline, base_plan) = simulate_planned(&cal.scenario)?;
    let mut changed = cal.scenario.clone();
    let mut notes = cal.notes;
    notes.extend(changes::apply(&mut changed, &parsed)?);
    let (predicted, plan) = simulate_planned(&changed)?;
    notes.extend(reach::notes(
        &cal.scenario,
        &changed,
        &baseline,
        &base_plan,
        &plan,
    ));
    Ok(WhatIf {
        calibrated: cal.scenario,
        baseline,
        changed,
        predicted,
        notes,
    })
}

//! "Where the time went": the settings that differ between the two runs, then each stage's wall
//! time before and after as paired bars, the largest change first (`analysis::compare`).

use leptos::prelude::*;

use super::state::Dash;
use crate::analysis::compare::{MatchRule, StageMatch};
use crate::model::units::{format_bytes, format_duration};

/// Stages shown before "Show all".
const FIRST_STAGES: usize = 15;
/// Settings shown before "Show all".
const FIRST_SETTINGS: usize = 12;

fn rule(m: &StageMatch) -> &'static str {
    match m.matched_by {
        Some(MatchRule::PlanNodes) => "same call site and plan nodes",
        Some(MatchRule::Operators) => "same call site and operators (plan renumbered)",
        Some(MatchRule::CallSite) => "same call site, in submission order",
        None if m.before.is_none() => "new in the after run",
        None => "gone from the after run",
    }
}

fn ids(m: &StageMatch) -> String {
    match (&m.before, &m.after) {
        (Some(b), Some(a)) if b.id == a.id => format!("{}", b.id),
        (Some(b), Some(a)) => format!("{} → {}", b.id, a.id),
        (Some(b), None) => format!("{} (gone)", b.id),
        (None, Some(a)) => format!("new {}", a.id),
        (None, None) => String::new(),
    }
}

fn signed(s: f64) -> String {
    if s.abs() < 0.0005 {
        return "±0".into();
    }
    let sign = if s < 0.0 { "−" } else { "+" };
    format!("{sign}{}", format_duration(s.abs()))
}

/// The comparison of the two columns' runs; absent unless both are loaded.
#[component]
pub fn WhereTheTimeWent(dash: Dash) -> impl IntoView {
    let all_stages = RwSignal::new(false);
    let all_settings = RwSignal::new(false);
    move || {
        // The comparison stands on both runs' tables: asked of a worker when not made yet.
        for side in dash.sides() {
            if let Some(r) = dash.slots[side.index()].with(|s| s.ready()) {
                dash.ask_tables(&r);
            }
        }
        let c = dash.comparison.get()?;
        let max_wall = c
            .stages
            .iter()
            .flat_map(|m| [m.before.as_ref(), m.after.as_ref()])
            .flatten()
            .map(|s| s.wall_s)
            .fold(0.0, f64::max)
            .max(1e-9);
        let n_stages = c.stages.len();
        let n_settings = c.settings_changed.len();
        let new = c.stages.iter().filter(|m| m.before.is_none()).count();
        let gone = c.stages.iter().filter(|m| m.after.is_none()).count();
        let show_stages = if all_stages.get() {
            n_stages
        } else {
            FIRST_STAGES
        };
        let show_settings = if all_settings.get() {
            n_settings
        } else {
            FIRST_SETTINGS
        };
        let settings = c
            .settings_changed
            .iter()
            .take(show_settings)
            .map(|s| {
                view! {
                    <tr data-setting=s.key.clone()>
                        <th scope="row">{s.key.clone()}</th>
                        <td>{s.before.clone().unwrap_or_else(|| "(not set)".into())}</td>
                        <td>{s.after.clone().unwrap_or_else(|| "(not set)".into())}</td>
                    </tr>
                }
            })
            .collect_view();
        let bar = |wall: Option<f64>, class: &'static str| {
            let pct = wall.map_or(0.0, |w| (w / max_wall * 100.0).clamp(0.0, 100.0));
            let label = wall.map_or_else(|| "–".into(), format_duration);
            view! {
                <span class="bar-line">
                    // Through the CSSOM (`style:`): the page's CSP refuses style attributes.
                    <span class=format!("bar {class}") style:width=format!("{pct:.2}%")></span>
                    <span class="bar-value">{label}</span>
                </span>
            }
        };
        let rows = c
            .stages
            .iter()
            .take(show_stages)
            .map(|m| {
                let b = m.before.as_ref().map(|s| s.wall_s);
                let a = m.after.as_ref().map(|s| s.wall_s);
                let shuffle = match (&m.before, &m.after) {
                    (Some(b), Some(a)) if b.shuffle_write_bytes != a.shuffle_write_bytes => {
                        Some(format!(
                            "shuffle write {} → {}",
                            format_bytes(b.shuffle_write_bytes as f64),
                            format_bytes(a.shuffle_write_bytes as f64)
                        ))
                    }
                    _ => None,
                };
                let class = if m.delta_s.abs() < 0.0005 {
                    "delta"
                } else if m.delta_s < 0.0 {
                    "delta faster"
                } else {
                    "delta slower"
                };
                view! {
                    <tr data-stage-match=ids(m)>
                        <th scope="row">
                            <span class="stage-ids">{format!("Stage {}", ids(m))}</span>
                            <span class="stage-name" title=m.name.clone()>{m.name.clone()}</span>
                            <span class="match-rule">{rule(m)}</span>
                        </th>
                        <td class="bars">
                            {bar(b, "before")}
                            {bar(a, "after")}
                        </td>
                        <td class=class>
                            {signed(m.delta_s)}
                            {shuffle.map(|s| view! { <span class="bytes-change">{s}</span> })}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        Some(view! {
            <section class="timewent" aria-label="Where the time went">
                <h2>"Where the time went"</h2>
                <p class="compare-summary" data-compare-summary="">{c.summary.clone()}</p>
                <h3>{format!("What changed ({n_settings} setting{})", if n_settings == 1 { "" } else { "s" })}</h3>
                {if n_settings == 0 {
                    view! { <p class="none" data-none="">"No Spark or Glue setting differs between the two runs."</p> }.into_any()
                } else {
                    view! {
                        <table class="data settings" data-settings="">
                            <thead><tr><th scope="col">"Setting"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                            <tbody>{settings}</tbody>
                        </table>
                        {(n_settings > FIRST_SETTINGS).then(|| view! {
                            <button class="link" on:click=move |_| all_settings.update(|a| *a = !*a)>
                                {move || if all_settings.get() { "Show fewer settings".to_string() } else { format!("Show all {n_settings} settings") }}
                            </button>
                        })}
                    }.into_any()
                }}
                <h3>{format!("Stages, the largest change first ({n_stages}: {new} new, {gone} gone)")}</h3>
                <p class="legend-inline">
                    <span class="swatch before"></span>" before · "
                    <span class="swatch after"></span>" after: wall time, first submission to last completion"
                </p>
                <table class="data stage-pairs" data-stage-pairs="">
                    <thead><tr><th scope="col">"Stage"</th><th scope="col">"Wall time"</th><th scope="col">"Change"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
                {(n_stages > FIRST_STAGES).then(|| view! {
                    <button class="link" on:click=move |_| all_stages.update(|a| *a = !*a)>
                        {move || if all_stages.get() { "Show the largest 15".to_string() } else { format!("Show all {n_stages} stages") }}
                    </button>
                })}
            </section>
        })
    }
}

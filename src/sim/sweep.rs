//! A search over configurations: calibrate once on a measured run, simulate every combination of
//! the values given for a few settings, and pick the frontier of time against cost and the
//! cheapest configuration that meets a deadline (`runlens sweep`, the page's sweep panel).

use serde::{Deserialize, Serialize};

use super::{calibrate, changes, simulate, Scenario};
use crate::analysis::summary::{cost, totals};
use crate::model::{Run, RunStatus};

/// Most configurations one sweep simulates (a product of axes beyond it is an error).
pub const MAX_CONFIGURATIONS: usize = 10_000;

/// One setting and the values it takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// A what-if key (`changes::known_keys`).
    pub key: String,
    /// Its values, as given (each a valid `KEY=VALUE`).
    pub values: Vec<String>,
}

/// Parses `KEY=V1,V2,…` or `KEY=FROM..TO[:STEP]` (whole numbers; step 1 by default).
pub fn parse_axis(spec: &str) -> Result<Axis, String> {
    let (key, rhs) = spec
        .split_once('=')
        .ok_or_else(|| format!("--vary {spec:?}: expected KEY=LIST or KEY=FROM..TO[:STEP]"))?;
    let key = key.trim();
    let rhs = rhs.trim();
    let values: Vec<String> = if let Some((from, rest)) = rhs.split_once("..") {
        let (to, step) = rest.split_once(':').unwrap_or((rest, "1"));
        let num = |s: &str, what: &str| {
            s.trim().parse::<u64>().map_err(|_| {
                format!("--vary {key}: {what} {s:?} is not a whole number (ranges take whole numbers; give a list for others)")
            })
        };
        let (from, to, step) = (num(from, "FROM")?, num(to, "TO")?, num(step, "STEP")?);
        if step == 0 || to < from {
            return Err(format!(
                "--vary {key}: a range needs FROM ≤ TO and a STEP ≥ 1"
            ));
        }
        let n = (to - from) / step + 1;
        if n as usize > MAX_CONFIGURATIONS {
            return Err(format!(
                "--vary {key}: {n} values, more than the {MAX_CONFIGURATIONS} configurations a sweep simulates"
            ));
        }
        (0..n).map(|i| (from + i * step).to_string()).collect()
    } else {
        rhs.split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    if values.is_empty() {
        return Err(format!("--vary {key}: no values"));
    }
    for v in &values {
        changes::parse(&format!("{key}={v}"))?;
    }
    Ok(Axis {
        key: key.to_string(),
        values,
    })
}

/// Duration, DPU-hours, cost and status of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Wall time, seconds.
    pub duration_s: f64,
    /// DPU-hours (Glue workers × DPU × time, else executor-hours at 1 DPU).
    pub dpu_hours: f64,
    /// US dollars at the price given.
    pub usd: f64,
    /// `succeeded` | `failed` | `incomplete`.
    pub status: String,
    /// The failure message, or null.
    pub error: Option<String>,
}

impl Outcome {
    /// The outcome of `run` at `price` per DPU-hour.
    pub fn of(run: &Run, price: f64) -> Outcome {
        let c = cost(run, &totals(run), price);
        // Rounded for reading; small runs still differ at four decimals.
        let r = |x: f64, k: f64| (x * k).round() / k;
        Outcome {
            duration_s: r(run.meta.duration_s, 1e3),
            dpu_hours: r(c.dpu_hours, 1e4),
            usd: r(c.usd, 1e4),
            status: run.meta.status.as_str().to_string(),
            error: run.meta.error.clone(),
        }
    }

    fn ok(&self) -> bool {
        self.status == RunStatus::Succeeded.as_str()
    }
}

/// One simulated configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Configuration {
    /// The value of each axis, in axis order (in JSON an object, key → value).
    #[serde(
        serialize_with = "settings_as_object",
        deserialize_with = "settings_from_object"
    )]
    pub settings: Vec<(String, String)>,
    /// What the simulation predicts.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// On the Pareto frontier of time against cost (succeeded configurations only).
    pub on_frontier: bool,
    /// Finishes by the deadline (null without one).
    pub meets_deadline: Option<bool>,
}

fn settings_as_object<S: serde::Serializer>(
    v: &[(String, String)],
    ser: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = ser.serialize_map(Some(v.len()))?;
    for (k, x) in v {
        m.serialize_entry(k, x)?;
    }
    m.end()
}

fn settings_from_object<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> Result<Vec<(String, String)>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<(String, String)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of setting → value")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(kv) = m.next_entry::<String, String>()? {
                out.push(kv);
            }
            Ok(out)
        }
    }
    de.deserialize_map(V)
}

/// A sweep's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The input, as named by the caller.
    pub source: String,
    /// The measured run.
    pub measured: Outcome,
    /// The calibrated scenario simulated unchanged.
    pub baseline: Outcome,
    /// The deadline, seconds, or null.
    pub deadline_s: Option<f64>,
    /// US dollars per DPU-hour used.
    pub price_per_dpu_hour: f64,
    /// The axes, as parsed.
    pub axes: Vec<Axis>,
    /// Every configuration, in the order of the axes' product (the last axis varies fastest).
    pub configurations: Vec<Configuration>,
    /// Positions in `configurations` of the frontier, fastest first.
    pub frontier: Vec<usize>,
    /// Position of the recommended configuration, or null.
    pub recommendation: Option<usize>,
    /// Why it is recommended (or why there is none).
    pub recommendation_reason: String,
}

/// Every combination of the axes' values, the last axis varying fastest.
pub fn combinations(axes: &[Axis]) -> Vec<Vec<(String, String)>> {
    let mut out: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for a in axes {
        let mut next = Vec::with_capacity(out.len() * a.values.len());
        for prefix in &out {
            for v in &a.values {
                let mut c = prefix.clone();
                c.push((a.key.clone(), v.clone()));
                next.push(c);
            }
        }
        out = next;
    }
    out
}

/// The number of configurations `axes` make, saturating.
pub fn count(axes: &[Axis]) -> usize {
    axes.iter()
        .fold(1usize, |n, a| n.saturating_mul(a.values.len().max(1)))
}

/// Sweeps `axes` over the scenario calibrated on `measured`.
pub fn sweep(
    measured: &Run,
    axes: &[Axis],
    deadline_s: Option<f64>,
    price: f64,
) -> Result<Sweep, String> {
    let n = count(axes);
    if n > MAX_CONFIGURATIONS {
        return Err(format!(
            "{n} configurations, more than the {MAX_CONFIGURATIONS} a sweep simulates: give fewer values"
        ));
    }
    let cal = calibrate::calibrate(measured)?;
    let baseline = simulate(&cal.scenario)?;
    let combos = combinations(axes);
    let outcomes = simulate_all(&cal.scenario, &combos, price);
    let configurations: Vec<Configuration> = combos
        .into_iter()
        .zip(outcomes)
        .map(|(settings, outcome)| Configuration {
            settings,
            outcome,
            on_frontier: false,
            meets_deadline: None,
        })
        .collect();
    Ok(finish(
        Outcome::of(measured, price),
        Outcome::of(&baseline, price),
        deadline_s,
        price,
        axes.to_vec(),
        configurations,
    ))
}

/// Simulates every configuration: natively on every core (each simulation is independent and
/// deterministic, so the order of the results is the order of `combos`), in wasm on one.
fn simulate_all(
    calibrated: &Scenario,
    combos: &[Vec<(String, String)>],
    price: f64,
) -> Vec<Outcome> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(combos.len().max(1));
        if threads > 1 {
            let chunk = combos.len().div_ceil(threads);
            return std::thread::scope(|scope| {
                let handles: Vec<_> = combos
                    .chunks(chunk)
                    .map(|part| {
                        let h = scope.spawn(move || {
                            part.iter()
                                .map(|c| simulate_one(calibrated, c, price))
                                .collect::<Vec<_>>()
                        });
                        (part.len(), h)
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|(len, h)| {
                        h.join().unwrap_or_else(|_| {
                            vec![failed_outcome("the simulation panicked".into()); len]
                        })
                    })
                    .collect()
            });
        }
    }
    combos
        .iter()
        .map(|c| simulate_one(calibrated, c, price))
        .collect()
}

fn failed_outcome(e: String) -> Outcome {
    Outcome {
        duration_s: 0.0,
        dpu_hours: 0.0,
        usd: 0.0,
        status: RunStatus::Failed.as_str().to_string(),
        error: Some(e),
    }
}

/// Simulates one configuration; a simulation that cannot run is a failed configuration.
pub fn simulate_one(calibrated: &Scenario, settings: &[(String, String)], price: f64) -> Outcome {
    let failed = failed_outcome;
    let parsed: Result<Vec<changes::Change>, String> = settings
        .iter()
        .map(|(k, v)| changes::parse(&format!("{k}={v}")))
        .collect();
    let mut s = calibrated.clone();
    match parsed.and_then(|p| changes::apply(&mut s, &p)) {
        Ok(_) => match simulate(&s) {
            Ok(run) => Outcome::of(&run, price),
            Err(e) => failed(e),
        },
        Err(e) => failed(e),
    }
}

/// Marks the frontier and the recommendation.
pub fn finish(
    measured: Outcome,
    baseline: Outcome,
    deadline_s: Option<f64>,
    price: f64,
    axes: Vec<Axis>,
    mut configurations: Vec<Configuration>,
) -> Sweep {
    let ok: Vec<usize> = (0..configurations.len())
        .filter(|&i| configurations[i].outcome.ok())
        .collect();
    // Fastest first, then cheapest: a point is on the frontier when it is cheaper than every
    // faster one.
    let mut order = ok.clone();
    crate::sorting::sort_by(&mut order, |&i| {
        let o = &configurations[i].outcome;
        crate::sorting::Key(o.duration_s, (o.dpu_hours * 1e4).round() as u64)
    });
    // Cost is DPU-hours × one price: compare DPU-hours (cents would tie small runs).
    let mut frontier = Vec::new();
    let mut cheapest = f64::INFINITY;
    for &i in &order {
        let o = &configurations[i].outcome;
        if o.dpu_hours < cheapest {
            cheapest = o.dpu_hours;
            frontier.push(i);
        }
    }
    for &i in &frontier {
        configurations[i].on_frontier = true;
    }
    if let Some(d) = deadline_s {
        for c in configurations.iter_mut() {
            c.meets_deadline = Some(c.outcome.ok() && c.outcome.duration_s <= d);
        }
    }
    // Cheapest that meets the deadline; without one, cheapest not slower than the baseline (any
    // that succeeds when the baseline fails).
    let limit = deadline_s.unwrap_or(if baseline.ok() {
        baseline.duration_s
    } else {
        f64::INFINITY
    });
    let pick = frontier
        .iter()
        .copied()
        .filter(|&i| configurations[i].outcome.duration_s <= limit)
        .min_by(|&a, &b| {
            let (x, y) = (&configurations[a].outcome, &configurations[b].outcome);
            x.dpu_hours
                .total_cmp(&y.dpu_hours)
                .then(x.duration_s.total_cmp(&y.duration_s))
        });
    let reason = match (pick, deadline_s) {
        (Some(_), Some(d)) => format!(
            "the cheapest configuration predicted to finish within the deadline ({})",
            crate::model::units::format_duration(d)
        ),
        (Some(_), None) if baseline.ok() => {
            "the cheapest configuration predicted to be no slower than the calibrated baseline"
                .to_string()
        }
        (Some(_), None) => {
            "the cheapest configuration predicted to succeed (the calibrated baseline fails)"
                .to_string()
        }
        (None, Some(d)) if !ok.is_empty() => format!(
            "no configuration is predicted to finish within the deadline ({})",
            crate::model::units::format_duration(d)
        ),
        (None, None) if !ok.is_empty() => {
            "no configuration is predicted to be as fast as the calibrated baseline".to_string()
        }
        _ => "no configuration is predicted to succeed".to_string(),
    };
    Sweep {
        source: String::new(),
        measured,
        baseline,
        deadline_s,
        price_per_dpu_hour: price,
        axes,
        configurations,
        frontier,
        recommendation: pick,
        recommendation_reason: reason,
    }
}

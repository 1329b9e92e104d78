//! The fleet table the page shows: rows read from JSON lines, sorted and filtered, each job's
//! history for its sparkline, and the previous run of the same job to compare a run with.

use crate::error::{Error, ErrorKind, Result};

use super::row::FleetRow;

/// Rows the page reads at most (a night of a large fleet is thousands).
pub const MAX_ROWS: usize = 200_000;

/// A fleet table read from a file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fleet {
    /// The rows, in file order.
    pub rows: Vec<FleetRow>,
    /// What was skipped, for the user.
    pub warnings: Vec<String>,
}

/// Reads JSON lines of fleet rows (`python -m runlens.fleet --format json`). Blank lines are
/// skipped; a line that is not a row is an error naming the file and the line.
pub fn parse_jsonl(name: &str, text: &str) -> Result<Fleet> {
    let mut fleet = Fleet::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if fleet.rows.len() >= MAX_ROWS {
            fleet.warnings.push(format!(
                "{name}: more than {MAX_ROWS} rows: the rest were not read"
            ));
            break;
        }
        let row = serde_json::from_str::<serde_json::Value>(line)
            .map_err(|e| e.to_string())
            .and_then(|v| FleetRow::from_json(&v))
            .map_err(|e| {
                Error::new(
                    name,
                    ErrorKind::InvalidContent,
                    format!("line {}: not a fleet row ({e})", i + 1),
                )
            })?;
        if row.source.is_empty() || row.status.is_empty() {
            return Err(Error::new(
                name,
                ErrorKind::InvalidContent,
                format!(
                    "line {}: not a fleet row (no source or status: is this the output of python -m runlens.fleet --format json?)",
                    i + 1
                ),
            ));
        }
        fleet.rows.push(row);
    }
    if fleet.rows.is_empty() {
        return Err(Error::new(name, ErrorKind::Empty, "no fleet rows in it"));
    }
    Ok(fleet)
}

/// The job a run belongs to: its job name, else its application name, else its source.
pub fn job_key(row: &FleetRow) -> &str {
    row.job_name
        .as_deref()
        .or(row.app_name.as_deref())
        .unwrap_or(&row.source)
}

/// A column the table sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// Money wasted.
    Wasted,
    /// Cost.
    Cost,
    /// Wall time.
    Duration,
    /// Start.
    Start,
    /// Job name.
    Job,
    /// Status.
    Status,
}

impl SortKey {
    /// The key's name in the address (`fsort=`).
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Wasted => "wasted",
            SortKey::Cost => "cost",
            SortKey::Duration => "duration",
            SortKey::Start => "start",
            SortKey::Job => "job",
            SortKey::Status => "status",
        }
    }

    /// The key named `s`.
    pub fn parse(s: &str) -> Option<SortKey> {
        [
            SortKey::Wasted,
            SortKey::Cost,
            SortKey::Duration,
            SortKey::Start,
            SortKey::Job,
            SortKey::Status,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Which rows to show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Part of the job name (ASCII letters case-insensitive); empty: every job.
    pub job: String,
    /// A finding kind the run must have; empty: any.
    pub finding: String,
}

impl Filter {
    /// True when `row` passes.
    pub fn keeps(&self, row: &FleetRow) -> bool {
        // ASCII case only: Unicode case tables would cost the page's worker ≈ 14 KB of wasm,
        // and job names are ASCII in practice (Glue's are `[A-Za-z0-9_-]`).
        let job = self.job.trim().to_ascii_lowercase();
        (job.is_empty() || job_key(row).to_ascii_lowercase().contains(&job))
            && (self.finding.is_empty() || row.findings.iter().any(|f| f.kind == self.finding))
    }
}

fn num(x: Option<f64>) -> f64 {
    x.filter(|v| v.is_finite()).unwrap_or(f64::NEG_INFINITY)
}

/// Each distinct string's rank in byte order.
fn ranks<'a>(names: impl Iterator<Item = &'a str>) -> std::collections::BTreeMap<&'a str, u64> {
    // Inserted one by one: `collect` into a B-tree sorts through another copy of the std sort.
    let mut set = std::collections::BTreeMap::new();
    for n in names {
        set.insert(n, 0u64);
    }
    for (r, v) in set.values_mut().enumerate() {
        *v = r as u64;
    }
    set
}

/// Indices of the rows `filter` keeps, sorted by `key` (descending when `desc`); ties keep
/// file order. Missing figures sort lowest.
pub fn sorted(rows: &[FleetRow], filter: &Filter, key: SortKey, desc: bool) -> Vec<usize> {
    let idx: Vec<usize> = (0..rows.len())
        .filter(|&i| filter.keeps(&rows[i]))
        .collect();
    let text: fn(&FleetRow) -> &str = match key {
        SortKey::Status => |r| r.status.as_str(),
        _ => job_key,
    };
    let rank = match key {
        SortKey::Job | SortKey::Status => ranks(idx.iter().map(|&i| text(&rows[i]))),
        _ => Default::default(),
    };
    // One shared sort (`crate::sorting`) on a numeric key: a descending sort negates it.
    let sign = if desc { -1.0 } else { 1.0 };
    let order = crate::sorting::order_of(idx.iter().map(|&i| {
        let r = &rows[i];
        let v = match key {
            SortKey::Wasted => num(r.wasted_usd),
            SortKey::Cost => num(r.cost_usd),
            SortKey::Duration => num(r.duration_s),
            SortKey::Start => r.start_epoch_ms.map_or(f64::NEG_INFINITY, |ms| ms as f64),
            SortKey::Job | SortKey::Status => rank.get(text(r)).copied().unwrap_or(0) as f64,
        };
        // `+ 0.0`: a negated zero is zero (the shared sort puts -0.0 before 0.0).
        crate::sorting::Key::f(sign * v + 0.0)
    }));
    order.into_iter().map(|k| idx[k as usize]).collect()
}

/// Finding kinds with how many runs have each, most common first (then by name).
pub fn finding_kinds(rows: &[FleetRow]) -> Vec<(String, usize)> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for r in rows {
        for (i, f) in r.findings.iter().enumerate() {
            // Each kind once per run.
            if !r.findings[..i].iter().any(|g| g.kind == f.kind) {
                *counts.entry(f.kind.as_str()).or_default() += 1;
            }
        }
    }
    let mut v: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
    // Stable: equal counts stay in name order.
    crate::sorting::sort_by(&mut v, |k| crate::sorting::Key::f(-(k.1 as f64)));
    v
}

/// One run of a job's history: (start ms, duration s, cost USD, row index).
pub type HistoryPoint = (i64, f64, f64, usize);

/// A sparkline's points in a `width` × `height` box (y down), from values in time order; a
/// single value is a flat line across.
pub fn sparkline(values: &[f64], width: f64, height: f64) -> Vec<(f64, f64)> {
    if values.is_empty() {
        return Vec::new();
    }
    let max = values.iter().copied().fold(0.0f64, f64::max);
    let y = |v: f64| {
        if max > 0.0 {
            height - (v / max) * (height - 2.0) - 1.0
        } else {
            height - 1.0
        }
    };
    if values.len() == 1 {
        return vec![(0.0, y(values[0])), (width, y(values[0]))];
    }
    let step = width / (values.len() - 1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as f64 * step, y(v)))
        .collect()
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'/'
            | b':'
            | b'|' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The URL of a run's log under `prefix`: its file, or its files as `URL1|URL2|…` (the page
/// reads those as the files of one run).
pub fn log_url(prefix: &str, row: &FleetRow) -> Option<String> {
    if row.files.is_empty() {
        return None;
    }
    Some(
        row.files
            .iter()
            .map(|f| join(prefix, f))
            .collect::<Vec<_>>()
            .join("|"),
    )
}

fn join(prefix: &str, path: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}/{path}")
    }
}

/// The page address comparing the logs at `before` with those at `after`, or showing `after`
/// alone (each a URL, or URLs joined by `|`: see [`log_url`]).
pub fn address(before: Option<&str>, after: &str) -> String {
    match before {
        Some(b) => format!("?before={}&after={}", encode(b), encode(after)),
        None => format!("?run={}", encode(after)),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A succeeded run of `job` starting at `start` ms (its duration `start` s), wasting
    /// `wasted` of twice that cost.
    pub(crate) fn row(source: &str, job: &str, start: i64, wasted: f64) -> FleetRow {
        FleetRow {
            source: source.into(),
            files: vec![source.into()],
            job_name: Some(job.into()),
            start_epoch_ms: Some(start),
            status: "succeeded".into(),
            wasted_usd: Some(wasted),
            cost_usd: Some(wasted * 2.0),
            duration_s: Some(start as f64),
            ..FleetRow::default()
        }
    }

    #[test]
    fn sorts_filter_and_links() {
        let mut rows = vec![
            row("a/1", "nightly", 10, 1.0),
            row("b/1", "hourly", 20, 5.0),
            row("a/2", "nightly", 30, 3.0),
            row("c/1", "daily", 5, 3.0),
        ];
        rows[3].wasted_usd = None;
        rows[3].status = "failed".into();
        let all = Filter::default();
        assert_eq!(sorted(&rows, &all, SortKey::Wasted, true), vec![1, 2, 0, 3]);
        assert_eq!(
            sorted(&rows, &all, SortKey::Wasted, false),
            vec![3, 0, 2, 1]
        );
        assert_eq!(sorted(&rows, &all, SortKey::Job, false), vec![3, 1, 0, 2]);
        assert_eq!(sorted(&rows, &all, SortKey::Job, true), vec![0, 2, 1, 3]);
        assert_eq!(
            sorted(&rows, &all, SortKey::Status, false),
            vec![3, 0, 1, 2]
        );
        let f = Filter {
            job: "NIGHT".into(),
            ..Filter::default()
        };
        assert_eq!(sorted(&rows, &f, SortKey::Start, false), vec![0, 2]);
        assert_eq!(sorted(&rows, &f, SortKey::Start, true), vec![2, 0]);
        assert_eq!(
            address(Some("/logs/a/1"), "/logs/a 2"),
            "?before=/logs/a/1&after=/logs/a%202"
        );
        let mut rolling = row("c", "weekly", 5, 0.0);
        rolling.files = vec!["c/events_1_x".into(), "c/events_2_x".into()];
        assert_eq!(
            log_url("/logs", &rolling).as_deref(),
            Some("/logs/c/events_1_x|/logs/c/events_2_x")
        );
    }

    #[test]
    fn finding_kinds_count_runs_most_common_first() {
        let mut a = row("a", "j", 1, 0.0);
        let f = |k: &str| super::super::row::FindingRef {
            kind: k.into(),
            severity: "warning".into(),
        };
        a.findings = vec![f("spill"), f("straggler"), f("spill")];
        let mut b = row("b", "j", 2, 0.0);
        b.findings = vec![f("straggler"), f("gc")];
        assert_eq!(
            finding_kinds(&[a, b]),
            vec![
                ("straggler".into(), 2),
                ("gc".into(), 1),
                ("spill".into(), 1)
            ]
        );
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = parse_jsonl(
            "rows.json",
            "{\"source\":\"x\",\"status\":\"failed\"}\n[1]\n",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("rows.json: line 2: not a fleet row"),
            "{e}"
        );
        assert!(parse_jsonl("rows.json", "\n\n").is_err());
        let ok = parse_jsonl(
            "r",
            "{\"source\":\"x\",\"status\":\"failed\",\"start\":\"2026-01-01T00:00:00.000Z\"}\n",
        )
        .unwrap();
        assert_eq!(ok.rows[0].status, "failed");
    }

    #[test]
    fn sparkline_spans_the_box() {
        let p = sparkline(&[1.0, 2.0, 4.0], 60.0, 20.0);
        assert_eq!(p.first().map(|q| q.0), Some(0.0));
        assert_eq!(p.last().map(|q| (q.0, q.1)), Some((60.0, 1.0)));
        assert_eq!(sparkline(&[3.0], 60.0, 20.0).len(), 2);
    }
}

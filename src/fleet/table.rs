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
        let row: FleetRow = serde_json::from_str(line).map_err(|e| {
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
    /// Part of the job name (case-insensitive); empty: every job.
    pub job: String,
    /// A finding kind the run must have; empty: any.
    pub finding: String,
}

impl Filter {
    /// True when `row` passes.
    pub fn keeps(&self, row: &FleetRow) -> bool {
        let job = self.job.trim().to_lowercase();
        (job.is_empty() || job_key(row).to_lowercase().contains(&job))
            && (self.finding.is_empty() || row.findings.iter().any(|f| f.kind == self.finding))
    }
}

fn num(x: Option<f64>) -> f64 {
    x.filter(|v| v.is_finite()).unwrap_or(f64::NEG_INFINITY)
}

/// Indices of the rows `filter` keeps, sorted by `key` (descending when `desc`); ties keep
/// file order.
pub fn sorted(rows: &[FleetRow], filter: &Filter, key: SortKey, desc: bool) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..rows.len())
        .filter(|&i| filter.keeps(&rows[i]))
        .collect();
    idx.sort_by(|&a, &b| {
        let (ra, rb) = (&rows[a], &rows[b]);
        let ord = match key {
            SortKey::Wasted => num(ra.wasted_usd).total_cmp(&num(rb.wasted_usd)),
            SortKey::Cost => num(ra.cost_usd).total_cmp(&num(rb.cost_usd)),
            SortKey::Duration => num(ra.duration_s).total_cmp(&num(rb.duration_s)),
            SortKey::Start => ra.start_epoch_ms.cmp(&rb.start_epoch_ms),
            SortKey::Job => job_key(ra).cmp(job_key(rb)),
            SortKey::Status => ra.status.cmp(&rb.status),
        };
        if desc {
            ord.reverse()
        } else {
            ord
        }
    });
    idx
}

/// Finding kinds with how many runs have each, most common first.
pub fn finding_kinds(rows: &[FleetRow]) -> Vec<(String, usize)> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for r in rows {
        let mut seen: Vec<&str> = r.findings.iter().map(|f| f.kind.as_str()).collect();
        seen.sort_unstable();
        seen.dedup();
        for k in seen {
            *counts.entry(k).or_default() += 1;
        }
    }
    let mut v: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// One run of a job's history: (start ms, duration s, cost USD, row index).
pub type HistoryPoint = (i64, f64, f64, usize);

/// The runs of the job `job` with a start, oldest first.
pub fn history(rows: &[FleetRow], job: &str) -> Vec<HistoryPoint> {
    let mut h: Vec<HistoryPoint> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| job_key(r) == job)
        .filter_map(|(i, r)| {
            Some((
                r.start_epoch_ms?,
                r.duration_s.unwrap_or(0.0),
                r.cost_usd.unwrap_or(0.0),
                i,
            ))
        })
        .collect();
    h.sort_by(|a, b| a.0.cmp(&b.0).then(a.3.cmp(&b.3)));
    h
}

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

/// The run of the same job just before row `i` (by start), to compare it with.
pub fn previous_run(rows: &[FleetRow], i: usize) -> Option<usize> {
    let row = rows.get(i)?;
    let start = row.start_epoch_ms?;
    let job = job_key(row);
    rows.iter()
        .enumerate()
        .filter(|&(j, r)| j != i && job_key(r) == job && r.status != super::row::UNREADABLE)
        .filter_map(|(j, r)| Some((r.start_epoch_ms?, j)))
        .filter(|&(s, j)| s < start || (s == start && j < i))
        .max()
        .map(|(_, j)| j)
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

/// The page address comparing row `i` with the job's previous run (or showing it alone), its
/// logs fetched from `prefix`; None when it has no files.
pub fn compare_link(rows: &[FleetRow], i: usize, prefix: &str) -> Option<String> {
    let after = log_url(prefix, rows.get(i)?)?;
    let before = previous_run(rows, i).and_then(|j| log_url(prefix, &rows[j]));
    Some(match before {
        Some(b) => format!("?before={}&after={}", encode(&b), encode(&after)),
        None => format!("?run={}", encode(&after)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(source: &str, job: &str, start: i64, wasted: f64) -> FleetRow {
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
    fn sorts_filters_and_finds_the_previous_run() {
        let rows = vec![
            row("a/1", "nightly", 10, 1.0),
            row("b/1", "hourly", 20, 5.0),
            row("a/2", "nightly", 30, 3.0),
        ];
        assert_eq!(
            sorted(&rows, &Filter::default(), SortKey::Wasted, true),
            vec![1, 2, 0]
        );
        let f = Filter {
            job: "NIGHT".into(),
            ..Filter::default()
        };
        assert_eq!(sorted(&rows, &f, SortKey::Start, false), vec![0, 2]);
        assert_eq!(previous_run(&rows, 2), Some(0));
        assert_eq!(previous_run(&rows, 0), None);
        assert_eq!(
            compare_link(&rows, 2, "/logs/").as_deref(),
            Some("?before=/logs/a/1&after=/logs/a/2")
        );
        assert_eq!(
            compare_link(&rows, 1, "/logs").as_deref(),
            Some("?run=/logs/b/1")
        );
        assert_eq!(history(&rows, "nightly").len(), 2);
        let mut rolling = row("c", "weekly", 5, 0.0);
        rolling.files = vec!["c/events_1_x".into(), "c/events_2_x".into()];
        assert_eq!(
            compare_link(&[rolling], 0, "/logs/").as_deref(),
            Some("?run=/logs/c/events_1_x|/logs/c/events_2_x")
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

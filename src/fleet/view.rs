//! The fleet page's table as text: the rows a query keeps, sorted, formatted for display, each
//! with its job's sparkline and its compare link. Made in the page's worker, so that the main
//! thread only builds the rows it shows (the page is plain DOM over this).

use std::collections::HashMap;

use super::row::{FleetRow, UNREADABLE};
use super::table::{self, Filter, Fleet, HistoryPoint, SortKey};
use crate::model::units::{format_duration, format_utc};

/// Rows shown at first; the page asks for more a page at a time.
pub const PAGE_ROWS: usize = 500;

/// Sparkline box, px.
pub const SPARK_WIDTH_PX: f64 = 72.0;
/// Sparkline box height, px.
pub const SPARK_HEIGHT_PX: f64 = 18.0;

/// A fleet table with what every query needs made once: each row's job, each job's history,
/// each run's previous run (so a query costs a sort, not a scan per row).
#[derive(Clone, Debug, Default)]
pub struct Indexed {
    /// The rows and warnings as read.
    pub fleet: Fleet,
    /// Histories, by job.
    histories: HashMap<String, Vec<HistoryPoint>>,
    /// The previous readable run of the same job, per row.
    previous: Vec<Option<usize>>,
    /// Number of jobs.
    pub jobs: usize,
    /// Finding kinds with their run counts, most common first.
    pub kinds: Vec<(String, usize)>,
}

impl Indexed {
    /// Indexes `fleet`.
    pub fn new(fleet: Fleet) -> Indexed {
        let mut histories: HashMap<String, Vec<HistoryPoint>> = HashMap::new();
        for (i, r) in fleet.rows.iter().enumerate() {
            let h = histories.entry(table::job_key(r).to_string()).or_default();
            if let Some(start) = r.start_epoch_ms {
                h.push((
                    start,
                    r.duration_s.unwrap_or(0.0),
                    r.cost_usd.unwrap_or(0.0),
                    i,
                ));
            }
        }
        let mut previous = vec![None; fleet.rows.len()];
        for h in histories.values_mut() {
            // By start; ties keep file order (the shared sort is stable).
            crate::sorting::sort_by(h, |p| crate::sorting::Key::f(p.0 as f64));
            // The latest readable run before, by start (then by file order): an unreadable run is
            // never a Before.
            let mut last: Option<usize> = None;
            for &(_, _, _, i) in h.iter() {
                if let Some(p) = previous.get_mut(i) {
                    *p = last;
                }
                if fleet.rows.get(i).is_some_and(|r| r.status != UNREADABLE) {
                    last = Some(i);
                }
            }
        }
        let jobs = histories.len();
        let kinds = table::finding_kinds(&fleet.rows);
        Indexed {
            fleet,
            histories,
            previous,
            jobs,
            kinds,
        }
    }

    /// The previous readable run of row `i`'s job, by start.
    pub fn previous(&self, i: usize) -> Option<usize> {
        self.previous.get(i).copied().flatten()
    }

    /// The history of row `i`'s job, oldest first.
    pub fn history(&self, i: usize) -> &[HistoryPoint] {
        self.fleet
            .rows
            .get(i)
            .and_then(|r| self.histories.get(table::job_key(r)))
            .map_or(&[], Vec::as_slice)
    }
}

/// What the page asks to see.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// Sort column and descending.
    pub sort: (SortKey, bool),
    /// Which rows.
    pub filter: Filter,
    /// Where the logs are fetched from (`?logs=`); empty: no links.
    pub logs: String,
    /// Rows to format at most.
    pub limit: usize,
}

/// A run's sparkline: its job's durations and costs over time (each scaled to its own
/// maximum), this run marked.
#[derive(Clone, Debug, PartialEq)]
pub struct Spark {
    /// SVG polyline points of the durations (`x,y x,y …`).
    pub points: String,
    /// SVG polyline points of the costs.
    pub cost_points: String,
    /// This run's point.
    pub at: Option<(f64, f64)>,
    /// The runs as text, for hover and screen readers.
    pub title: String,
}

/// One run as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewRow {
    /// The run's path under the listed folder.
    pub source: String,
    /// Its status.
    pub status: String,
    /// Its job.
    pub job: String,
    /// Money wasted, USD (for sorting checks and data attributes).
    pub wasted_usd: Option<f64>,
    /// Wall time, s.
    pub duration_s: Option<f64>,
    /// Money wasted, as text.
    pub wasted: String,
    /// How the saving was priced.
    pub saving_basis: Option<String>,
    /// Cost, as text.
    pub cost: String,
    /// Wall time, as text.
    pub duration: String,
    /// Start, UTC, as text.
    pub start: String,
    /// The error, whole (None: no error).
    pub error: Option<String>,
    /// The error's first 140 characters.
    pub error_short: Option<String>,
    /// The straggler as text (`—` when none).
    pub straggler: String,
    /// Findings: (kind, severity).
    pub findings: Vec<(String, String)>,
    /// The job's sparkline.
    pub spark: Option<Spark>,
    /// The page address that opens it (with its job's previous run as Before when there is one).
    pub link: Option<String>,
    /// The link's label, or why there is none.
    pub link_label: String,
}

/// The table a query asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// Rows the filter keeps.
    pub matched: usize,
    /// The headline (`12 of 40 runs (9 jobs) shown: $3.10 wasted of $20.00`).
    pub headline: String,
    /// The first `limit` of them, formatted.
    pub rows: Vec<ViewRow>,
    /// The finding filter's choices: (value, label), `any` first.
    pub choices: Vec<(String, String)>,
    /// What was skipped when reading.
    pub warnings: String,
}

/// Money as the table shows it.
pub fn money(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() && v.abs() >= 100.0 => format!("${v:.0}"),
        Some(v) if v.is_finite() => format!("${v:.2}"),
        _ => "—".into(),
    }
}

/// Most characters of an error shown in a cell (all of it on hover).
const ERROR_CHARS: usize = 140;

fn spark(history: &[HistoryPoint], this: usize) -> Option<Spark> {
    if history.is_empty() {
        return None;
    }
    let line = |value: fn(&HistoryPoint) -> f64| {
        let values: Vec<f64> = history.iter().map(value).collect();
        table::sparkline(&values, SPARK_WIDTH_PX, SPARK_HEIGHT_PX)
    };
    let svg = |pts: &[(f64, f64)]| {
        pts.iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let pts = line(|h| h.1);
    let (points, cost_points) = (svg(&pts), svg(&line(|h| h.2)));
    let at = history.iter().position(|h| h.3 == this).and_then(|i| {
        // One run is a flat line across: its point at the right end.
        pts.get(if history.len() == 1 { 1 } else { i }).copied()
    });
    // The title names at most the last 30 runs (a job run hourly has thousands).
    const TITLE_RUNS: usize = 30;
    let skip = history.len().saturating_sub(TITLE_RUNS);
    let listed = history[skip..]
        .iter()
        .map(|h| format!("{} ({})", format_duration(h.1), money(Some(h.2))))
        .collect::<Vec<_>>()
        .join(", ");
    let title = if skip > 0 {
        format!(
            "{} runs (line: duration, dashes: cost), the last {TITLE_RUNS}: {listed}",
            history.len()
        )
    } else {
        format!(
            "{} runs (line: duration, dashes: cost): {listed}",
            history.len()
        )
    };
    Some(Spark {
        points,
        cost_points,
        at,
        title,
    })
}

fn view_row(ix: &Indexed, i: usize, logs: &str) -> Option<ViewRow> {
    let r: &FleetRow = ix.fleet.rows.get(i)?;
    let dash = || "—".to_string();
    let error_short = r.error.as_ref().map(|e| {
        if e.chars().count() > ERROR_CHARS {
            e.chars().take(ERROR_CHARS).collect::<String>() + "…"
        } else {
            e.clone()
        }
    });
    let straggler = r.straggler_executor.as_ref().map_or_else(dash, |e| {
        format!(
            "executor {e}{}, {}, {}",
            r.straggler_stage
                .map(|s| format!(" in stage {s}"))
                .unwrap_or_default(),
            r.straggler_cause.clone().unwrap_or_default(),
            format_duration(r.straggler_excess_s.unwrap_or(0.0))
        )
    });
    let readable = r.status != UNREADABLE;
    let after = table::log_url(logs, r);
    let (link, link_label) = match after {
        Some(after) if readable && !logs.is_empty() => {
            let before = ix
                .previous(i)
                .and_then(|j| ix.fleet.rows.get(j))
                .and_then(|p| table::log_url(logs, p));
            let label = if before.is_some() {
                "compare with previous"
            } else {
                "open"
            };
            (
                Some(table::address(before.as_deref(), &after)),
                label.to_string(),
            )
        }
        _ => {
            let why = if !readable {
                "Runlens could not read this log"
            } else if logs.is_empty() {
                "Give ?logs=PREFIX: where the logs can be fetched"
            } else {
                "The row names no files"
            };
            (None, why.to_string())
        }
    };
    Some(ViewRow {
        source: r.source.clone(),
        status: r.status.clone(),
        job: table::job_key(r).to_string(),
        wasted_usd: r.wasted_usd,
        duration_s: r.duration_s,
        wasted: money(r.wasted_usd),
        saving_basis: r.saving_basis.clone(),
        cost: money(r.cost_usd),
        duration: r.duration_s.map_or_else(dash, format_duration),
        start: r.start_epoch_ms.map_or_else(dash, format_utc),
        error: r.error.clone(),
        error_short,
        straggler,
        findings: r
            .findings
            .iter()
            .map(|f| (f.kind.clone(), f.severity.clone()))
            .collect(),
        spark: spark(ix.history(i), i),
        link,
        link_label,
    })
}

/// The table `query` asks for.
pub fn view(ix: &Indexed, query: &Query) -> View {
    let rows = &ix.fleet.rows;
    let shown = table::sorted(rows, &query.filter, query.sort.0, query.sort.1);
    let sum = |f: fn(&FleetRow) -> Option<f64>| -> f64 {
        shown
            .iter()
            .filter_map(|&i| rows.get(i).and_then(f))
            .filter(|v| v.is_finite())
            .sum()
    };
    let headline = format!(
        "{} of {} runs ({} jobs) shown: {} wasted of {}",
        shown.len(),
        rows.len(),
        ix.jobs,
        money(Some(sum(|r| r.wasted_usd))),
        money(Some(sum(|r| r.cost_usd)))
    );
    let choices = std::iter::once((String::new(), "any".to_string()))
        .chain(
            ix.kinds
                .iter()
                .map(|(k, n)| (k.clone(), format!("{k} ({n})"))),
        )
        .collect();
    View {
        matched: shown.len(),
        headline,
        rows: shown
            .iter()
            .take(query.limit)
            .filter_map(|&i| view_row(ix, i, &query.logs))
            .collect(),
        choices,
        warnings: ix.fleet.warnings.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::table::tests::row;

    fn fleet(rows: Vec<FleetRow>) -> Indexed {
        Indexed::new(Fleet {
            rows,
            warnings: Vec::new(),
        })
    }

    #[test]
    fn previous_runs_match_the_table_rule() {
        let mut rows = vec![
            row("a/1", "nightly", 10, 1.0),
            row("b/1", "hourly", 20, 5.0),
            row("a/2", "nightly", 30, 3.0),
            row("a/3", "nightly", 30, 0.0),
            row("a/4", "nightly", 40, 0.0),
        ];
        rows[3].status = UNREADABLE.into();
        let ix = fleet(rows.clone());
        // The rule by brute force: the same job's latest readable run that started earlier
        // (or at the same time, earlier in the file).
        let previous = |i: usize| {
            let (r, start) = (&rows[i], rows[i].start_epoch_ms?);
            (0..rows.len())
                .filter(|&j| j != i && table::job_key(&rows[j]) == table::job_key(r))
                .filter(|&j| rows[j].status != UNREADABLE)
                .filter_map(|j| Some((rows[j].start_epoch_ms?, j)))
                .filter(|&(s, j)| s < start || (s == start && j < i))
                .max()
                .map(|(_, j)| j)
        };
        for i in 0..rows.len() {
            assert_eq!(ix.previous(i), previous(i), "row {i}");
        }
        assert_eq!(
            ix.previous(4),
            Some(2),
            "an unreadable run is never a Before"
        );
        assert_eq!(ix.jobs, 2);
        assert_eq!(ix.history(0).len(), 4);
    }

    #[test]
    fn a_view_is_sorted_limited_and_linked() {
        let ix = fleet(vec![
            row("a/1", "nightly", 10, 1.0),
            row("b/1", "hourly", 20, 5.0),
            row("a/2", "nightly", 30, 3.0),
        ]);
        let q = Query {
            sort: (SortKey::Wasted, true),
            filter: Filter::default(),
            logs: "/logs/".into(),
            limit: 2,
        };
        let v = view(&ix, &q);
        assert_eq!(v.matched, 3);
        assert_eq!(v.rows.len(), 2);
        assert_eq!(v.rows[0].source, "b/1");
        assert_eq!(v.rows[0].link.as_deref(), Some("?run=/logs/b/1"));
        assert_eq!(v.rows[0].link_label, "open");
        assert_eq!(
            v.rows[1].link.as_deref(),
            Some("?before=/logs/a/1&after=/logs/a/2")
        );
        assert_eq!(v.rows[1].link_label, "compare with previous");
        assert!(v
            .headline
            .starts_with("3 of 3 runs (2 jobs) shown: $9.00 wasted"));
        let spark = v.rows[1].spark.as_ref().expect("a sparkline");
        assert_eq!(spark.at, Some((SPARK_WIDTH_PX, 1.0)));
        assert!(spark
            .title
            .starts_with("2 runs (line: duration, dashes: cost): "));
        // Duration 10 s then 30 s, cost $2 then $6: both lines rise to the top of the box.
        assert_eq!(spark.points, "0.0,11.7 72.0,1.0");
        assert_eq!(spark.cost_points, "0.0,11.7 72.0,1.0");
        let no_logs = view(
            &ix,
            &Query {
                logs: String::new(),
                ..q
            },
        );
        assert_eq!(no_logs.rows[0].link, None);
        assert!(no_logs.rows[0].link_label.contains("?logs=PREFIX"));
    }

    #[test]
    fn long_errors_are_cut_and_money_is_rounded() {
        let mut r = row("x", "j", 1, 0.0);
        r.error = Some("e".repeat(500));
        let v = view(
            &fleet(vec![r]),
            &Query {
                sort: (SortKey::Wasted, true),
                filter: Filter::default(),
                logs: String::new(),
                limit: PAGE_ROWS,
            },
        );
        assert_eq!(
            v.rows[0].error_short.as_ref().map(|e| e.chars().count()),
            Some(ERROR_CHARS + 1)
        );
        assert_eq!(money(Some(1234.4)), "$1234");
        assert_eq!(money(Some(0.126)), "$0.13");
        assert_eq!(money(Some(f64::NAN)), "—");
    }
}

//! The page's state: two run slots (before, after), what is emphasised, the time window, and the
//! chart data the core computed for each loaded run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::analysis::profiles::{self, Profile, View};
use crate::analysis::tables::Tables;
use crate::analysis::{self, Analysis};
use crate::ingest::Loaded;
use crate::model::glue::DEFAULT_PRICE_PER_DPU_HOUR;
use crate::model::{Run, SourceFormat};
use crate::render::timeline::Lane;
use crate::render::PlotArea;

/// Which column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The left column.
    Before,
    /// The right column.
    After,
}

impl Side {
    /// Both sides, left to right.
    pub const BOTH: [Side; 2] = [Side::Before, Side::After];

    /// `before` / `after` (URL parameters, `data-run`).
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Before => "before",
            Side::After => "after",
        }
    }

    /// Column title.
    pub fn title(self) -> &'static str {
        match self {
            Side::Before => "Before",
            Side::After => "After",
        }
    }

    /// Index into per-side arrays.
    pub fn index(self) -> usize {
        match self {
            Side::Before => 0,
            Side::After => 1,
        }
    }
}

/// A run read and analysed.
#[derive(Debug)]
pub struct LoadedRun {
    /// The four profiles at the last period asked for (computed while loading, for the run's
    /// own default period; recomputed only if the page needs another one).
    views: std::sync::Mutex<Vec<Arc<RunViews>>>,
    /// The run as a worker takes it (`run_file::to_parts`), made once.
    parts: std::sync::OnceLock<(Vec<u8>, Vec<u8>)>,
    /// Its tables: from the worker that read it, or asked of one ([`Dash::ask_tables`]).
    tables: std::sync::OnceLock<Arc<Tables>>,
    /// Its findings: from the worker that read it, or made with the tables.
    findings: std::sync::OnceLock<Vec<crate::analysis::findings::Finding>>,
    /// Set once a worker was asked for the tables.
    tables_asked: AtomicBool,
    /// The worker that keeps this run to rasterise its task timeline (`work::serve`), if any.
    pub server: Option<u32>,
    /// The run.
    pub run: Run,
    /// Totals, straggler, cost, findings.
    pub analysis: Analysis,
    /// What it was loaded from (file names or URL).
    pub source: String,
    /// The input's format.
    pub format: SourceFormat,
    /// Bytes read (compressed).
    pub bytes_in: u64,
    /// Bytes after decompression.
    pub bytes_out: u64,
}

impl LoadedRun {
    /// Analyses a loaded input here (the built-in examples).
    pub fn new(source: String, loaded: Loaded) -> LoadedRun {
        LoadedRun::with(source, loaded, None)
    }

    /// A loaded input with the analysis a worker made of it (analysed here if none came).
    pub fn with(source: String, loaded: Loaded, analysis: Option<Analysis>) -> LoadedRun {
        LoadedRun::from_worker(
            source,
            loaded,
            super::loader::Made {
                analysis,
                ..Default::default()
            },
        )
    }

    /// A loaded input with what a worker made of it: analysis, profiles (at the periods given),
    /// tables.
    pub fn from_worker(source: String, loaded: Loaded, made: super::loader::Made) -> LoadedRun {
        let super::loader::Made {
            analysis,
            views,
            tables,
        } = made;
        let findings = std::sync::OnceLock::new();
        let analysis = match analysis {
            Some(mut a) => {
                let _ = findings.set(std::mem::take(&mut a.findings));
                a
            }
            // The findings come from a worker, with the tables (`Dash::ask_tables`).
            None => analysis::analyse_without_findings(&loaded.run, DEFAULT_PRICE_PER_DPU_HOUR),
        };
        let made_tables = std::sync::OnceLock::new();
        if let Some(t) = tables {
            let _ = made_tables.set(Arc::new(t));
        }
        LoadedRun {
            tables: made_tables,
            findings,
            tables_asked: AtomicBool::new(false),
            views: std::sync::Mutex::new(
                views
                    .into_iter()
                    .map(|(period_s, profiles)| Arc::new(RunViews { profiles, period_s }))
                    .collect(),
            ),
            parts: std::sync::OnceLock::new(),
            server: None,
            run: loaded.run,
            analysis,
            source,
            format: loaded.format,
            bytes_in: loaded.bytes_in,
            bytes_out: loaded.bytes_out,
        }
    }

    /// The run, answered for by the serving worker `server`.
    pub fn served_by(mut self, server: Option<u32>) -> LoadedRun {
        self.server = server;
        self
    }

    /// The profiles at `period_s`, from the cache when it holds that period.
    pub fn views(&self, period_s: f64) -> Arc<RunViews> {
        let mut cache = self.views.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = cache.iter().find(|v| v.period_s == period_s) {
            return v.clone();
        }
        // Not among those the worker sent: computed here (a run beside a much longer one).
        let v = Arc::new(RunViews {
            profiles: profiles::profiles(&self.run, period_s),
            period_s,
        });
        cache.push(v.clone());
        v
    }

    /// Computes the profiles at the run's own default period ahead of drawing.
    pub fn warm_views(&self) {
        self.views(profiles::default_period_s(self.run.meta.duration_s));
    }

    /// The run in the two parts a worker message carries.
    pub fn parts(&self) -> &(Vec<u8>, Vec<u8>) {
        self.parts
            .get_or_init(|| crate::ingest::run_file::to_parts(&self.run))
    }

    /// Stages, executors, failures, jobs and SQL executions, once a worker made them (for a run
    /// the page read itself, after [`Dash::ask_tables`]).
    pub fn tables(&self) -> Option<Arc<Tables>> {
        self.tables.get().cloned()
    }

    /// Its findings, most severe first, once made (for a run the page read itself, after
    /// [`Dash::ask_tables`]).
    pub fn findings(&self) -> Option<&[crate::analysis::findings::Finding]> {
        self.findings.get().map(Vec::as_slice)
    }

    /// The straggler executor's id, if any.
    pub fn straggler(&self) -> Option<&str> {
        self.analysis
            .straggler
            .as_ref()
            .map(|s| s.executor.as_str())
    }
}

impl Drop for LoadedRun {
    fn drop(&mut self) {
        if let Some(id) = self.server {
            super::work::release(id);
        }
    }
}

/// Progress of a load.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// What is being read.
    pub name: String,
    /// Bytes read so far.
    pub read: u64,
    /// Bytes in all, when known.
    pub total: Option<u64>,
    /// Bytes per second so far.
    pub rate: f64,
    /// Bytes after decompression so far (equal to `read` for plain files).
    pub decoded: u64,
}

/// What a column holds.
#[derive(Clone, Debug)]
pub enum Slot {
    /// Nothing yet.
    Empty,
    /// Reading.
    Loading(Progress),
    /// Read and analysed.
    Ready(Arc<LoadedRun>),
    /// The load failed: the message says which file and what went wrong.
    Failed(String),
    /// An archive held several runs: the user picks the one for this column.
    Choose(Arc<Choice>),
    /// Two files that are not one run were picked for this column: the page offers to put one
    /// in each column (the names; the files wait in `loader`).
    Split(Arc<[String; 2]>),
}

/// The runs of an archive, waiting for the user to pick one.
#[derive(Debug)]
pub struct Choice {
    /// The archive (file name or URL).
    pub archive: String,
    /// The URL it came from (for the page's address), if any.
    pub url: Option<String>,
    /// The runs, analysed, with their entry names.
    pub runs: Vec<(String, Arc<LoadedRun>)>,
}

impl PartialEq for Slot {
    fn eq(&self, other: &Slot) -> bool {
        match (self, other) {
            (Slot::Empty, Slot::Empty) => true,
            (Slot::Loading(a), Slot::Loading(b)) => a == b,
            (Slot::Ready(a), Slot::Ready(b)) => Arc::ptr_eq(a, b),
            (Slot::Failed(a), Slot::Failed(b)) => a == b,
            (Slot::Choose(a), Slot::Choose(b)) => Arc::ptr_eq(a, b),
            (Slot::Split(a), Slot::Split(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Slot {
    /// The loaded run, if any.
    pub fn ready(&self) -> Option<Arc<LoadedRun>> {
        match self {
            Slot::Ready(r) => Some(r.clone()),
            _ => None,
        }
    }

    /// True while loading.
    pub fn is_loading(&self) -> bool {
        matches!(self, Slot::Loading(_))
    }
}

/// The four profiles of a run at the page's common period.
#[derive(Debug)]
pub struct RunViews {
    /// One profile per view, in [`View::ALL`] order.
    pub profiles: Vec<Profile>,
    /// The period the task data was binned at, seconds.
    pub period_s: f64,
}

impl RunViews {
    /// The profile of `view`.
    pub fn profile(&self, view: View) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.view == view)
    }
}

/// Canvas slots per side: the five views plus the task timeline.
pub const CANVASES: usize = 6;
/// Index of the task timeline canvas.
pub const TIMELINE: usize = 5;

/// Index of a view's canvas.
pub fn canvas_index(view: View) -> usize {
    match view {
        View::Etl => 0,
        View::Shuffle => 1,
        View::Execution => 2,
        View::Memory => 3,
        View::Cpu => 4,
    }
}

/// The pointer over a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Hover {
    /// Which column.
    pub side: Side,
    /// Which canvas (view index or [`TIMELINE`]).
    pub canvas: usize,
    /// Pointer position in CSS pixels inside the chart box.
    pub x: f64,
    /// Pointer position in CSS pixels inside the chart box.
    pub y: f64,
    /// The time under the pointer, formatted.
    pub time: String,
    /// (label, value) rows.
    pub rows: Vec<(String, String)>,
}

/// What a column's task-timeline lanes were rasterised for: (run, x0 bits, x1 bits, columns).
pub type LanesKey = (usize, u64, u64, usize);

/// Everything the components share; `Copy`, so closures capture it freely.
#[derive(Clone, Copy)]
pub struct Dash {
    /// The two columns.
    pub slots: [RwSignal<Slot>; 2],
    /// The executor the user picked, per column.
    pub selected: [RwSignal<Option<String>>; 2],
    /// Fit each run to its own width instead of a shared time scale.
    pub fit: RwSignal<bool>,
    /// Zoomed time window, seconds.
    pub window: RwSignal<Option<(f64, f64)>>,
    /// Dark page theme.
    pub dark: RwSignal<bool>,
    /// Bumped when the layout changes size.
    pub layout_tick: RwSignal<u32>,
    /// The pointer, when over a chart.
    pub hover: RwSignal<Option<Hover>>,
    /// Charts only (`?embed=1`).
    pub embed: bool,
    /// One run only (`?run=URL`).
    pub single: bool,
    /// Chart data per column.
    pub views: [Memo<Option<Arc<RunViews>>>; 2],
    /// The canvases per column.
    pub canvases: [[NodeRef<Canvas>; CANVASES]; 2],
    /// Where each chart's plot was drawn (for hover and clicks).
    pub areas: StoredValue<[[Option<PlotArea>; CANVASES]; 2]>,
    /// The task timeline lanes as drawn, per column.
    pub lanes: StoredValue<[Vec<Lane>; 2]>,
    /// What the lanes were rasterised for: (run, x0 bits, x1 bits, columns), per column.
    pub lanes_key: StoredValue<[Option<LanesKey>; 2]>,
    /// Cancels the load in progress, per column.
    pub cancel: StoredValue<[Arc<AtomicBool>; 2]>,
    /// Set once `runlens:rendered` was marked.
    pub rendered: StoredValue<bool>,
    /// The same, as a signal: work for later (a worker making the examples' findings) waits
    /// for it, so that it does not compete with the first render for the two cores.
    pub first_rendered: RwSignal<bool>,
    /// The raster asked of a column's serving worker and not answered yet, per column.
    pub raster_asked: StoredValue<[Option<LanesKey>; 2]>,
    /// Counts draws: a draw spread over several frames stops when a newer one starts.
    pub draw_generation: StoredValue<u64>,
    /// Where the what-if starts (`before`, `preset:NAME`), if one is open.
    pub whatif: RwSignal<Option<String>>,
    /// The what-if's changes, `(key, value)`.
    pub whatif_set: RwSignal<Vec<(String, String)>>,
    /// The URL each column's run was loaded from (`URL!/ENTRY` for a run of an archive), for the
    /// page's address; none for local files and computed runs.
    pub urls: [RwSignal<Option<String>>; 2],
    /// Price of a DPU-hour for the cost figures, US dollars (editable; AWS's default).
    pub price: RwSignal<f64>,
    /// The table open under the charts.
    pub table: RwSignal<super::tables::TableKind>,
    /// The tables' sort: column key, descending; none: the table's own order.
    pub table_sort: RwSignal<Option<(String, bool)>>,
    /// The stage the user marked (from the stage table), per column.
    pub marked_stage: [RwSignal<Option<u64>>; 2],
    /// Both runs compared (stages matched, settings changed), when both are loaded.
    pub comparison: Memo<Option<Arc<crate::analysis::compare::Comparison>>>,
    /// Bumped when a worker's tables for a run arrive.
    pub tables_tick: RwSignal<u32>,
    /// What the after column held before a what-if replaced it, with its URL.
    pub displaced: StoredValue<Option<(Slot, Option<String>)>>,
    /// While the page's first runs load: hold outcomes to show them together.
    pub hold: StoredValue<bool>,
    /// Outcomes held, per column.
    pub held: StoredValue<[Option<Slot>; 2]>,
}

impl Dash {
    /// Fresh state.
    pub fn new(embed: bool, single: bool) -> Dash {
        let slots = [RwSignal::new(Slot::Empty), RwSignal::new(Slot::Empty)];
        let period = Memo::new(move |_| {
            let longest = slots
                .iter()
                .filter_map(|s| s.with(|s| s.ready().map(|r| r.run.meta.duration_s)))
                .fold(0.0, f64::max);
            profiles::default_period_s(longest)
        });
        let views = Side::BOTH.map(|side| {
            let slot = slots[side.index()];
            Memo::new_with_compare(
                move |_| {
                    let period_s = period.get();
                    slot.with(|s| s.ready()).map(|r| r.views(period_s))
                },
                |a: Option<&Option<Arc<RunViews>>>, b: Option<&Option<Arc<RunViews>>>| match (a, b)
                {
                    (Some(Some(a)), Some(Some(b))) => !Arc::ptr_eq(a, b),
                    (Some(None), Some(None)) => false,
                    _ => true,
                },
            )
        });
        let tables_tick = RwSignal::new(0u32);
        let comparison = Memo::new_with_compare(
            move |_| {
                let before = slots[0].with(|s| s.ready())?;
                let after = slots[1].with(|s| s.ready())?;
                if single {
                    return None;
                }
                tables_tick.track();
                let totals = |r: &LoadedRun| -> Option<Vec<crate::analysis::summary::StageTotals>> {
                    Some(
                        r.tables()?
                            .stages
                            .iter()
                            .map(|s| s.totals.clone())
                            .collect(),
                    )
                };
                Some(Arc::new(crate::analysis::compare::compare_totals(
                    &before.run,
                    &totals(&before)?,
                    &after.run,
                    &totals(&after)?,
                )))
            },
            |a: Option<&Option<Arc<crate::analysis::compare::Comparison>>>, b| a != b,
        );
        Dash {
            displaced: StoredValue::new(None),
            tables_tick,
            table: RwSignal::new(super::tables::TableKind::default()),
            table_sort: RwSignal::new(None),
            marked_stage: [RwSignal::new(None), RwSignal::new(None)],
            comparison,
            slots,
            selected: [RwSignal::new(None), RwSignal::new(None)],
            fit: RwSignal::new(false),
            window: RwSignal::new(None),
            dark: RwSignal::new(false),
            layout_tick: RwSignal::new(0),
            hover: RwSignal::new(None),
            embed,
            single,
            views,
            canvases: [
                std::array::from_fn(|_| NodeRef::new()),
                std::array::from_fn(|_| NodeRef::new()),
            ],
            areas: StoredValue::new([[None; CANVASES]; 2]),
            lanes: StoredValue::new([Vec::new(), Vec::new()]),
            lanes_key: StoredValue::new([None, None]),
            draw_generation: StoredValue::new(0),
            raster_asked: StoredValue::new([None, None]),
            cancel: StoredValue::new([
                Arc::new(AtomicBool::new(false)),
                Arc::new(AtomicBool::new(false)),
            ]),
            rendered: StoredValue::new(false),
            first_rendered: RwSignal::new(false),
            whatif: RwSignal::new(None),
            whatif_set: RwSignal::new(Vec::new()),
            urls: [RwSignal::new(None), RwSignal::new(None)],
            price: RwSignal::new(DEFAULT_PRICE_PER_DPU_HOUR),
            hold: StoredValue::new(false),
            held: StoredValue::new([None, None]),
        }
    }

    /// The sides shown (one in single-run mode).
    pub fn sides(&self) -> &'static [Side] {
        if self.single {
            &Side::BOTH[..1]
        } else {
            &Side::BOTH
        }
    }

    /// A fresh cancel flag for a new load of `side`; the previous load (if any) is cancelled.
    pub fn new_load(&self, side: Side) -> Arc<AtomicBool> {
        super::loader::stop_reader(side);
        let flag = Arc::new(AtomicBool::new(false));
        self.cancel.update_value(|c| {
            c[side.index()].store(true, Ordering::Relaxed);
            c[side.index()] = flag.clone();
        });
        flag
    }

    /// Cancels the load of `side`.
    pub fn cancel_load(&self, side: Side) {
        super::loader::stop_reader(side);
        self.cancel
            .with_value(|c| c[side.index()].store(true, Ordering::Relaxed));
    }

    /// Has a worker make the tables and findings of a run the page read itself (once per run);
    /// they arrive in [`LoadedRun::tables`] and [`LoadedRun::findings`] and bump
    /// [`Dash::tables_tick`].
    pub fn ask_tables(&self, run: &Arc<LoadedRun>) {
        if (run.tables.get().is_some() && run.findings.get().is_some())
            || run.tables_asked.swap(true, Ordering::Relaxed)
        {
            return;
        }
        let (json, tasks) = run.parts();
        let job = js_sys::Object::new();
        for (k, v) in [
            ("op", wasm_bindgen::JsValue::from_str("tables")),
            ("run", js_sys::Uint8Array::from(json.as_slice()).into()),
            ("tasks", js_sys::Uint8Array::from(tasks.as_slice()).into()),
        ] {
            let _ = js_sys::Reflect::set(&job, &wasm_bindgen::JsValue::from_str(k), &v);
        }
        let weak = Arc::downgrade(run);
        let tick = self.tables_tick;
        let key = format!("tables:{}", Arc::as_ptr(run) as usize);
        super::work::start(&key, job, None, Some(120_000), move |reply| {
            let Some(run) = weak.upgrade() else { return };
            let (made, findings, error) = match reply {
                Ok(super::work::Reply::Done(d)) => (
                    super::work::get(&d, "tables")
                        .as_string()
                        .and_then(|t| serde_json::from_str::<Tables>(&t).ok()),
                    super::work::get(&d, "findings")
                        .as_string()
                        .and_then(|t| serde_json::from_str(&t).ok()),
                    None,
                ),
                Ok(super::work::Reply::Progress(_)) => return,
                Err(e) => (None, None, Some(e)),
            };
            // Tables that could not be made show as empty, not as "making" for ever; findings
            // that could not be made say so, rather than "none found".
            let _ = run.tables.set(Arc::new(made.unwrap_or_default()));
            let _ = run.findings.set(findings.unwrap_or_else(|| {
                vec![crate::analysis::findings::Finding {
                    kind: "findings-unavailable".into(),
                    severity: crate::analysis::findings::Severity::Info,
                    title: "Findings could not be made".into(),
                    detail: error.unwrap_or_else(|| "the worker's answer was unreadable".into()),
                    advice: None,
                }]
            }));
            tick.update(|t| *t = t.wrapping_add(1));
        });
    }

    /// The longest loaded run, seconds (the shared time scale; a measured run drawn under a
    /// prediction counts); untracked.
    pub fn longest_s(&self) -> f64 {
        self.slots
            .iter()
            .filter_map(|s| s.with_untracked(|s| s.ready().map(|r| r.run.meta.duration_s)))
            .chain(
                self.measured_under_prediction()
                    .map(|r| r.run.meta.duration_s),
            )
            .fold(0.0, f64::max)
    }

    /// The measured After run a what-if's prediction displaced from the After column, while the
    /// prediction is shown there: it is drawn over the prediction (dashed lines, its end);
    /// untracked (the After column's change redraws).
    pub fn measured_under_prediction(&self) -> Option<Arc<LoadedRun>> {
        let after = self.slots[Side::After.index()].with_untracked(|s| s.ready())?;
        if !after.source.starts_with(super::whatif::WHATIF_SOURCE) {
            return None;
        }
        self.displaced
            .with_value(|d| d.as_ref().and_then(|(slot, _)| slot.ready()))
            .filter(|r| !r.run.meta.simulated)
    }
}

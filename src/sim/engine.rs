//! The discrete-event simulation: jobs submit stages, stages launch tasks on free executor slots
//! (FIFO by job then stage), tasks end, disks fill, executors come and go.
//!
//! Events sit in a binary heap ordered by (time, sequence); free slots in a FIFO of executor
//! indices (the longest-free slot is offered first, which spreads tasks over executors as
//! Spark's round-robin over shuffled offers does). Per task the engine keeps one small record and
//! builds the `model::Run` at the end.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::cluster::{self, ClusterShape};
use super::cost::{self, Env, TaskCost, TaskData};
use super::plan::{self, ParentOutput};
use super::rng::SplitMix64;
use super::scenario::{Scenario, ShuffleStorage, Source, StageSpec};

/// Reason recorded on a task that fails for lack of disk.
pub const NO_SPACE: &str = "java.io.IOException: No space left on device";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Ev {
    TaskEnd(u32),
    JobReady(u32),
    StageSubmit(u32),
    StageLaunchable(u32),
    ExecUp(u32),
    ExecDown(u32),
    IdleCheck(u32, u32),
    Backlog(u32),
}

#[derive(Clone, Copy, Debug)]
struct Event {
    t: f64,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Event {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Event {
    // Reversed: BinaryHeap is a max-heap, we want the earliest (then lowest seq) first.
    fn cmp(&self, o: &Self) -> Ordering {
        o.t.total_cmp(&self.t).then(o.seq.cmp(&self.seq))
    }
}

/// A free task slot: offered earliest-free first, then by round (an executor's k-th idle core),
/// then by the executor's random rank, so that slots freed together spread over executors.
#[derive(Clone, Copy, Debug)]
struct FreeSlot {
    t: f64,
    round: u32,
    rank: u32,
    exec: u32,
}

impl PartialEq for FreeSlot {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for FreeSlot {}
impl PartialOrd for FreeSlot {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for FreeSlot {
    fn cmp(&self, o: &Self) -> Ordering {
        o.t.total_cmp(&self.t)
            .then(o.round.cmp(&self.round))
            .then(o.rank.cmp(&self.rank))
            .then(o.exec.cmp(&self.exec))
    }
}

/// How a simulated task attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptEnd {
    /// Still running (never at the end of a simulation).
    Running,
    /// Succeeded.
    Success,
    /// Failed: no space left on device.
    NoSpace,
    /// Killed when the job was aborted.
    Killed,
    /// A measured attempt that did not succeed, replayed (index into the stage's `fitted.failed`).
    Replayed(u32),
}

/// One simulated task attempt.
#[derive(Clone, Copy, Debug)]
pub struct Attempt {
    /// Stage (index into [`Sim::stages`]).
    pub stage: u32,
    /// Partition index within the stage.
    pub index: u32,
    /// Attempt number.
    pub attempt: u16,
    /// Executor (index into [`Sim::executors`]).
    pub exec: u32,
    /// Launch, seconds.
    pub launch_s: f64,
    /// End, seconds.
    pub finish_s: f64,
    /// How it ended.
    pub end: AttemptEnd,
    /// The task's data.
    pub data: TaskData,
    /// Its cost.
    pub cost: TaskCost,
    /// Fixed overhead (and warm-up) part of its time, seconds.
    pub overhead_s: f64,
    /// Local disk reserved while it runs, bytes.
    reserved: u64,
    /// Shuffle output it leaves on local disk when it succeeds, bytes.
    local_output: u64,
}

/// Stage state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageState {
    /// Not submitted.
    Waiting,
    /// Submitted, tasks running or pending.
    Running,
    /// All tasks succeeded.
    Done,
    /// Aborted.
    Failed,
}

/// A stage during and after the simulation.
#[derive(Clone, Debug)]
pub struct SimStage {
    /// Scenario position (job index, stage index in job).
    pub pos: (usize, usize),
    /// Stage id.
    pub id: u64,
    /// Job index.
    pub job: usize,
    /// Parent stage indices.
    pub parents: Vec<usize>,
    /// State.
    pub state: StageState,
    /// Submission time.
    pub submitted_s: Option<f64>,
    /// End time.
    pub completed_s: Option<f64>,
    /// Failure reason.
    pub failure: Option<String>,
    /// Planned tasks.
    pub tasks: Vec<TaskData>,
    /// Partitions before coalesce.
    pub partitions: u64,
    /// Tasks replayed from a measured run.
    pub replayed: bool,
    attempts_of: Vec<u16>,
    /// Per task, the measured attempts that did not succeed still to replay before it succeeds.
    fail_first: Vec<VecDeque<u32>>,
    next: usize,
    retry: VecDeque<u32>,
    running: u32,
    done: u32,
    launchable: bool,
    warm: Vec<bool>,
    /// Shuffle bytes written per worker by successful tasks.
    out_per_worker: Vec<u64>,
    /// Shuffle bytes written in all.
    pub shuffle_out: u64,
}

impl SimStage {
    fn pending(&self) -> bool {
        self.launchable && (self.next < self.tasks.len() || !self.retry.is_empty())
    }
    fn pending_count(&self) -> usize {
        if !self.launchable {
            return 0;
        }
        self.tasks.len() - self.next + self.retry.len()
    }
}

/// A job during and after the simulation.
#[derive(Clone, Debug)]
pub struct SimJob {
    /// Job id.
    pub id: u64,
    /// Jobs to wait for (indices).
    wait: Vec<usize>,
    /// Stage indices.
    pub stages: Vec<usize>,
    /// Submission time.
    pub submitted_s: Option<f64>,
    /// End time.
    pub completed_s: Option<f64>,
    /// Failed.
    pub failed: bool,
    remaining: usize,
    ready_queued: bool,
}

/// An executor during and after the simulation.
#[derive(Clone, Debug)]
pub struct SimExec {
    /// Spark executor id.
    pub id: String,
    /// Worker index.
    pub worker: usize,
    /// Requested at.
    pub requested_s: f64,
    /// Registered at.
    pub added_s: Option<f64>,
    /// Removed at.
    pub removed_s: Option<f64>,
    /// Why removed.
    pub removed_reason: Option<String>,
    busy: u32,
    idle_gen: u32,
    idle_since: f64,
    rank: u32,
}

/// The state of a finished simulation, from which the run is built.
#[derive(Clone, Debug)]
pub struct Sim {
    /// Resolved cluster.
    pub shape: ClusterShape,
    /// Stages (flattened, job order).
    pub stages: Vec<SimStage>,
    /// Jobs.
    pub jobs: Vec<SimJob>,
    /// Executors ever requested.
    pub executors: Vec<SimExec>,
    /// Task attempts in launch order.
    pub attempts: Vec<Attempt>,
    /// End of the run, seconds.
    pub end_s: f64,
    /// The error that failed the run.
    pub error: Option<String>,
    /// Largest local disk use seen per worker, bytes.
    pub peak_disk_bytes: Vec<u64>,
    /// Local disk capacity of a worker, bytes.
    pub disk_capacity_bytes: u64,
}

struct Engine<'a> {
    s: &'a Scenario,
    env_rates: &'a super::rates::Rates,
    shape: ClusterShape,
    rng: SplitMix64,
    heap: BinaryHeap<Event>,
    seq: u64,
    stages: Vec<SimStage>,
    specs: Vec<&'a StageSpec>,
    children: Vec<Vec<usize>>,
    jobs: Vec<SimJob>,
    execs: Vec<SimExec>,
    free: BinaryHeap<FreeSlot>,
    attempts: Vec<Attempt>,
    active: Vec<usize>,
    worker_busy: Vec<u32>,
    disk_used: Vec<u64>,
    disk_reserved: Vec<u64>,
    peak_disk: Vec<u64>,
    running_tasks: u64,
    alive: u32,
    starting: u32,
    max_execs: u32,
    backlog_gen: u32,
    backlog_armed: bool,
    to_add: u32,
    error: Option<String>,
    end: Option<f64>,
    last_job_end: f64,
}

/// Runs the simulation of `s`.
pub fn run(s: &Scenario) -> Result<Sim, String> {
    let shape = cluster::resolve(s)?;
    validate(s)?;
    let mut e = Engine::new(s, shape);
    e.start();
    e.event_loop()?;
    Ok(e.finish())
}

fn validate(s: &Scenario) -> Result<(), String> {
    let mut ids = std::collections::HashSet::new();
    let mut job_ids = std::collections::HashSet::new();
    for j in &s.jobs {
        if !job_ids.insert(j.id) {
            return Err(format!("jobs: job id {} appears twice", j.id));
        }
        for st in &j.stages {
            if !ids.insert(st.id) {
                return Err(format!("stages: stage id {} appears twice", st.id));
            }
            for p in &st.parents {
                if !ids.contains(p) {
                    return Err(format!(
                        "stage {}: parent {p} is not an earlier stage",
                        st.id
                    ));
                }
            }
        }
        if let Some(w) = &j.wait_for {
            for x in w {
                if !job_ids.contains(x) || *x == j.id {
                    return Err(format!("job {}: wait_for {x} is not an earlier job", j.id));
                }
            }
        }
        if !(j.delay_s.is_finite() && j.delay_s >= 0.0) {
            return Err(format!("job {}: delay_s must be ≥ 0", j.id));
        }
    }
    let r = &s.rates;
    for (name, v) in [
        ("rates.task_overhead_s", r.task_overhead_s),
        ("rates.stage_warmup_s", r.stage_warmup_s),
        ("rates.stage_launch_delay_s", r.stage_launch_delay_s),
        ("driver.start_s", s.driver.start_s),
        ("driver.end_s", s.driver.end_s),
        ("cluster.executor_start_s", s.cluster.executor_start_s),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(format!("{name} must be a number ≥ 0"));
        }
    }
    for (name, v) in [
        ("rates.s3_read_bytes_per_s", r.s3_read_bytes_per_s),
        ("rates.s3_write_bytes_per_s", r.s3_write_bytes_per_s),
        ("rates.json_parse_bytes_per_s", r.json_parse_bytes_per_s),
        (
            "rates.parquet_decode_bytes_per_s",
            r.parquet_decode_bytes_per_s,
        ),
        (
            "rates.shuffle_serialize_bytes_per_s",
            r.shuffle_serialize_bytes_per_s,
        ),
        ("rates.s3_shuffle_bytes_per_s", r.s3_shuffle_bytes_per_s),
        (
            "cluster.network_bytes_per_s_per_worker",
            s.cluster.network_bytes_per_s_per_worker,
        ),
        (
            "cluster.disk_bytes_per_s_per_worker",
            s.cluster.disk_bytes_per_s_per_worker,
        ),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(format!("{name} must be a number > 0"));
        }
    }
    Ok(())
}

impl<'a> Engine<'a> {
    fn new(s: &'a Scenario, shape: ClusterShape) -> Engine<'a> {
        let mut specs = Vec::new();
        let mut stages = Vec::new();
        let mut jobs = Vec::new();
        let mut index_of = std::collections::HashMap::new();
        let mut job_index = std::collections::HashMap::new();
        for (ji, j) in s.jobs.iter().enumerate() {
            let mut st_idx = Vec::new();
            for (si, st) in j.stages.iter().enumerate() {
                let idx = stages.len();
                index_of.insert(st.id, idx);
                st_idx.push(idx);
                specs.push(st);
                stages.push(SimStage {
                    pos: (ji, si),
                    id: st.id,
                    job: ji,
                    parents: st
                        .parents
                        .iter()
                        .filter_map(|p| index_of.get(p).copied())
                        .collect(),
                    state: StageState::Waiting,
                    submitted_s: None,
                    completed_s: None,
                    failure: None,
                    tasks: Vec::new(),
                    partitions: 0,
                    replayed: false,
                    attempts_of: Vec::new(),
                    fail_first: Vec::new(),
                    next: 0,
                    retry: VecDeque::new(),
                    running: 0,
                    done: 0,
                    launchable: false,
                    warm: Vec::new(),
                    out_per_worker: Vec::new(),
                    shuffle_out: 0,
                });
            }
            let wait = match &j.wait_for {
                Some(w) => w.iter().filter_map(|x| job_index.get(x).copied()).collect(),
                None => (0..ji).collect(),
            };
            job_index.insert(j.id, ji);
            jobs.push(SimJob {
                id: j.id,
                wait,
                remaining: st_idx.len(),
                stages: st_idx,
                submitted_s: None,
                completed_s: None,
                failed: false,
                ready_queued: false,
            });
        }
        let mut children = vec![Vec::new(); stages.len()];
        for (i, st) in stages.iter().enumerate() {
            for &p in &st.parents {
                children[p].push(i);
            }
        }
        let workers = shape.workers.max(1) as usize + shape.executors as usize;
        let da = &s.spark.dynamic_allocation;
        let max_execs = if da.enabled {
            da.max_executors.unwrap_or(shape.executors).max(1)
        } else {
            shape.executors
        };
        Engine {
            s,
            env_rates: &s.rates,
            rng: SplitMix64::new(s.seed),
            heap: BinaryHeap::new(),
            seq: 0,
            stages,
            specs,
            children,
            jobs,
            execs: Vec::new(),
            free: BinaryHeap::new(),
            attempts: Vec::new(),
            active: Vec::new(),
            worker_busy: vec![0; workers],
            disk_used: vec![0; workers],
            disk_reserved: vec![0; workers],
            peak_disk: vec![0; workers],
            running_tasks: 0,
            alive: 0,
            starting: 0,
            max_execs,
            backlog_gen: 0,
            backlog_armed: false,
            to_add: 1,
            error: None,
            end: None,
            last_job_end: 0.0,
            shape,
        }
    }

    fn push(&mut self, t: f64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Event {
            t,
            seq: self.seq,
            ev,
        });
    }

    fn start(&mut self) {
        let s = self.s;
        let da = &s.spark.dynamic_allocation;
        let initial = if self.shape.local_mode {
            1
        } else if da.enabled {
            da.initial_executors
                .unwrap_or(self.shape.executors)
                .max(da.min_executors)
                .min(self.max_execs)
        } else {
            self.shape.executors
        };
        if self.replays_executors() {
            // The measured executors, as they came and went.
            let timeline = &s.cluster.executor_timeline;
            for (i, span) in timeline.iter().enumerate() {
                let e = self.new_executor(s.driver.start_executors_s.min(span.added_s));
                self.push(span.added_s, Ev::ExecUp(e));
                if let Some(r) = span.removed_s {
                    self.push(r.max(span.added_s), Ev::ExecDown(i as u32));
                }
            }
            self.starting = timeline.len() as u32;
            for j in 0..self.jobs.len() {
                self.maybe_job_ready(j, s.driver.start_s);
            }
            if self.jobs.is_empty() {
                self.end = Some(s.driver.start_s + s.driver.end_s);
            }
            return;
        }
        let base = s.driver.start_executors_s + s.cluster.executor_start_s;
        let ready: Vec<(f64, u32)> = (0..initial)
            .map(|i| {
                let t = s
                    .cluster
                    .initial_executor_ready_s
                    .get(i as usize)
                    .copied()
                    .unwrap_or(base);
                (t, i)
            })
            .collect();
        for _ in 0..initial {
            self.new_executor(s.driver.start_executors_s);
        }
        for (t, i) in ready {
            self.push(t, Ev::ExecUp(i));
        }
        self.starting = initial;
        for j in 0..self.jobs.len() {
            self.maybe_job_ready(j, s.driver.start_s);
        }
        if self.jobs.is_empty() {
            self.end = Some(s.driver.start_s + s.driver.end_s);
        }
    }

    fn new_executor(&mut self, t: f64) -> u32 {
        let idx = self.execs.len() as u32;
        let id = if self.shape.local_mode {
            "driver".to_string()
        } else {
            (idx + self.s.cluster_first_executor_id()).to_string()
        };
        let worker = if self.shape.local_mode {
            0
        } else {
            // Executor k lives on worker 1 + k / executors_per_worker (worker 0 runs the driver).
            1 + self.shape.worker_of(idx as usize)
        };
        if worker >= self.worker_busy.len() {
            self.worker_busy.resize(worker + 1, 0);
            self.disk_used.resize(worker + 1, 0);
            self.disk_reserved.resize(worker + 1, 0);
            self.peak_disk.resize(worker + 1, 0);
        }
        let rank = self.rng.next_u64() as u32;
        self.execs.push(SimExec {
            id,
            worker,
            requested_s: t,
            added_s: None,
            removed_s: None,
            removed_reason: None,
            busy: 0,
            idle_gen: 0,
            idle_since: t,
            rank,
        });
        idx
    }

    fn maybe_job_ready(&mut self, j: usize, now: f64) {
        let job = &self.jobs[j];
        if job.ready_queued || self.end.is_some() {
            return;
        }
        if job.wait.iter().all(|&w| self.jobs[w].completed_s.is_some()) {
            let after = job
                .wait
                .iter()
                .filter_map(|&w| self.jobs[w].completed_s)
                .fold(self.s.driver.start_s, f64::max);
            let t = after.max(now) + self.s.jobs[j].delay_s;
            self.jobs[j].ready_queued = true;
            self.push(t, Ev::JobReady(j as u32));
        }
    }

    /// Runs the events; `Err` when the simulated run goes past any real one (30 days of
    /// simulated time, or more events than the work budget allows): a runaway, not a result.
    fn event_loop(&mut self) -> Result<(), String> {
        let max_events = super::limits::MAX_TASKS.saturating_mul(20);
        let mut events: u64 = 0;
        while let Some(Event { t, ev, .. }) = self.heap.pop() {
            if self.end.is_some() {
                break;
            }
            events += 1;
            if t > super::limits::MAX_SIMULATED_S || events > max_events {
                return Err(format!(
                    "the simulated run would last more than 30 days ({} events, at {:.0} s when stopped): a setting or rate drives it beyond any real run",
                    events, t
                ));
            }
            match ev {
                Ev::TaskEnd(a) => self.task_end(t, a as usize),
                Ev::JobReady(j) => self.job_submit(t, j as usize),
                Ev::StageSubmit(st) => self.stage_submit(t, st as usize),
                Ev::StageLaunchable(st) => {
                    let st = st as usize;
                    if self.stages[st].state == StageState::Running {
                        self.stages[st].launchable = true;
                        self.schedule(t);
                    }
                }
                Ev::ExecUp(e) => self.exec_up(t, e as usize),
                Ev::ExecDown(e) => self.exec_down(t, e as usize),
                Ev::IdleCheck(e, g) => self.idle_check(t, e as usize, g),
                Ev::Backlog(g) => self.backlog(t, g),
            }
        }
        Ok(())
    }

    fn exec_up(&mut self, t: f64, e: usize) {
        if self.execs[e].added_s.is_some() {
            return;
        }
        self.starting = self.starting.saturating_sub(1);
        self.alive += 1;
        let ex = &mut self.execs[e];
        ex.added_s = Some(t);
        ex.idle_since = t;
        let rank = ex.rank;
        for round in 0..self.shape.cores {
            self.free.push(FreeSlot {
                t,
                round,
                rank,
                exec: e as u32,
            });
        }
        self.arm_idle(t, e);
        self.schedule(t);
    }

    /// True when the measured executor timeline is replayed (calibrated, cluster unchanged).
    fn replays_executors(&self) -> bool {
        !self.shape.local_mode && !self.s.cluster.executor_timeline.is_empty()
    }

    fn exec_down(&mut self, t: f64, e: usize) {
        let Some(span) = self.s.cluster.executor_timeline.get(e) else {
            return;
        };
        let ex = &mut self.execs[e];
        if ex.removed_s.is_some() || ex.added_s.is_none() {
            return;
        }
        // Tasks it still runs (the simulation's timing differs a little) finish; no new ones
        // start on it.
        ex.removed_s = Some(t);
        ex.removed_reason = Some(
            span.removed_reason
                .clone()
                .unwrap_or_else(|| "removed (as measured)".into()),
        );
        self.alive = self.alive.saturating_sub(1);
    }

    fn job_submit(&mut self, t: f64, j: usize) {
        self.jobs[j].submitted_s = Some(t);
        let stages = self.jobs[j].stages.clone();
        if stages.is_empty() {
            self.job_done(t, j);
            return;
        }
        for st in stages {
            self.maybe_stage_ready(t, st);
        }
    }

    fn maybe_stage_ready(&mut self, t: f64, st: usize) {
        let stage = &self.stages[st];
        if stage.state != StageState::Waiting || self.jobs[stage.job].submitted_s.is_none() {
            return;
        }
        if stage
            .parents
            .iter()
            .all(|&p| self.stages[p].state == StageState::Done)
        {
            self.stages[st].state = StageState::Running;
            self.push(t, Ev::StageSubmit(st as u32));
        }
    }

    fn stage_submit(&mut self, t: f64, st: usize) {
        let spec = self.specs[st];
        let parents: Vec<ParentOutput> = self.stages[st]
            .parents
            .iter()
            .map(|&p| ParentOutput {
                bytes: self.stages[p].shuffle_out,
                map_tasks: self.stages[p].tasks.len() as u64,
            })
            .collect();
        let p = plan::plan_stage(self.s, &self.shape, spec, &parents, &mut self.rng);
        let n = p.tasks.len();
        let stage = &mut self.stages[st];
        stage.submitted_s = Some(t);
        stage.tasks = p.tasks;
        stage.partitions = p.partitions;
        stage.replayed = p.replayed;
        stage.attempts_of = vec![0; n];
        stage.fail_first = vec![VecDeque::new(); if p.replayed { n } else { 0 }];
        if p.replayed {
            if let Some(f) = spec.fitted.as_ref() {
                for (i, fa) in f.failed.iter().enumerate() {
                    if let Some(q) = stage.fail_first.get_mut(fa.task as usize) {
                        q.push_back(i as u32);
                    }
                }
            }
        }
        stage.out_per_worker = vec![0; self.worker_busy.len()];
        if n == 0 {
            self.stage_done(t, st);
            return;
        }
        let pos = self
            .active
            .iter()
            .position(|&a| {
                (self.stages[a].job, self.stages[a].id) > (self.stages[st].job, self.stages[st].id)
            })
            .unwrap_or(self.active.len());
        self.active.insert(pos, st);
        let delay = spec
            .fitted
            .as_ref()
            .map_or(self.env_rates.stage_launch_delay_s, |f| f.launch_delay_s);
        self.push(t + delay, Ev::StageLaunchable(st as u32));
    }

    fn env(&self) -> Env<'a> {
        Env {
            rates: self.env_rates,
            network_bytes_per_s: self.s.cluster.network_bytes_per_s_per_worker,
            disk_bytes_per_s: self.s.cluster.disk_bytes_per_s_per_worker,
            storage: self.s.glue.shuffle_storage,
            spill_to_s3: self.s.glue.spill_to_s3,
            task_memory_bytes: self.shape.task_memory_bytes(),
            local_shuffle_share: 1.0 / self.shape.executors.max(1) as f64,
        }
    }

    fn pop_free(&mut self) -> Option<FreeSlot> {
        while let Some(slot) = self.free.pop() {
            let ex = &self.execs[slot.exec as usize];
            if ex.removed_s.is_none() && ex.added_s.is_some() {
                return Some(slot);
            }
        }
        None
    }

    /// Whether stage `st` may run on executor `e`: with the measured executors replayed, a
    /// replayed stage runs where it ran (while one of those executors is still there).
    fn allowed(&self, st: usize, e: usize) -> bool {
        // Only a stage replayed as measured keeps its placement: other tasks are new.
        if !self.replays_executors() || !self.stages[st].replayed {
            return true;
        }
        let Some(f) = self.specs[st].fitted.as_ref() else {
            return true;
        };
        if f.executors.is_empty() || f.executors.contains(&(e as u32)) {
            return true;
        }
        !f.executors.iter().any(|&x| {
            self.execs
                .get(x as usize)
                .is_some_and(|ex| ex.removed_s.is_none())
        })
    }

    fn schedule(&mut self, t: f64) {
        if self.end.is_some() {
            return;
        }
        let mut held = Vec::new();
        while self.active.iter().any(|&a| self.stages[a].pending()) {
            let Some(slot) = self.pop_free() else {
                break;
            };
            let e = slot.exec as usize;
            match self
                .active
                .iter()
                .copied()
                .find(|&a| self.stages[a].pending() && self.allowed(a, e))
            {
                Some(st) => self.launch(t, st, e),
                None => held.push(slot),
            }
        }
        for slot in held {
            self.free.push(slot);
        }
        self.check_backlog(t);
    }

    fn launch(&mut self, t: f64, st: usize, e: usize) {
        let spec = self.specs[st];
        let stage = &mut self.stages[st];
        let index = match stage.retry.pop_front() {
            Some(i) => i as usize,
            None => {
                stage.next += 1;
                stage.next - 1
            }
        };
        let attempt = stage.attempts_of[index];
        let data = stage.tasks[index];
        if stage.warm.len() <= e {
            stage.warm.resize(e + 1, false);
        }
        let first = !stage.warm[e];
        stage.warm[e] = true;
        stage.running += 1;
        let worker = self.execs[e].worker;
        self.worker_busy[worker] += 1;
        let k = self.worker_busy[worker];
        let env = self.env();
        let c = cost::task_cost(&env, spec, &data, k);
        let (fixed, warm) = match &spec.fitted {
            Some(f) => (f.task_fixed_s, f.warmup_s),
            None => (
                self.env_rates.task_overhead_s,
                self.env_rates.stage_warmup_s,
            ),
        };
        let overhead = fixed + if first { warm } else { 0.0 };
        let dur = (overhead + c.work_s).max(1e-6);
        // Local disk: this task's spill while it runs, then its shuffle output.
        let local_output = if self.s.glue.shuffle_storage == ShuffleStorage::Local {
            data.shuffle_write_bytes
        } else {
            0
        };
        let need = local_output + c.local_spill_bytes;
        let cap = self.shape.disk_bytes;
        let free = cap.saturating_sub(self.disk_used[worker] + self.disk_reserved[worker]);
        let replayed_failure = self.stages[st]
            .fail_first
            .get_mut(index)
            .and_then(|q| q.pop_front());
        let local_output = if replayed_failure.is_some() {
            0
        } else {
            local_output
        };
        let (finish, end, reserved) = if let Some(fi) = replayed_failure {
            // A measured failed or killed attempt: it holds its slot as long as it did.
            let slot_s = spec
                .fitted
                .as_ref()
                .and_then(|f| f.failed.get(fi as usize))
                .map_or(dur, |fa| fa.slot_s.max(1e-3));
            (t + slot_s, AttemptEnd::Replayed(fi), 0)
        } else if need > free {
            // The disk fills part way through: the task fails when it does.
            let frac = free as f64 / need as f64;
            (
                t + (overhead + c.work_s * frac).max(1e-3),
                AttemptEnd::NoSpace,
                free,
            )
        } else {
            (t + dur, AttemptEnd::Success, need)
        };
        self.disk_reserved[worker] += reserved;
        self.peak_disk[worker] =
            self.peak_disk[worker].max(self.disk_used[worker] + self.disk_reserved[worker]);
        let ex = &mut self.execs[e];
        ex.busy += 1;
        ex.idle_gen = ex.idle_gen.wrapping_add(1);
        self.running_tasks += 1;
        let a = self.attempts.len() as u32;
        self.attempts.push(Attempt {
            stage: st as u32,
            index: index as u32,
            attempt,
            exec: e as u32,
            launch_s: t,
            finish_s: finish,
            end,
            data,
            cost: c,
            overhead_s: overhead,
            reserved,
            local_output,
        });
        self.push(finish, Ev::TaskEnd(a));
    }

    fn task_end(&mut self, t: f64, a: usize) {
        let at = self.attempts[a];
        if at.end == AttemptEnd::Killed {
            return;
        }
        let st = at.stage as usize;
        let e = at.exec as usize;
        let worker = self.execs[e].worker;
        self.worker_busy[worker] -= 1;
        self.disk_reserved[worker] -= at.reserved;
        self.running_tasks -= 1;
        self.execs[e].busy -= 1;
        let rank = self.execs[e].rank;
        self.free.push(FreeSlot {
            t,
            round: self.execs[e].busy,
            rank,
            exec: e as u32,
        });
        if self.execs[e].busy == 0 {
            self.execs[e].idle_since = t;
            self.arm_idle(t, e);
        }
        let stage = &mut self.stages[st];
        stage.running -= 1;
        match at.end {
            AttemptEnd::Success => {
                stage.done += 1;
                stage.shuffle_out += at.data.shuffle_write_bytes;
                if at.local_output > 0 {
                    if stage.out_per_worker.len() <= worker {
                        stage.out_per_worker.resize(worker + 1, 0);
                    }
                    stage.out_per_worker[worker] += at.local_output;
                    self.disk_used[worker] += at.local_output;
                }
                if stage.done as usize == stage.tasks.len() {
                    self.stage_done(t, st);
                }
            }
            AttemptEnd::NoSpace => {
                let idx = at.index as usize;
                stage.attempts_of[idx] += 1;
                let tries = stage.attempts_of[idx] as u32;
                if tries >= self.s.spark.task_max_failures.max(1) {
                    let reason = format!(
                        "Job aborted due to stage failure: Task {} in stage {}.0 failed {} times, most recent failure: Lost task {}.{} in stage {}.0 (TID {}) (executor {}): {}",
                        idx,
                        stage.id,
                        tries,
                        idx,
                        at.attempt,
                        stage.id,
                        a,
                        self.execs[e].id,
                        NO_SPACE
                    );
                    self.abort(t, st, reason);
                    return;
                }
                stage.retry.push_back(idx as u32);
            }
            AttemptEnd::Replayed(_) => {
                // Retried as it was; a replayed failure never aborts (the measured task went on).
                let idx = at.index as usize;
                stage.attempts_of[idx] = stage.attempts_of[idx].saturating_add(1);
                stage.retry.push_back(idx as u32);
            }
            AttemptEnd::Killed | AttemptEnd::Running => {}
        }
        self.schedule(t);
    }

    fn stage_done(&mut self, t: f64, st: usize) {
        self.stages[st].state = StageState::Done;
        self.stages[st].completed_s = Some(t);
        self.active.retain(|&a| a != st);
        let j = self.stages[st].job;
        self.jobs[j].remaining -= 1;
        for c in self.children[st].clone() {
            self.maybe_stage_ready(t, c);
        }
        if self.jobs[j].remaining == 0 {
            self.job_done(t, j);
        }
    }

    fn job_done(&mut self, t: f64, j: usize) {
        self.jobs[j].completed_s = Some(t);
        self.last_job_end = self.last_job_end.max(t);
        // Shuffle files of the job's stages are cleaned up when the job ends.
        for &st in &self.jobs[j].stages.clone() {
            let out = std::mem::take(&mut self.stages[st].out_per_worker);
            for (w, b) in out.into_iter().enumerate() {
                self.disk_used[w] = self.disk_used[w].saturating_sub(b);
            }
        }
        // Executors kept only for their shuffle files may go now.
        for e in 0..self.execs.len() {
            if self.execs[e].busy == 0 && self.execs[e].added_s.is_some() {
                self.arm_idle_at(self.execs[e].idle_since.max(0.0), e, t);
            }
        }
        if self.jobs.iter().all(|x| x.completed_s.is_some()) {
            self.end = Some(t + self.s.driver.end_s);
            return;
        }
        for k in 0..self.jobs.len() {
            if self.jobs[k].completed_s.is_none() {
                self.maybe_job_ready(k, t);
            }
        }
    }

    fn abort(&mut self, t: f64, st: usize, reason: String) {
        self.stages[st].state = StageState::Failed;
        self.stages[st].completed_s = Some(t);
        self.stages[st].failure = Some(reason.clone());
        let j = self.stages[st].job;
        self.jobs[j].failed = true;
        self.jobs[j].completed_s = Some(t);
        for a in self.attempts.iter_mut() {
            if a.end != AttemptEnd::Killed && a.finish_s > t && a.launch_s <= t {
                a.end = AttemptEnd::Killed;
                a.finish_s = t;
            }
        }
        // Other submitted stages end with the job (cancelled).
        for other in self.stages.iter_mut() {
            if other.state == StageState::Running && other.submitted_s.is_some() {
                other.state = StageState::Failed;
                other.completed_s = Some(t);
                other.failure = Some(format!("Job {} cancelled: {reason}", self.jobs[j].id));
            }
        }
        self.error = Some(reason);
        self.last_job_end = t;
        self.end = Some(t + self.s.driver.end_s);
    }

    fn arm_idle(&mut self, t: f64, e: usize) {
        self.arm_idle_at(t, e, t);
    }

    fn arm_idle_at(&mut self, since: f64, e: usize, now: f64) {
        let da = &self.s.spark.dynamic_allocation;
        if !da.enabled
            || self.shape.local_mode
            || self.replays_executors()
            || self.execs[e].removed_s.is_some()
        {
            return;
        }
        let g = self.execs[e].idle_gen;
        let at = (since + da.executor_idle_timeout_s).max(now);
        self.push(at, Ev::IdleCheck(e as u32, g));
    }

    fn holds_live_shuffle(&self, e: usize) -> bool {
        if self.s.glue.shuffle_storage != ShuffleStorage::Local
            || !self.s.spark.dynamic_allocation.shuffle_tracking
        {
            return false;
        }
        let w = self.execs[e].worker;
        self.disk_used.get(w).is_some_and(|&b| b > 0)
    }

    fn idle_check(&mut self, t: f64, e: usize, g: u32) {
        let da = &self.s.spark.dynamic_allocation;
        let ex = &self.execs[e];
        if ex.removed_s.is_some() || ex.busy > 0 || ex.idle_gen != g || ex.added_s.is_none() {
            return;
        }
        if t + 1e-9 < ex.idle_since + da.executor_idle_timeout_s {
            return;
        }
        if self.alive <= da.min_executors || self.holds_live_shuffle(e) {
            return;
        }
        self.alive -= 1;
        let ex = &mut self.execs[e];
        ex.removed_s = Some(t);
        ex.removed_reason = Some(format!(
            "Executor idle for more than {} s: released by dynamic allocation",
            da.executor_idle_timeout_s
        ));
    }

    fn check_backlog(&mut self, t: f64) {
        let da = &self.s.spark.dynamic_allocation;
        if !da.enabled || self.shape.local_mode || self.replays_executors() {
            return;
        }
        let pending = self.active.iter().any(|&a| self.stages[a].pending());
        if pending && !self.backlog_armed {
            self.backlog_armed = true;
            self.backlog_gen = self.backlog_gen.wrapping_add(1);
            self.to_add = 1;
            let g = self.backlog_gen;
            self.push(t + da.scheduler_backlog_timeout_s, Ev::Backlog(g));
        } else if !pending && self.backlog_armed {
            self.backlog_armed = false;
            self.backlog_gen = self.backlog_gen.wrapping_add(1);
        }
    }

    fn backlog(&mut self, t: f64, g: u32) {
        if g != self.backlog_gen || !self.backlog_armed {
            return;
        }
        let pending: usize = self
            .active
            .iter()
            .map(|&a| self.stages[a].pending_count())
            .sum();
        if pending == 0 {
            self.backlog_armed = false;
            return;
        }
        let cores = self.shape.cores.max(1) as u64;
        let needed = (pending as u64 + self.running_tasks).div_ceil(cores);
        let have = (self.alive + self.starting) as u64;
        let target = needed.min(self.max_execs as u64);
        let add = (self.to_add as u64).min(target.saturating_sub(have)) as u32;
        for _ in 0..add {
            let e = self.new_executor(t);
            self.starting += 1;
            self.push(t + self.s.cluster.executor_start_s, Ev::ExecUp(e));
        }
        self.to_add = self.to_add.saturating_mul(2);
        let next = t + self
            .s
            .spark
            .dynamic_allocation
            .sustained_backlog_timeout_s
            .max(1e-3);
        self.push(next, Ev::Backlog(g));
    }

    fn finish(self) -> Sim {
        let end = self.end.unwrap_or(self.last_job_end + self.s.driver.end_s);
        let executors = self.execs;
        let stages = self.stages;
        let error = self.error.or_else(|| {
            stages
                .iter()
                .any(|s| s.state != StageState::Done)
                .then(|| "the job did not finish: a stage never became runnable".to_string())
        });
        Sim {
            shape: self.shape.clone(),
            stages,
            jobs: self.jobs,
            executors,
            attempts: self.attempts,
            end_s: end,
            error,
            peak_disk_bytes: self.peak_disk,
            disk_capacity_bytes: self.shape.disk_bytes,
        }
    }
}

impl Scenario {
    /// The numeric id of the first executor (Glue and YARN count from 1, standalone from 0).
    pub fn cluster_first_executor_id(&self) -> u32 {
        self.cluster.first_executor_id
    }
}

/// True when a stage reads files (for the run's RDD list).
pub fn is_read(spec: &StageSpec) -> bool {
    matches!(spec.source, Source::Read { .. })
}

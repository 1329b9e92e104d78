//! The run model: what every source produces and every view consumes.
//!
//! Times are seconds from the run's start (`_s`, f64), sizes are bytes (`_bytes`, u64);
//! the absolute start is `RunMeta::start_epoch_ms`.

mod columns;
mod executor;
pub mod glue;
pub mod metrics;
mod run;
mod series;
mod stage;
mod task;
mod tasks;
pub mod units;

pub use executor::{is_driver_id, order_key as executor_order_key, Executor};
pub use run::{MemorySource, Run, RunMeta, RunStatus, SourceFormat, RUN_FORMAT};
pub use series::{Series, SeriesKind, SeriesSource, Unit};
pub use stage::{Job, JobResult, SqlExecution, Stage, StageRdd, StageStatus};
pub use task::{Task, TaskStatus};
pub use tasks::{permute_rows, retain_rows, TaskRef, Tasks, TasksReader};

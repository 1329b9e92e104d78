//! Executors and the driver.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An executor (or the driver) of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Executor {
    /// Spark executor id (`"1"`, `"driver"`).
    pub id: String,
    /// True for the driver.
    #[serde(default)]
    pub is_driver: bool,
    /// Host the executor ran on.
    #[serde(default)]
    pub host: Option<String>,
    /// Task slots (cores).
    #[serde(default)]
    pub cores: Option<u32>,
    /// Memory available for execution and storage (Spark's block manager maximum), bytes.
    #[serde(default)]
    pub max_memory_bytes: Option<u64>,
    /// When the executor was added, seconds from run start.
    #[serde(default)]
    pub added_s: Option<f64>,
    /// When the executor was removed, seconds from run start.
    #[serde(default)]
    pub removed_s: Option<f64>,
    /// Why the executor was removed.
    #[serde(default)]
    pub removed_reason: Option<String>,
    /// Peak of each executor metric Spark logged for it (`JVMHeapMemory`, `ProcessTreeJVMRSSMemory`, …).
    #[serde(default)]
    pub peak_metrics: BTreeMap<String, u64>,
}

/// Display order of executor ids: `driver` first, then numeric ids by number (so 10 comes after
/// 9), then other ids (`ALL`, names) in their given order.
pub fn order_key(id: &str) -> crate::sorting::Key {
    if is_driver_id(id) {
        crate::sorting::Key(0.0, 0)
    } else if let Ok(n) = id.parse::<u64>() {
        crate::sorting::Key(1.0, n)
    } else {
        crate::sorting::Key(2.0, 0)
    }
}

/// The driver's executor id: `driver`, or `<driver>` in logs of Spark before 1.4.
pub fn is_driver_id(id: &str) -> bool {
    id == "driver" || id == "<driver>"
}

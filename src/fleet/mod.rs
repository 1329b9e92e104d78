//! The fleet: one row per run, for tables over every run of every job. The PySpark job
//! (`python -m runlens.fleet`) writes the rows with this code; the fleet page reads them back.

pub mod record;
pub mod row;
pub mod table;
pub mod view;

pub use row::FleetRow;

//! Spark event logs.

//! AWS CloudWatch exports of Glue job metrics.

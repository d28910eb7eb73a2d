//! `tls enable` for a whole Sentinel group: [`plan`] (pure: stages for the data nodes, a
//! rolling restart of the Sentinels, replication over TLS) and [`exec`] (gather, apply,
//! stop at the failing stage with what is done and what to do).

pub mod exec;
pub mod plan;

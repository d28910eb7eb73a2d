//! One integration-test binary (one link) over real redis-server processes.

mod harness;

mod analyze;
mod audit;
mod backup;
mod checker;
mod cluster;
mod cluster_harden;
mod cluster_new;
mod cluster_restore;
mod cluster_tls;
mod codec;
mod copy;
mod errors;
mod generated;
mod harden;
mod keepmode;
mod matrix;
mod messages;
mod output;
mod repository;
mod restore;
mod s3;
mod s3_harness;
mod safety;
mod schedule;
mod status;
mod sync;
mod tls;

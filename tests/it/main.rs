//! One integration-test binary (one link) over real redis-server processes.

mod harness;

mod audit;
mod backup;
mod errors;
mod generated;
mod harden;
mod keepmode;
mod messages;
mod output;
mod repository;
mod restore;
mod safety;
mod schedule;
mod status;
mod sync;
mod tls;

//! One integration-test binary (one link) over real redis-server processes.

mod harness;

mod analyze;
mod audit;
mod backup;
mod errors;
mod generated;
mod harden;
mod repository;
mod restore;
mod safety;
mod status;
mod sync;
mod tls;

//! One integration-test binary (one link) over real redis-server processes.

mod harness;

mod audit;
mod errors;
mod generated;
mod status;

//! One integration-test binary (one link) over real redis-server processes.

mod harness;

mod errors;
mod generated;
mod status;
mod sync;

//! `redisops harden`: auditing a live Redis (and its Sentinels) against a catalogue of
//! checks, and fixing what it finds. One folder per concern:
//!
//! - [`facts`]: gather everything once per node (over the wire, plus local files when the
//!   node runs here), as plain data;
//! - [`checks`]: the catalogue of checks, pure functions over the facts, with stable IDs;
//! - [`report`]: text, JSON and SARIF renderings of the findings;
//! - [`apply`]: `harden apply`, a plan made from the same facts and findings (check IDs
//!   select what it fixes), applied step by step with verification and rollback.

pub mod apply;
pub mod checks;
pub mod facts;
pub mod report;

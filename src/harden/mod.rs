//! `redisops harden`: auditing a live Redis (and its Sentinels) against a catalogue of
//! checks. Three concerns, one folder each:
//!
//! - [`facts`]: gather everything once per node (over the wire, plus local files when the
//!   node runs here), as plain data;
//! - [`checks`]: the catalogue of checks, pure functions over the facts, with stable IDs;
//! - [`report`]: text, JSON and SARIF renderings of the findings.
//!
//! `harden apply` is meant to plan from the same facts and check IDs.

pub mod checks;
pub mod facts;
pub mod report;

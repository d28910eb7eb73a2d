//! Planning `harden apply`: a pure function from the audit's facts (and findings) and the
//! operator's options to an ordered list of steps, each on one node and tagged with the
//! check IDs it fixes (for `--only`/`--skip`). Nothing here talks to a server, so every
//! ordering rule is unit-tested and `--dry-run` prints exactly what would run.
//!
//! Order (notes §3, "Safe apply order"): add before taking away, wire the dependants before
//! tightening what they depend on, and check after each step that still matters:
//!
//! 1. write the new passwords to the secrets directory (so no password exists only on a
//!    server);
//! 2. on every node create or update the role users, and prove each with a fresh login;
//!    switch redisops' own connection to the admin user;
//! 3. wire the dependants: `masteruser`/`masterauth` on every server (then re-link the
//!    replicas), `auth-user`/`auth-pass` and `sentinel-user`/`sentinel-pass` on every
//!    Sentinel (then check the Sentinels still agree);
//! 4. tighten: replicas, then the master, then the Sentinels one by one: the default user,
//!    protected mode, bind and the other runtime settings, checking links and the Sentinels'
//!    view after each node;
//! 5. persist (`ACL SAVE`, `CONFIG REWRITE` or the config-file editor, `SENTINEL
//!    FLUSHCONFIG`) and make the files private again (CONFIG REWRITE writes 0644);
//! 6. file-only directives (`enable-*-command`, `rename-command`) and, with `--restart`, a
//!    restart through the node's supervisor;
//! 7. prove that an unauthenticated connection is refused everywhere.
//!
//! The plan's data ([`actions`]), the refusals checked before anything is planned
//! ([`refusals`]) and the planner ([`planner`]) live in their own files.

mod actions;
pub mod cluster;
mod planner;
mod refusals;

pub use actions::{Action, DefaultUser, FileLine, Part, Plan, PlanOptions, Step, Val};
pub use planner::plan;
pub use refusals::Refusal;

#[cfg(test)]
mod tests;

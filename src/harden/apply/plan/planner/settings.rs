//! Runtime settings that close findings without a restart (`CONFIG SET`), and `--bind`.

use super::{Planner, since_7};
use crate::harden::apply::plan::{Action, Refusal, Val};
use crate::harden::checks::CheckId;
use crate::harden::facts::NodeFacts;

/// Which findings apply fixes at runtime, and how: (check ID, config key, value).
const RUNTIME_FIXES: &[(CheckId, &str, &str)] = &[
    (CheckId("NET-02"), "protected-mode", "yes"),
    (CheckId("ACL-02"), "acl-pubsub-default", "resetchannels"),
    (CheckId("LOG-01"), "acllog-max-len", "128"),
    (CheckId("DOS-01"), "maxmemory-clients", "5%"),
    (CheckId("REPL-03"), "replica-read-only", "yes"),
];

/// Runtime fixes that do something on this server: `maxmemory-clients` needs 7.0 and a
/// percentage of a `maxmemory` that is set.
fn runtime_fix_applies(n: &NodeFacts, key: &str) -> bool {
    match key {
        "maxmemory-clients" => since_7(n) && n.config("maxmemory").is_some_and(|m| m != "0"),
        _ => true,
    }
}

impl Planner<'_> {
    pub(super) fn tighten_server(&mut self, n: &NodeFacts) -> Result<(), Refusal> {
        let before = self.plan.steps.len();
        if self.access() {
            self.tighten_default(n)?;
        }
        let mut pairs = Vec::new();
        let mut ids = Vec::new();
        for (id, key, value) in RUNTIME_FIXES {
            if self.finding(n, *id)
                && self.selected(&[*id])
                && n.config(key) != Some(value)
                && runtime_fix_applies(n, key)
            {
                pairs.push((key.to_string(), Val::Plain(value.to_string())));
                ids.push(*id);
            }
        }
        if let Some(bind) = &self.opts.bind
            && self.selected(&[CheckId("NET-03")])
        {
            let wanted = bind.join(" ");
            if n.config("bind") != Some(wanted.as_str()) {
                self.refuse_lockout(bind)?;
                pairs.push(("bind".into(), Val::Plain(wanted)));
                ids.push(CheckId("NET-03"));
            }
        }
        if !pairs.is_empty() {
            self.push(n, Action::ConfigSet { pairs }, &ids);
        }
        if self.plan.steps.len() > before {
            if n.role == "slave" && self.in_group() {
                self.push(n, Action::Relink, &[]);
            }
            self.check_group(n);
        }
        Ok(())
    }

    /// `--bind` must keep the address redisops is connected through.
    fn refuse_lockout(&self, bind: &[String]) -> Result<(), Refusal> {
        let via = self.opts.connected_via.as_str();
        let loopback = via == "localhost" || via.starts_with("127.") || via == "::1";
        let kept = bind.iter().any(|b| {
            let b = b.trim_start_matches('-');
            b == via
                || b == "*"
                || b == "0.0.0.0"
                || b == "::*"
                || (loopback && (b.starts_with("127.") || b == "::1"))
        });
        if kept || via.starts_with('/') {
            return Ok(());
        }
        Err(Refusal(format!(
            "--bind {} would close the address redisops is connected through ({via}): \
             include it, or run apply over another listed address",
            bind.join(" ")
        )))
    }
}

//! Exit codes: one small documented enum, and the error type that carries one.
//!
//! Most code returns `anyhow::Error` with context. Where the operator (or a script) needs to
//! tell failures apart, the code attaches a [`Failure`] somewhere in the chain and `main` maps
//! it to the exit code. The table in the README and the man page is generated from
//! [`ExitCode::ALL`], so it cannot drift from the code.

use std::fmt;

/// Process exit codes. Values are stable: scripts depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success,
    /// Unclassified error.
    Error,
    /// Bad command line or configuration file.
    Usage,
    /// `harden audit` found problems at or above `--fail-on`.
    Findings,
    /// Redis or Sentinel unreachable: refused, timed out, name not resolved, no Sentinel answered.
    Unreachable,
    /// Authentication failed: NOAUTH, WRONGPASS, unreadable password file.
    Auth,
    /// The user lacks an ACL permission (NOPERM).
    Permission,
    /// TLS handshake or certificate verification failed.
    Tls,
    /// The target is not what was asked for: unknown Sentinel master, wrong role, a Redis
    /// Cluster (or one of its nodes) given to a command that does not support clusters.
    Target,
    /// A Redis Cluster not in a state to back up or restore as a whole (cluster_state not ok,
    /// slots without owner or with a failing one, a migration, nodes disagreeing, a shard with
    /// no usable node, for a restore any node not answering), or its slot map changed during
    /// the backup: no set was committed, nothing was changed.
    ClusterRefused,
    /// A backup set that does not fit the live cluster: another number of shards, slot ranges
    /// that differ, or an archive key outside its target master's slots; nothing was changed.
    RestoreMismatch,
    /// Another redisops run holds the repository lock.
    Locked,
    /// The server could not produce an RDB (BGSAVE failed, SYNC refused or dropped).
    SaveFailed,
    /// An archive or RDB failed verification (checksum, size, truncation, tampering).
    VerifyFailed,
    /// An archive could not be decrypted with the given identity or passphrase.
    Decrypt,
    /// No such repository or backup.
    NotFound,
    /// Restore or a TLS change failed and was rolled back: the server is as it was before.
    RolledBack,
    /// Restore stopped half-way (`restore --resume` or `--abort`), a Sentinel group is
    /// partly moved to TLS (run `tls enable` again), or a rollback itself failed (the
    /// message lists what to undo by hand; see [`crate::steps`]).
    Incomplete,
    /// A copy into another repository (`copy`, `backup --copy-to`) failed; the backup in the
    /// source repository is intact (and, after `backup --copy-to`, committed).
    CopyFailed,
    /// Interrupted by SIGINT/SIGTERM.
    Interrupted,
}

impl ExitCode {
    pub const ALL: [ExitCode; 20] = [
        ExitCode::Success,
        ExitCode::Error,
        ExitCode::Usage,
        ExitCode::Findings,
        ExitCode::Unreachable,
        ExitCode::Auth,
        ExitCode::Permission,
        ExitCode::Tls,
        ExitCode::Target,
        ExitCode::ClusterRefused,
        ExitCode::RestoreMismatch,
        ExitCode::Locked,
        ExitCode::SaveFailed,
        ExitCode::VerifyFailed,
        ExitCode::Decrypt,
        ExitCode::NotFound,
        ExitCode::RolledBack,
        ExitCode::Incomplete,
        ExitCode::CopyFailed,
        ExitCode::Interrupted,
    ];

    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Error => 1,
            ExitCode::Usage => 2,
            ExitCode::Findings => 3,
            ExitCode::Unreachable => 10,
            ExitCode::Auth => 11,
            ExitCode::Permission => 12,
            ExitCode::Tls => 13,
            ExitCode::Target => 14,
            ExitCode::ClusterRefused => 15,
            ExitCode::RestoreMismatch => 16,
            ExitCode::Locked => 20,
            ExitCode::SaveFailed => 21,
            ExitCode::VerifyFailed => 22,
            ExitCode::Decrypt => 23,
            ExitCode::NotFound => 24,
            ExitCode::RolledBack => 30,
            ExitCode::Incomplete => 31,
            ExitCode::CopyFailed => 32,
            ExitCode::Interrupted => 130,
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Success => "success",
            ExitCode::Error => "unclassified error",
            ExitCode::Usage => "bad command line or configuration file",
            ExitCode::Findings => "harden audit: findings at or above --fail-on",
            ExitCode::Unreachable => "Redis or Sentinel unreachable (refused, timeout, DNS)",
            ExitCode::Auth => "authentication failed (NOAUTH, WRONGPASS)",
            ExitCode::Permission => "missing ACL permission (NOPERM)",
            ExitCode::Tls => "TLS handshake or certificate verification failed",
            ExitCode::Target => {
                "target mismatch (unknown Sentinel master, wrong role, cluster not supported \
                 for this command)"
            }
            ExitCode::ClusterRefused => {
                "cluster not in a state to back up or restore (state, coverage, migration, \
                 disagreement, no usable node in a shard, slots moved, a consistent cut that did \
                 not hold); nothing committed or changed"
            }
            ExitCode::RestoreMismatch => {
                "backup set does not fit the live cluster (shard count, slot ranges, keys \
                 outside the target's slots); nothing changed"
            }
            ExitCode::Locked => "another redisops run holds the lock",
            ExitCode::SaveFailed => "the server could not produce an RDB (BGSAVE/SYNC failed)",
            ExitCode::VerifyFailed => "verification failed (checksum, size, truncation)",
            ExitCode::Decrypt => "decryption failed (wrong identity or passphrase)",
            ExitCode::NotFound => "no such repository or backup",
            ExitCode::RolledBack => "restore, tls or harden change failed and was rolled back",
            ExitCode::Incomplete => {
                "incomplete: restore --resume/--abort; tls group: fix the cause and run it \
                 again; harden: see the message"
            }
            ExitCode::CopyFailed => {
                "copy to another repository failed; the backup in the source repository is intact"
            }
            ExitCode::Interrupted => "interrupted by a signal",
        }
    }

    /// The exit-code table as shown in `--help` and the man page.
    pub fn table() -> String {
        let mut out = String::from("Exit codes:\n");
        for code in Self::ALL {
            out.push_str(&format!("  {:>3}  {}\n", code.code(), code.meaning()));
        }
        out
    }
}

/// An error whose kind decides the exit code. The message is the whole explanation: what
/// happened and what to do.
#[derive(Debug)]
pub struct Failure {
    pub code: ExitCode,
    pub message: String,
}

impl Failure {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Shorthand for returning a classified error.
pub fn fail(code: ExitCode, message: impl Into<String>) -> anyhow::Error {
    Failure::new(code, message).into()
}

/// The exit code for an error chain: the outermost [`Failure`] wins. Failures carried
/// inside `io::Error`s (from readers in a pipeline) count too; `io::Error::source` skips
/// its payload, so it is looked at explicitly.
pub fn code_for(err: &anyhow::Error) -> ExitCode {
    err.chain().find_map(failure_in).unwrap_or(ExitCode::Error)
}

/// The one place where domain error kinds become exit codes.
fn failure_in(e: &(dyn std::error::Error + 'static)) -> Option<ExitCode> {
    use crate::archive::{ArchiveError, KeyError};
    use crate::rdb::RdbError;
    use crate::repo::{LockError, RepoError};
    if let Some(f) = e.downcast_ref::<Failure>() {
        return Some(f.code);
    }
    if let Some(r) = e.downcast_ref::<RepoError>() {
        return Some(match r {
            RepoError::Ambiguous { .. } | RepoError::ManyFolders { .. } => ExitCode::Usage,
            RepoError::NotARepository { .. } | RepoError::NotFound { .. } => ExitCode::NotFound,
        });
    }
    if let Some(k) = e.downcast_ref::<KeyError>() {
        return Some(match k {
            KeyError::Write { .. } => ExitCode::Error,
            _ => ExitCode::Usage,
        });
    }
    if let Some(LockError::Held { .. }) = e.downcast_ref::<LockError>() {
        return Some(ExitCode::Locked);
    }
    if let Some(r) = e.downcast_ref::<RdbError>() {
        return match r {
            RdbError::Io(io) => io.get_ref().and_then(|inner| failure_in(inner)),
            _ => Some(ExitCode::VerifyFailed),
        };
    }
    if let Some(a) = e.downcast_ref::<ArchiveError>() {
        return match a {
            ArchiveError::Io(io) => io.get_ref().and_then(|inner| failure_in(inner)),
            ArchiveError::Corrupt(_) => Some(ExitCode::VerifyFailed),
            _ => Some(ExitCode::Decrypt),
        };
    }
    let inner = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    failure_in(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        let mut seen: Vec<u8> = ExitCode::ALL.iter().map(|c| c.code()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), ExitCode::ALL.len());
    }

    #[test]
    fn failure_found_through_context() {
        let err =
            anyhow::Error::from(Failure::new(ExitCode::Locked, "held")).context("while backing up");
        assert_eq!(code_for(&err), ExitCode::Locked);
        assert_eq!(code_for(&anyhow::anyhow!("plain")), ExitCode::Error);
        let io = std::io::Error::other(Failure::new(ExitCode::SaveFailed, "dropped"));
        let err = anyhow::Error::from(io).context("reading");
        assert_eq!(code_for(&err), ExitCode::SaveFailed);
    }
}

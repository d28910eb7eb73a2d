//! `redisops tls`: a private PKI ([`certs`]), reading certificates ([`inspect`]), planning
//! ([`plan`], pure) and applying ([`exec`]) TLS enablement and rotation on a live node, the
//! same for a whole Sentinel group ([`group`], with [`sentinel_conf`] for the Sentinels'
//! files), and [`check`]: the certificate every node of a target presents.

pub mod certs;
pub mod exec;
pub mod group;
pub mod inspect;
pub mod plan;
pub mod sentinel_conf;

use crate::conn::Dialer;
use crate::conn::sentinel::SentinelView;
use crate::exit::{ExitCode, fail};
use crate::target::{Endpoint, HostPort, Target, TargetKind};
use anyhow::Result;
use inspect::CertSummary;
use serde::Serialize;

/// What one node presented in the TLS handshake.
#[derive(Debug, Serialize)]
pub struct NodeCert {
    pub address: String,
    /// master, replica or sentinel (for Sentinel targets; in a cluster with the shard's
    /// slots); `null` for a single node.
    pub role: Option<String>,
    pub certificate: Option<CertSummary>,
    pub days_left: Option<i64>,
    pub error: Option<String>,
}

/// Handshakes with every node of the target (for a Sentinel target: the Sentinels, the
/// master and the replicas they list) and reads the certificate each presents. Only the
/// handshake is done, so it works for remote servers and needs no Redis credentials.
pub async fn check(target: &Target, now: i64) -> Result<Vec<NodeCert>> {
    let Some(tls) = &target.tls else {
        return Err(fail(
            ExitCode::Usage,
            "tls check reads the certificate from a TLS handshake: use a rediss:// or \
             rediss-sentinel:// target, or --tls with --cacert (and --cert/--key)",
        ));
    };
    let dialer = Dialer::new(Some(tls), target.timeout)?;
    let nodes: Vec<(HostPort, Option<&str>)> = match &target.kind {
        TargetKind::Node(Endpoint::Tcp(hp)) => vec![(hp.clone(), None)],
        TargetKind::Node(Endpoint::Unix(_)) => {
            return Err(fail(ExitCode::Usage, "unix sockets do not use TLS"));
        }
        TargetKind::Sentinel {
            sentinels,
            master,
            auth,
        } => {
            let view = SentinelView::gather(&dialer, sentinels, master, auth).await?;
            let mut nodes = vec![(view.master.clone(), Some("master"))];
            nodes.extend(
                view.replicas
                    .iter()
                    .map(|r| (r.address.clone(), Some("replica"))),
            );
            nodes.extend(sentinels.iter().map(|s| (s.clone(), Some("sentinel"))));
            nodes
        }
    };
    Ok(certificates(&dialer, nodes, now).await)
}

/// The certificate each node presents, with its role for the report.
pub async fn certificates<R: AsRef<str>>(
    dialer: &Dialer,
    nodes: Vec<(HostPort, Option<R>)>,
    now: i64,
) -> Vec<NodeCert> {
    let mut out = Vec::new();
    for (hp, role) in nodes {
        let parsed = match dialer.peer_certificate(&hp).await {
            Ok(der) => CertSummary::from_der(&der),
            Err(e) => Err(format!("{e:#}")),
        };
        let (certificate, error) = match parsed {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e)),
        };
        out.push(NodeCert {
            address: hp.to_string(),
            role: role.map(|r| r.as_ref().to_string()),
            days_left: certificate.as_ref().map(|c| c.days_left(now)),
            certificate,
            error,
        });
    }
    out
}

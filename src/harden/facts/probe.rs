//! The unauthenticated probe: a fresh connection to every listener of a node (plaintext
//! port, TLS port, unix socket) that sends `INFO server` without credentials, the way
//! scanners such as nuclei's `exposed-redis` do. On a TLS port the handshake still needs the
//! operator's CA and client certificate (`tls-auth-clients yes` refuses anyone else), so the
//! facts say exactly what the probe presented.

use super::{Access, ListenerFacts, Transport};
use crate::conn::{Dialer, Node};
use crate::target::{Auth, Endpoint, HostPort, TlsOptions};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Probes every listener the config names (or, without the config, the endpoint the audit
/// connected to). Probes start from this host: from loopback, protected mode never applies.
pub(super) async fn listeners(
    endpoint: &Endpoint,
    config: Option<&BTreeMap<String, String>>,
    tls: Option<&TlsOptions>,
    timeout: Duration,
) -> Vec<ListenerFacts> {
    let host = match endpoint {
        Endpoint::Tcp(hp) => hp.host.clone(),
        Endpoint::Unix(_) => "127.0.0.1".to_string(),
    };
    let tcp = |port: &str| {
        let port: u16 = config?.get(port)?.parse().ok()?;
        (port != 0).then(|| {
            Endpoint::Tcp(HostPort {
                host: host.clone(),
                port,
            })
        })
    };
    let mut wanted: Vec<(Endpoint, Transport)> = Vec::new();
    match config.filter(|c| c.contains_key("port")) {
        Some(config) => {
            if let Some(ep) = tcp("port") {
                wanted.push((ep, Transport::Plaintext));
            }
            if let Some(ep) = tcp("tls-port") {
                wanted.push((ep, Transport::Tls));
            }
            if let Some(path) = config.get("unixsocket").filter(|p| !p.is_empty()) {
                wanted.push((Endpoint::Unix(PathBuf::from(path)), Transport::Unix));
            }
        }
        None => {
            let transport = match (endpoint, tls) {
                (Endpoint::Unix(_), _) => Transport::Unix,
                (_, Some(_)) => Transport::Tls,
                (_, None) => Transport::Plaintext,
            };
            wanted.push((endpoint.clone(), transport));
        }
    }
    let mut out = Vec::new();
    for (ep, transport) in wanted {
        out.push(probe(&ep, transport, tls, timeout).await);
    }
    out
}

async fn probe(
    endpoint: &Endpoint,
    transport: Transport,
    tls: Option<&TlsOptions>,
    timeout: Duration,
) -> ListenerFacts {
    let (probed_with, access) = match (transport, tls) {
        (Transport::Tls, None) => (
            "TLS".to_string(),
            Access::NotProbed(
                "no TLS options given (--tls, --cacert, --cert, --key) to complete the handshake"
                    .into(),
            ),
        ),
        (Transport::Unix, _) if !matches!(endpoint, Endpoint::Unix(p) if p.exists()) => (
            "unix socket".to_string(),
            Access::NotProbed("the socket is not on this host".into()),
        ),
        (Transport::Tls, Some(opts)) => (
            describe_tls(opts),
            attempt(Dialer::new(Some(opts), timeout), endpoint).await,
        ),
        (Transport::Plaintext, _) => (
            "plaintext TCP, no credentials".to_string(),
            attempt(Dialer::new(None, timeout), endpoint).await,
        ),
        (Transport::Unix, _) => (
            "unix socket, no credentials".to_string(),
            attempt(Dialer::new(None, timeout), endpoint).await,
        ),
    };
    ListenerFacts {
        address: endpoint.to_string(),
        transport,
        probed_with,
        access,
    }
}

fn describe_tls(opts: &TlsOptions) -> String {
    let verify = match (&opts.cacert, opts.insecure) {
        (_, true) => "without certificate verification (--insecure)".to_string(),
        (Some(ca), false) => format!("verifying with CA {}", ca.display()),
        (None, false) => "verifying with the system CA store".to_string(),
    };
    let client = match &opts.cert {
        Some(cert) => format!("presenting client certificate {}", cert.display()),
        None => "without a client certificate".to_string(),
    };
    format!("TLS {verify}, {client}, no credentials")
}

async fn attempt(dialer: anyhow::Result<Dialer>, endpoint: &Endpoint) -> Access {
    match dialer {
        Ok(d) => without_credentials(&d, endpoint).await,
        Err(e) => Access::Failed(format!("{e:#}")),
    }
}

/// What a fresh connection without credentials gets: `INFO server`, as scanners send.
pub(crate) async fn without_credentials(dialer: &Dialer, endpoint: &Endpoint) -> Access {
    let connected = Node::connect(dialer, endpoint, &Auth::default(), 0).await;
    let mut node = match connected {
        Ok(node) => node,
        Err(e) => return Access::Failed(format!("{e:#}")),
    };
    let mut info = redis::cmd("INFO");
    info.arg("server");
    match node.try_query::<String>(&info).await {
        Ok(_) => Access::Open,
        Err(e) => match e.code() {
            Some("NOAUTH") => Access::AuthRequired,
            Some("NOPERM") => Access::Restricted(e.detail().unwrap_or("").trim().to_string()),
            // Protected mode answers -DENIED before any command, then hangs up.
            _ if e.to_string().contains("DENIED") => Access::Denied,
            _ => Access::Failed(e.to_string()),
        },
    }
}

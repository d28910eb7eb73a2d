//! Connections: dialling TCP, TLS and unix sockets ([`Dialer`]), talking to one Redis node
//! with redis-rs on top of our own stream ([`Node`]), and finding the master through
//! Sentinel ([`sentinel`]). [`connect`] is what commands call.

pub mod explain;
pub mod sentinel;
pub mod tls;

use crate::exit::{ExitCode, Failure, fail};
use crate::info::Info;
use crate::target::{Auth, Endpoint, HostPort, Target, TargetKind, TlsOptions};
use anyhow::{Context, Result};
use explain::Transport;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, FromRedisValue, RedisConnectionInfo};
use std::collections::BTreeMap;
use std::time::Duration;
use tls::TlsClient;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

/// Any byte stream to a Redis node.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Opens raw streams with the target's TLS settings and timeout.
#[derive(Clone)]
pub struct Dialer {
    tls: Option<TlsClient>,
    pub timeout: Duration,
}

impl Dialer {
    pub fn new(tls: Option<&TlsOptions>, timeout: Duration) -> Result<Self> {
        Ok(Self {
            tls: tls.map(TlsClient::new).transpose()?,
            timeout,
        })
    }

    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    pub fn transport(&self) -> Transport {
        match &self.tls {
            None => Transport::Plain,
            Some(t) => Transport::Tls {
                client_cert: t.has_client_cert(),
            },
        }
    }

    pub async fn dial(&self, endpoint: &Endpoint) -> Result<Box<dyn Stream>> {
        let addr = endpoint.to_string();
        let transport = self.transport();
        let classify =
            |e: std::io::Error| anyhow::Error::from(explain::io_error(&e, &addr, transport));
        let dial = async {
            match endpoint {
                Endpoint::Unix(path) => {
                    Ok(Box::new(UnixStream::connect(path).await.map_err(classify)?)
                        as Box<dyn Stream>)
                }
                Endpoint::Tcp(hp) => {
                    let tcp = TcpStream::connect((hp.host.as_str(), hp.port))
                        .await
                        .map_err(|e| dns_or_io(e, hp, transport))?;
                    let _ = tcp.set_nodelay(true);
                    match &self.tls {
                        None => Ok(Box::new(tcp) as Box<dyn Stream>),
                        Some(client) => {
                            Ok(Box::new(self.handshake(client, hp, tcp).await?) as Box<dyn Stream>)
                        }
                    }
                }
            }
        };
        // The handshake has its own timeout inside; this one covers connect.
        match tokio::time::timeout(self.timeout * 2, dial).await {
            Ok(result) => result,
            Err(_) => Err(explain::io_error(
                &std::io::Error::from(std::io::ErrorKind::TimedOut),
                &addr,
                transport,
            )
            .into()),
        }
    }

    /// The TLS handshake on a connected socket, with its own timeout.
    async fn handshake(
        &self,
        client: &TlsClient,
        hp: &HostPort,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>> {
        let addr = hp.to_string();
        let transport = self.transport();
        let name = client.server_name(&hp.host)?;
        let connector = tokio_rustls::TlsConnector::from(client.config.clone());
        // A plaintext port reads a ClientHello as an unfinished inline command and never
        // answers: time the handshake on its own.
        let stream = tokio::time::timeout(self.timeout, connector.connect(name, tcp))
            .await
            .map_err(|_| {
                fail(
                    ExitCode::Tls,
                    format!(
                        "TLS error: {addr} did not answer the TLS handshake: the port probably \
                         does not speak TLS. Use the server's tls-port, or drop --tls / use \
                         redis://."
                    ),
                )
            })?
            .map_err(|e| anyhow::Error::from(explain::io_error(&e, &addr, transport)))?;
        Ok(stream)
    }

    /// The certificate a TLS port presents (DER), verified like any connection of ours. Only
    /// the handshake is done: no Redis command, so it needs no credentials.
    pub async fn peer_certificate(&self, hp: &HostPort) -> Result<Vec<u8>> {
        let Some(client) = &self.tls else {
            return Err(fail(
                ExitCode::Usage,
                "reading a certificate needs TLS: pass --tls (with --cacert/--cert/--key) or use \
                 a rediss:// target",
            ));
        };
        let tcp = tokio::time::timeout(
            self.timeout,
            TcpStream::connect((hp.host.as_str(), hp.port)),
        )
        .await
        .map_err(|_| {
            explain::io_error(
                &std::io::Error::from(std::io::ErrorKind::TimedOut),
                &hp.to_string(),
                self.transport(),
            )
        })?
        .map_err(|e| dns_or_io(e, hp, self.transport()))?;
        let stream = self.handshake(client, hp, tcp).await?;
        stream
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|der| der.as_ref().to_vec())
            .ok_or_else(|| fail(ExitCode::Tls, format!("{hp} presented no certificate")))
    }
}

/// A failed name lookup surfaces as an io error of kind Other/Uncategorized from
/// `TcpStream::connect`; say so plainly instead of "failed to lookup address information".
fn dns_or_io(e: std::io::Error, hp: &HostPort, transport: Transport) -> anyhow::Error {
    let text = e.to_string();
    if text.contains("lookup") || text.contains("resolve") || text.contains("Name or service") {
        return fail(
            ExitCode::Unreachable,
            format!(
                "cannot resolve host '{}': {text}. Check the host name.",
                hp.host
            ),
        );
    }
    explain::io_error(&e, &hp.to_string(), transport).into()
}

/// A connection to one Redis node (or Sentinel).
pub struct Node {
    pub endpoint: Endpoint,
    user: Option<String>,
    transport: Transport,
    con: MultiplexedConnection,
}

impl Node {
    /// Dials and authenticates. `db` selects the database for commands that need one.
    pub async fn connect(
        dialer: &Dialer,
        endpoint: &Endpoint,
        auth: &Auth,
        db: i64,
    ) -> Result<Self> {
        let stream = dialer.dial(endpoint).await?;
        let mut info = RedisConnectionInfo::default()
            .set_db(db)
            .set_skip_set_lib_name();
        if let Some(user) = &auth.user {
            info = info.set_username(user);
        }
        if let Some(password) = &auth.password {
            info = info.set_password(password.expose());
        }
        let config = AsyncConnectionConfig::new()
            .set_response_timeout(Some(dialer.timeout))
            .set_connection_timeout(Some(dialer.timeout));
        let (con, driver) = MultiplexedConnection::new_with_config(&info, stream, config)
            .await
            .map_err(|e| {
                explain::redis_error(
                    &e,
                    &endpoint.to_string(),
                    auth.user.as_deref(),
                    dialer.transport(),
                )
            })?;
        tokio::spawn(driver);
        Ok(Self {
            endpoint: endpoint.clone(),
            user: auth.user.clone(),
            transport: dialer.transport(),
            con,
        })
    }

    /// Runs a command; errors are explained with the node's address and user.
    pub async fn query<T: FromRedisValue>(&mut self, cmd: &redis::Cmd) -> Result<T> {
        self.try_query(cmd)
            .await
            .map_err(|e| self.explain(&e).into())
    }

    /// Waits up to `limit` for `master_link_status:up`; on timeout hands back the last status
    /// seen, for the caller's explanation. Ends at once when `cancel` fires.
    pub async fn wait_link_up(
        &mut self,
        limit: Duration,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<std::result::Result<(), String>> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let info = self.info("replication").await?;
            let status = info.get("master_link_status").unwrap_or("?");
            if status == "up" {
                return Ok(Ok(()));
            }
            if std::time::Instant::now() > deadline {
                return Ok(Err(status.to_string()));
            }
            crate::steps::cancel::sleep(Duration::from_millis(200), cancel).await?;
        }
    }

    /// Runs a pipeline (a MULTI/EXEC transaction when it is atomic).
    pub async fn query_pipe(&mut self, pipe: &redis::Pipeline) -> Result<()> {
        pipe.query_async::<()>(&mut self.con)
            .await
            .map_err(|e| self.explain(&e).into())
    }

    /// Runs a command and hands back the raw error, for callers that branch on the reply.
    pub async fn try_query<T: FromRedisValue>(
        &mut self,
        cmd: &redis::Cmd,
    ) -> redis::RedisResult<T> {
        cmd.query_async(&mut self.con).await
    }

    pub fn explain(&self, e: &redis::RedisError) -> Failure {
        explain::redis_error(
            e,
            &self.endpoint.to_string(),
            self.user.as_deref(),
            self.transport,
        )
    }

    pub async fn info(&mut self, section: &str) -> Result<Info> {
        let mut cmd = redis::cmd("INFO");
        if !section.is_empty() {
            cmd.arg(section);
        }
        let text: String = self.query(&cmd).await?;
        Ok(Info::parse(&text))
    }

    pub async fn config_get(&mut self, pattern: &str) -> Result<BTreeMap<String, String>> {
        self.query(redis::cmd("CONFIG").arg("GET").arg(pattern))
            .await
            .with_context(|| format!("CONFIG GET {pattern}"))
    }

    /// First element of `ROLE`: master, slave or sentinel.
    pub async fn role(&mut self) -> Result<String> {
        let reply: Vec<redis::Value> = self.query(&redis::cmd("ROLE")).await?;
        match reply.first() {
            Some(v) => Ok(String::from_redis_value(v.clone())?),
            None => Err(fail(ExitCode::Target, "empty ROLE reply")),
        }
    }
}

/// The node a command works on, and how it was found.
pub struct Connected {
    pub node: Node,
    pub dialer: Dialer,
    pub sentinel: Option<sentinel::SentinelView>,
}

/// Which node of a Sentinel group to connect to. Without Sentinel the target node is used
/// whatever its role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Want {
    /// The master
    Master,
    /// A healthy replica, or fail
    Replica,
    /// A healthy replica, else the master
    PreferReplica,
}

/// A replica whose master link has been silent this long is not "healthy" for a backup.
const MAX_REPLICA_IO_AGE_SECS: i64 = 10;

/// Connects to the target: directly, or through Sentinel to the master a majority reports
/// (confirmed with ROLE) or to a healthy replica.
pub async fn connect(target: &Target, want: Want) -> Result<Connected> {
    let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
    let (sentinels, master, auth) = match &target.kind {
        TargetKind::Node(endpoint) => {
            let node = Node::connect(&dialer, endpoint, &target.auth, target.db).await?;
            return Ok(Connected {
                node,
                dialer,
                sentinel: None,
            });
        }
        TargetKind::Sentinel {
            sentinels,
            master,
            auth,
        } => (sentinels, master, auth),
    };
    let view = sentinel::SentinelView::gather(&dialer, sentinels, master, auth).await?;
    if want != Want::Master {
        let mut reasons = Vec::new();
        for replica in &view.replicas {
            match healthy_replica(&dialer, target, replica).await {
                Ok(node) => {
                    return Ok(Connected {
                        node,
                        dialer,
                        sentinel: Some(view),
                    });
                }
                Err(why) => reasons.push(format!("{}: {why:#}", replica.address)),
            }
        }
        if want == Want::Replica {
            return Err(fail(
                ExitCode::Target,
                format!(
                    "no healthy replica of '{master}' (link up, in sync, heard from the master \
                     in the last {MAX_REPLICA_IO_AGE_SECS}s): {}. Use --from prefer-replica or \
                     --from master to back up from the master instead.",
                    if reasons.is_empty() {
                        "the Sentinels know no replicas".to_string()
                    } else {
                        reasons.join("; ")
                    }
                ),
            ));
        }
        crate::ui::note(format!(
            "no healthy replica of '{master}', using the master{}",
            if reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", reasons.join("; "))
            }
        ));
    }
    let endpoint = Endpoint::Tcp(view.master.clone());
    let mut node = Node::connect(&dialer, &endpoint, &target.auth, target.db).await?;
    let role = node.role().await?;
    if role != "master" {
        return Err(fail(
            ExitCode::Target,
            format!(
                "the Sentinels report {endpoint} as master of '{master}', but it says it is a \
                 {role}: a failover is probably in progress. Retry in a minute."
            ),
        ));
    }
    Ok(Connected {
        node,
        dialer,
        sentinel: Some(view),
    })
}

/// Connects to a replica Sentinel lists and checks it is fit to back up from.
async fn healthy_replica(
    dialer: &Dialer,
    target: &Target,
    replica: &sentinel::SentinelReplica,
) -> Result<Node> {
    if replica.flags.contains("down") || replica.flags.contains("disconnected") || !replica.link_ok
    {
        anyhow::bail!("Sentinel flags it as {}", replica.flags);
    }
    let endpoint = Endpoint::Tcp(replica.address.clone());
    let mut node = Node::connect(dialer, &endpoint, &target.auth, target.db).await?;
    let info = node.info("replication").await?;
    let role = info.get("role").unwrap_or("?");
    let link = info.get("master_link_status").unwrap_or("?");
    let io_age = info.i64("master_last_io_seconds_ago").unwrap_or(i64::MAX);
    let syncing = info.flag("master_sync_in_progress").unwrap_or(true);
    if role != "slave" || link != "up" || syncing || io_age > MAX_REPLICA_IO_AGE_SECS {
        anyhow::bail!(
            "role {role}, master link {link}, full sync running: {syncing}, last I/O {io_age}s ago"
        );
    }
    Ok(node)
}

//! Turning connection and server errors into messages an operator can act on at 3 a.m.:
//! what happened, at which address, and what to change. Each message carries the exit code
//! for its kind (see `exit.rs`).

use crate::exit::{ExitCode, Failure};
use std::io;

/// How a connection was made, for hints in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Plain,
    Tls { client_cert: bool },
}

impl Transport {
    /// What to try when a connection drops right after it was opened.
    fn hint(self) -> &'static str {
        match self {
            Transport::Plain => " If this is a TLS port, use --tls or a rediss:// URL.",
            Transport::Tls { client_cert: false } => {
                " The server probably requires a client certificate (tls-auth-clients yes): \
                 pass --cert and --key."
            }
            Transport::Tls { client_cert: true } => {
                " If this port serves plaintext only, drop --tls / use redis://."
            }
        }
    }
}

/// Explains an I/O error from dialling `addr` (TCP, unix socket or TLS handshake).
pub fn io_error(err: &io::Error, addr: &str, transport: Transport) -> Failure {
    if let Some(tls_err) = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return tls_error(tls_err, addr);
    }
    let hint = transport.hint();
    match err.kind() {
        io::ErrorKind::ConnectionRefused => Failure::new(
            ExitCode::Unreachable,
            format!(
                "connection refused by {addr}: nothing listens there. Check the address \
                 (-h/-p/-s or --target), that redis-server is running, and its bind/port settings."
            ),
        ),
        io::ErrorKind::TimedOut => Failure::new(
            ExitCode::Unreachable,
            format!(
                "no answer from {addr} in time: the host is down or a firewall drops the \
                 traffic. Check the address and the network, or raise --timeout."
            ),
        ),
        io::ErrorKind::NotFound => Failure::new(
            ExitCode::Unreachable,
            format!("{addr} does not exist: check the socket path (unixsocket in redis.conf)."),
        ),
        io::ErrorKind::PermissionDenied => Failure::new(
            ExitCode::Unreachable,
            format!(
                "permission denied opening {addr}: run as a user allowed by the socket's mode \
                 (unixsocketperm in redis.conf) or connect over TCP."
            ),
        ),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::UnexpectedEof
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionAborted => dropped(addr, err, transport),
        _ => Failure::new(
            ExitCode::Unreachable,
            format!("cannot connect to {addr}: {err}.{hint}"),
        ),
    }
}

/// Explains a TLS failure; most are certificate problems with a precise fix.
pub fn tls_error(err: &rustls::Error, addr: &str) -> Failure {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let what = match err {
        E::InvalidCertificate(C::UnknownIssuer) => format!(
            "the certificate of {addr} is not signed by a CA we trust: pass --cacert with the \
             CA that signed it (or fix the chain the server sends)"
        ),
        E::InvalidCertificate(C::NotValidForName)
        | E::InvalidCertificate(C::NotValidForNameContext { .. }) => format!(
            "the certificate of {addr} does not name the host we dialled: connect by a name or \
             IP listed in its subjectAltName, or pass --sni NAME"
        ),
        E::InvalidCertificate(C::Expired) | E::InvalidCertificate(C::ExpiredContext { .. }) => {
            format!("the certificate of {addr} has expired: renew it (redisops tls rotate)")
        }
        E::InvalidCertificate(other) => {
            format!("the certificate of {addr} was rejected ({other:?})")
        }
        E::AlertReceived(A::CertificateRequired) | E::AlertReceived(A::HandshakeFailure) => {
            format!(
                "{addr} requires a client certificate (tls-auth-clients yes): pass --cert and \
                 --key"
            )
        }
        E::AlertReceived(A::BadCertificate)
        | E::AlertReceived(A::UnknownCA)
        | E::AlertReceived(A::CertificateUnknown) => format!(
            "{addr} rejected our client certificate: use a certificate signed by the CA in the \
             server's tls-ca-cert-file"
        ),
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => format!(
            "{addr} does not speak TLS on this port: use its tls-port, or drop --tls / use \
             redis://"
        ),
        other => format!("TLS handshake with {addr} failed: {other}"),
    };
    Failure::new(ExitCode::Tls, format!("TLS error: {what}."))
}

/// A connection closed by the peer. Over TLS without a client certificate this is how a
/// server with `tls-auth-clients yes` answers (TLS 1.3 reports it after the handshake).
fn dropped(addr: &str, err: &dyn std::fmt::Display, transport: Transport) -> Failure {
    let code = match transport {
        Transport::Tls { client_cert: false } => ExitCode::Tls,
        _ => ExitCode::Unreachable,
    };
    Failure::new(
        code,
        format!("{addr} closed the connection ({err}).{}", transport.hint()),
    )
}

/// Explains an error from redis-rs (connection setup or a command).
pub fn redis_error(
    err: &redis::RedisError,
    addr: &str,
    user: Option<&str>,
    transport: Transport,
) -> Failure {
    let code = err.code().unwrap_or("");
    let detail = err.detail().unwrap_or("").trim();
    let user_name = user.unwrap_or("default");
    match code {
        "NOAUTH" => Failure::new(
            ExitCode::Auth,
            format!(
                "{addr} requires authentication (NOAUTH): give the password with REDISCLI_AUTH, \
                 --password-file FILE or password_file in the config, and --user for an ACL user."
            ),
        ),
        "WRONGPASS" => wrongpass(addr, user_name),
        "NOPERM" => Failure::new(
            ExitCode::Permission,
            noperm_message(detail, addr, user_name),
        ),
        "LOADING" => Failure::new(
            ExitCode::Unreachable,
            format!("{addr} is loading its dataset into memory (LOADING): wait and retry."),
        ),
        _ if err.kind() == redis::ErrorKind::AuthenticationFailed => wrongpass(addr, user_name),
        _ if err.kind() == redis::ErrorKind::Parse => not_redis(addr, None),
        _ if err.is_timeout() => Failure::new(
            ExitCode::Unreachable,
            format!(
                "{addr} did not answer in time ({err}); the server may be overloaded or \
                 blocked. Raise --timeout if it is merely slow."
            ),
        ),
        _ if err.is_io_error() || err.is_connection_refusal() => dropped(addr, err, transport),
        _ => Failure::new(
            ExitCode::Error,
            format!("{addr} answered with an error: {err}"),
        ),
    }
}

/// Something else listens at `addr` (a web server, SSH, another database): said once, the
/// same way for every command, with what it sent when that is known.
pub fn not_redis(addr: &str, answered: Option<&[u8]>) -> Failure {
    let answered = answered
        .map(|bytes| {
            let shown: Vec<u8> = bytes.iter().copied().take(60).collect();
            format!(" (it answered \"{}\")", shown.escape_ascii())
        })
        .unwrap_or_default();
    Failure::new(
        ExitCode::Unreachable,
        format!(
            "{addr} does not speak the Redis protocol{answered}: another service listens \
             there. Check the port and host (-h/-p/-s or --target)."
        ),
    )
}

fn wrongpass(addr: &str, user: &str) -> Failure {
    Failure::new(
        ExitCode::Auth,
        format!(
            "authentication as user '{user}' failed at {addr} (WRONGPASS: wrong password, unknown \
             user, or user disabled). Check --user and the password source (REDISCLI_AUTH, \
             --password-file, password_file in the config)."
        ),
    )
}

/// NOPERM names the command; turn it into the ACL rule the user needs.
fn noperm_message(detail: &str, addr: &str, user: &str) -> String {
    let command = detail
        .split('\'')
        .nth(1)
        .map(str::to_lowercase)
        .unwrap_or_default();
    let rule = if command.is_empty() {
        String::new()
    } else {
        format!(" Grant it with: ACL SETUSER {user} +{command}")
    };
    format!(
        "user '{user}' is not allowed to run '{cmd}' at {addr} (NOPERM: {detail}).{rule}",
        cmd = if command.is_empty() {
            "this command"
        } else {
            &command
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noperm_names_the_rule() {
        let m = noperm_message(
            "User backup has no permissions to run the 'config|get' command",
            "127.0.0.1:7000",
            "backup",
        );
        assert!(m.contains("ACL SETUSER backup +config|get"), "{m}");
    }

    #[test]
    fn refused_is_unreachable() {
        let e = io::Error::from(io::ErrorKind::ConnectionRefused);
        let f = io_error(&e, "127.0.0.1:1", Transport::Plain);
        assert_eq!(f.code, ExitCode::Unreachable);
        assert!(f.message.contains("connection refused"));
    }
}

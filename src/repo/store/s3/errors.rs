//! S3 errors as the operator needs them: object_store's kinds are coarse (a missing bucket is
//! `NotFound`, a wrong key and a missing permission are both `PermissionDenied`), so the S3
//! error `<Code>` is taken from the response body it includes, and transport failures from
//! the error chain. Each becomes a [`Failure`] with the exit code scripts branch on.

use crate::exit::{ExitCode, Failure};

/// What went wrong, for the message and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    Unreachable,
    Credentials,
    Denied,
    Tls,
    NoBucket,
    NotFound,
    Exists,
    /// A conditional write lost (`If-Match`/`If-None-Match`).
    Precondition,
    ClockSkew,
    WrongRegion,
    Other,
}

/// The S3 error code in an error's text, if any: `<Code>AccessDenied</Code>` from a response
/// body, or `(code: AccessDenied)` from a DeleteObjects result.
fn s3_code(text: &str) -> Option<&str> {
    [("<Code>", "</Code>"), ("(code: ", ")")]
        .into_iter()
        .find_map(|(open, close)| {
            let start = text.find(open)? + open.len();
            let len = text[start..].find(close)?;
            Some(&text[start..start + len])
        })
}

/// The whole chain as one line: object_store nests the HTTP error and its body.
pub(super) fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

pub(super) fn classify(e: &object_store::Error) -> (Kind, String) {
    use object_store::Error as E;
    let text = chain_text(e);
    let kind = match s3_code(&text) {
        Some("NoSuchBucket") => Kind::NoBucket,
        Some(
            "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "InvalidToken"
            | "TokenRefreshRequired"
            | "InvalidClientTokenId",
        ) => Kind::Credentials,
        Some("AccessDenied" | "AllAccessDisabled") => Kind::Denied,
        Some("RequestTimeTooSkewed") => Kind::ClockSkew,
        Some(
            "PermanentRedirect"
            | "AuthorizationHeaderMalformed"
            | "IllegalLocationConstraintException",
        ) => Kind::WrongRegion,
        Some("NoSuchKey" | "NoSuchUpload") => Kind::NotFound,
        Some("PreconditionFailed") => Kind::Precondition,
        _ => match e {
            E::NotFound { .. } => Kind::NotFound,
            E::AlreadyExists { .. } => Kind::Exists,
            E::Precondition { .. } => Kind::Precondition,
            E::Unauthenticated { .. } => Kind::Credentials,
            E::PermissionDenied { .. } => Kind::Denied,
            _ => transport_kind(&text.to_ascii_lowercase()),
        },
    };
    (kind, text)
}

fn transport_kind(lower: &str) -> Kind {
    if [
        "certificate",
        "tls handshake",
        "invalid peer",
        "unknownissuer",
        "handshake",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        Kind::Tls
    } else if [
        "error sending request",
        "connection refused",
        "connect error",
        "dns error",
        "timed out",
        "timeout",
        "connection reset",
        "broken pipe",
        "slowdown",
        "service unavailable",
        "server error",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        Kind::Unreachable
    } else {
        Kind::Other
    }
}

/// Where the request went and with what, for the messages.
pub(super) struct Context<'a> {
    pub endpoint: &'a str,
    pub bucket: &'a str,
    pub region: &'a str,
    pub credentials: &'a str,
}

/// `action` is what was being done, e.g. "s3:PutObject on s3://b/p/db1/x.rdb.gz.age".
pub(super) fn explain(e: &object_store::Error, action: &str, cx: &Context<'_>) -> Failure {
    let (kind, text) = classify(e);
    let detail = text.lines().next().unwrap_or_default().trim();
    let (code, message) = match kind {
        Kind::Unreachable => (
            ExitCode::Unreachable,
            format!(
                "cannot reach the S3 endpoint {} ({action}): {detail}; check the endpoint, \
                 the network and proxy settings",
                cx.endpoint
            ),
        ),
        Kind::Credentials => (
            ExitCode::Auth,
            format!(
                "S3 rejected the credentials ({}) for {action}: {}; check the access key \
                 and secret (a wrong secret, or a proxy that rewrote the request, gives \
                 SignatureDoesNotMatch)",
                cx.credentials,
                s3_code(&text).unwrap_or("unauthenticated")
            ),
        ),
        Kind::Denied => (
            ExitCode::Permission,
            format!(
                "S3 denied {action} (AccessDenied) to the credentials {}; {}",
                cx.credentials,
                if action.starts_with("s3:DeleteObject") {
                    "the bucket or IAM policy (or Object Lock) does not let them delete; \
                     nothing more was deleted, and what is listed is complete"
                } else {
                    "grant it in the bucket or IAM policy (the README lists the policy a \
                     backup host needs)"
                }
            ),
        ),
        Kind::Tls => (
            ExitCode::Tls,
            format!(
                "TLS with the S3 endpoint {} failed ({action}): {detail}; if it uses a private \
                 CA, set ca_file in the [repository] section",
                cx.endpoint
            ),
        ),
        Kind::NoBucket => (
            ExitCode::NotFound,
            format!(
                "bucket {} does not exist at {} (region {}); create it first (redisops never \
                 creates buckets)",
                cx.bucket, cx.endpoint, cx.region
            ),
        ),
        Kind::ClockSkew => (
            ExitCode::Error,
            format!(
                "S3 refused {action}: this host's clock is off by more than 15 minutes \
                 (RequestTimeTooSkewed); fix NTP"
            ),
        ),
        Kind::WrongRegion => (
            ExitCode::Usage,
            format!(
                "bucket {} is not in region {} ({}); set region in the [repository] section \
                 or AWS_REGION",
                cx.bucket,
                cx.region,
                s3_code(&text).unwrap_or_default()
            ),
        ),
        Kind::NotFound | Kind::Exists | Kind::Precondition | Kind::Other => {
            (ExitCode::Error, format!("S3 {action} failed: {detail}"))
        }
    };
    Failure::new(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generic(text: &str) -> object_store::Error {
        object_store::Error::Generic {
            store: "S3",
            source: text.to_owned().into(),
        }
    }

    #[test]
    fn s3_codes_and_transport_errors_become_kinds() {
        let body = |code: &str| {
            format!(
                "Client error with status 403 Forbidden: <?xml version=\"1.0\"?><Error><Code>\
                 {code}</Code><Message>m</Message></Error>"
            )
        };
        for (code, kind) in [
            ("InvalidAccessKeyId", Kind::Credentials),
            ("SignatureDoesNotMatch", Kind::Credentials),
            ("AccessDenied", Kind::Denied),
            ("NoSuchBucket", Kind::NoBucket),
            ("RequestTimeTooSkewed", Kind::ClockSkew),
        ] {
            let e = object_store::Error::PermissionDenied {
                path: "k".into(),
                source: body(code).into(),
            };
            assert_eq!(classify(&e).0, kind, "{code}");
        }
        for (text, kind) in [
            (
                "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)",
                Kind::Unreachable,
            ),
            (
                "error sending request: invalid peer certificate: UnknownIssuer",
                Kind::Tls,
            ),
            ("something else", Kind::Other),
        ] {
            assert_eq!(classify(&generic(text)).0, kind, "{text}");
        }
        let missing = object_store::Error::NotFound {
            path: "k".into(),
            source: "no".into(),
        };
        assert_eq!(classify(&missing).0, Kind::NotFound);
    }

    #[test]
    fn messages_name_the_action_and_what_to_do() {
        let cx = Context {
            endpoint: "http://127.0.0.1:9000",
            bucket: "b",
            region: "us-east-1",
            credentials: "from AWS_ACCESS_KEY_ID",
        };
        let denied = object_store::Error::PermissionDenied {
            path: "k".into(),
            source: "<Error><Code>AccessDenied</Code></Error>".into(),
        };
        let f = explain(&denied, "s3:DeleteObject on s3://b/p/db1/x", &cx);
        assert_eq!(f.code, ExitCode::Permission);
        assert!(
            f.message.contains("s3:DeleteObject on s3://b/p/db1/x"),
            "{}",
            f.message
        );
        let bulk =
            generic("DeleteObjects request failed for key k: Access Denied (code: AccessDenied)");
        assert_eq!(classify(&bulk).0, Kind::Denied);
        let f = explain(&generic("<Code>NoSuchBucket</Code>"), "listing", &cx);
        assert_eq!(f.code, ExitCode::NotFound);
        assert!(
            f.message.contains("bucket b does not exist"),
            "{}",
            f.message
        );
    }
}

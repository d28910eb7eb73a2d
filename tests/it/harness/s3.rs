//! A real S3 server for the tests: a guard that owns a `moto_server` (moto 5.2.5, a Python
//! S3 and IAM emulator) on a free port in a temporary directory and kills it on drop, like
//! the redis-server guard. A missing `moto_server` fails the test with the install command:
//! a test that silently skips checks nothing.
//!
//! The helpers speak raw HTTP/1.1 over `std::net::TcpStream` (through rustls, trusting the
//! fixture's CA, when the server has TLS), SigV4-signed with [`Credentials::default_keys`]:
//! moto answers 403 to an unsigned GET of an existing object, and routes a request to IAM
//! only by the service in the signature's credential scope. Any keys are accepted until
//! authentication is armed ([`MotoOptions::auth_free_requests`] or [`MotoServer::arm_auth`]);
//! after that only keys made by [`MotoServer::create_user_with_policy`] work: pass them to
//! [`MotoServer::request_as`] or [`MotoServer::use_credentials`].

use super::{TlsFixture, free_port, kill_child};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const MOTO_INSTALL: &str = "moto_server is required for the S3 tests: \
     `python3 -m venv .ci/venv-moto && .ci/venv-moto/bin/pip install 'moto[server]==5.2.5'` \
     (or run `.ci/setup-s3`; Debian needs `python3-venv`), or set REDISOPS_TEST_MOTO_SERVER \
     to a moto_server binary.";

/// The region moto's buckets live in and the helpers sign for.
pub const REGION: &str = "us-east-1";

/// How to start moto.
#[derive(Clone, Default)]
pub struct MotoOptions {
    /// Serve HTTPS with the fixture's node certificate (valid for 127.0.0.1 and localhost).
    pub tls: Option<Arc<TlsFixture>>,
    /// Arm IAM authentication (SigV4 signatures and policies) after this many requests
    /// (moto's `INITIAL_NO_AUTH_ACTION_COUNT`), counted from when [`MotoServer::with`]
    /// returns: its readiness probe is not charged. Each helper states its request count.
    /// None: authentication stays off unless [`MotoServer::arm_auth`] is called.
    pub auth_free_requests: Option<u32>,
    /// Smallest multipart part except the last (moto's `S3_UPLOAD_PART_MIN_SIZE`; default
    /// 5 MiB, as AWS).
    pub part_min_size: Option<u64>,
}

/// An access key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl Credentials {
    /// The keys the helpers sign with: any key works while authentication is off.
    pub fn default_keys() -> Self {
        Self {
            access_key_id: "AKIAREDISOPSTEST0000".into(),
            secret_access_key: "redisops-test-secret".into(),
        }
    }
}

/// Versioning and Object Lock of a new bucket.
#[derive(Clone, Copy, Debug, Default)]
pub struct BucketOptions {
    pub versioning: bool,
    /// Object Lock on, with this default GOVERNANCE retention in days (implies versioning).
    pub object_lock_governance_days: Option<u32>,
}

/// One entry of ListObjectVersions: a version or a delete marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectVersion {
    pub key: String,
    pub version_id: String,
    pub is_latest: bool,
    pub delete_marker: bool,
}

/// An HTTP response, read to its end.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `<Code>` of an S3/IAM error body (`NoSuchKey`, `AccessDenied`, …).
    pub fn error_code(&self) -> Option<String> {
        xml_values(&self.text(), "Code").into_iter().next()
    }

    /// Panics (with the body) unless the status is 2xx.
    fn ok(self, what: &str) -> Self {
        assert!(
            (200..300).contains(&self.status),
            "moto: {what} answered {}:\n{}",
            self.status,
            self.text()
        );
        self
    }
}

/// A running moto_server, killed on drop.
pub struct MotoServer {
    child: Option<Child>,
    dir: TempDir,
    pub port: u16,
    pub log_file: PathBuf,
    pub opts: MotoOptions,
    /// The keys the helpers and [`Self::request`] sign with.
    creds: Credentials,
}

impl MotoServer {
    pub fn start() -> Self {
        Self::with(MotoOptions::default())
    }

    pub fn with(opts: MotoOptions) -> Self {
        let binary = moto_binary();
        let mut last_log = String::new();
        for _ in 0..5 {
            match Self::try_start(&binary, opts.clone()) {
                Ok(s) => return s,
                Err(log) if log.contains("in use") => last_log = log,
                Err(log) => panic!("moto_server ({}) failed to start:\n{log}", binary.display()),
            }
        }
        panic!("moto_server could not find a free port:\n{last_log}");
    }

    fn try_start(binary: &Path, opts: MotoOptions) -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("redisops-it-moto-")
            .tempdir()
            .unwrap();
        let log_file = dir.path().join("moto.log");
        let log = std::fs::File::create(&log_file).unwrap();
        let port = free_port();
        let mut cmd = Command::new(binary);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        if let Some(fx) = &opts.tls {
            cmd.arg("--ssl-cert")
                .arg(&fx.server_cert)
                .arg("--ssl-key")
                .arg(&fx.server_key);
        }
        // Nothing from the developer's environment changes moto's behaviour; the budget is
        // set after the readiness probe (see `arm_after`).
        for var in [
            "INITIAL_NO_AUTH_ACTION_COUNT",
            "S3_UPLOAD_PART_MIN_SIZE",
            "MOTO_PORT",
            "TEST_SERVER_MODE",
        ] {
            cmd.env_remove(var);
        }
        if let Some(size) = opts.part_min_size {
            cmd.env("S3_UPLOAD_PART_MIN_SIZE", size.to_string());
        }
        let child = cmd
            .env("PYTHONUNBUFFERED", "1")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}. {MOTO_INSTALL}", binary.display()));
        let mut server = Self {
            child: Some(child),
            dir,
            port,
            log_file,
            opts,
            creds: Credentials::default_keys(),
        };
        server.wait_ready()?;
        if let Some(n) = server.opts.auth_free_requests {
            server.arm_after(n);
        }
        Ok(server)
    }

    /// Waits until this process has bound its port (Werkzeug logs "Running on" after the
    /// bind: a connect alone could reach another process that won the port race), accepts
    /// connections and answers `GET /` (ListBuckets) with 200; Err(log) if the process exits
    /// first or after 20 s.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last = "no \"Running on\" in the log".to_string();
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                self.child = None;
                return Err(format!("exited with {status}; log:\n{}", self.log()));
            }
            if self.log().contains("Running on ")
                && TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            {
                match self.send(None, "GET", "/", &[], b"") {
                    Ok(r) if r.status == 200 => return Ok(()),
                    Ok(r) => last = format!("GET / answered {}: {}", r.status, r.text()),
                    Err(e) => last = format!("GET /: {e}"),
                }
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "not ready after 20 s ({last}); log:\n{}",
                    log_tail(&self.log())
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:PORT` or `https://…`.
    pub fn endpoint(&self) -> String {
        let scheme = if self.opts.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The server's working directory (its log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// moto's stdout and stderr (one access-log line per request, Python tracebacks).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }

    /// Kills the process now (SIGKILL), as a crash would; its state (in memory) is gone.
    pub fn kill(&mut self) {
        kill_child(&mut self.child);
    }

    /// Arms IAM authentication now: every later request needs a valid signature from a key
    /// made by [`Self::create_user_with_policy`] and a policy allowing the action.
    pub fn arm_auth(&self) {
        self.arm_after(0);
    }

    /// Authentication starts after `n` more requests (`POST /moto-api/reset-auth`, which
    /// sets moto's budget and restarts its count; not itself counted).
    pub fn arm_after(&self, n: u32) {
        self.send(
            None,
            "POST",
            "/moto-api/reset-auth",
            &[],
            n.to_string().as_bytes(),
        )
        .unwrap_or_else(|e| panic!("moto reset-auth: {e}"))
        .ok("reset-auth");
    }

    /// From now on the helpers and [`Self::request`] sign with `creds` (e.g. a user made
    /// before [`Self::arm_auth`]) instead of [`Credentials::default_keys`].
    pub fn use_credentials(&mut self, creds: Credentials) {
        self.creds = creds;
    }

    /// One S3 request signed with the helpers' keys. `path_and_query` is sent as is:
    /// encode keys with [`encode_key`] and query values with [`encode_query`].
    pub fn request(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        self.request_as(Some(&self.creds), method, path_and_query, headers, body)
    }

    /// One S3 request signed with `creds` (None: unsigned).
    pub fn request_as(
        &self,
        creds: Option<&Credentials>,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let signer = creds.map(|c| (c, "s3"));
        self.send(signer, method, path_and_query, headers, body)
            .unwrap_or_else(|e| panic!("moto {method} {path_and_query}: {e}"))
    }

    /// `GET /` over HTTPS trusting only `ca` (PEM): Err when the handshake fails.
    pub fn https_get_root_with_ca(&self, ca: &Path) -> std::io::Result<Response> {
        let req = self.build(None, "GET", "/", &[], b"");
        https_roundtrip(self.port, ca, &req, true)
    }

    /// CreateBucket (1 request).
    pub fn create_bucket(&self, name: &str) {
        self.create_bucket_with(name, BucketOptions::default());
    }

    /// CreateBucket, then PutBucketVersioning and PutObjectLockConfiguration as asked
    /// (1–2 requests; Object Lock is enabled at creation and brings versioning).
    pub fn create_bucket_with(&self, name: &str, opts: BucketOptions) {
        let path = format!("/{name}");
        let lock = opts.object_lock_governance_days.is_some();
        let mut headers = vec![];
        if lock {
            headers.push(("x-amz-bucket-object-lock-enabled", "true"));
        }
        self.request("PUT", &path, &headers, b"")
            .ok(&format!("CreateBucket {name}"));
        if let Some(days) = opts.object_lock_governance_days {
            let conf = format!(
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>\
                 <Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>{days}</Days>\
                 </DefaultRetention></Rule></ObjectLockConfiguration>"
            );
            self.request("PUT", &format!("{path}?object-lock"), &[], conf.as_bytes())
                .ok(&format!("PutObjectLockConfiguration {name}"));
        } else if opts.versioning {
            let conf =
                "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
            self.request("PUT", &format!("{path}?versioning"), &[], conf.as_bytes())
                .ok(&format!("PutBucketVersioning {name}"));
        }
    }

    /// PutObject with a SHA-256 checksum, which an Object Lock bucket requires (1 request).
    pub fn put_object(&self, bucket: &str, key: &str, bytes: &[u8]) {
        let checksum = base64(&Sha256::digest(bytes));
        self.request(
            "PUT",
            &format!("/{bucket}/{}", encode_key(key)),
            &[
                ("content-type", "application/octet-stream"),
                ("x-amz-sdk-checksum-algorithm", "SHA256"),
                ("x-amz-checksum-sha256", &checksum),
            ],
            bytes,
        )
        .ok(&format!("PutObject {bucket}/{key}"));
    }

    /// GetObject: None when the key does not exist (1 request).
    pub fn get_object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let r = self.request("GET", &format!("/{bucket}/{}", encode_key(key)), &[], b"");
        if r.status == 404 && r.error_code().as_deref() == Some("NoSuchKey") {
            return None;
        }
        Some(r.ok(&format!("GetObject {bucket}/{key}")).body)
    }

    /// CreateMultipartUpload, left for the test to finish or abandon; the upload id
    /// (1 request).
    pub fn create_multipart_upload(&self, bucket: &str, key: &str) -> String {
        let r = self
            .request(
                "POST",
                &format!("/{bucket}/{}?uploads", encode_key(key)),
                &[],
                b"",
            )
            .ok(&format!("CreateMultipartUpload {bucket}/{key}"));
        xml_values(&r.text(), "UploadId")
            .pop()
            .expect("UploadId in the answer")
    }

    /// The keys under `prefix`, sorted (ListObjectsV2, one request per 1000 keys).
    pub fn list_keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let mut keys = vec![];
        let mut token: Option<String> = None;
        loop {
            let query = match &token {
                Some(t) => format!("list-type=2&continuation-token={}&", encode_query(t)),
                None => "list-type=2&".to_string(),
            };
            let text = self.list(bucket, &query, prefix, "ListObjectsV2");
            for contents in xml_elements(&text, "Contents") {
                keys.extend(xml_values(&contents, "Key"));
            }
            token = xml_values(&text, "NextContinuationToken").pop();
            if token.is_none() {
                return keys;
            }
        }
    }

    /// The incomplete multipart uploads under `prefix` as (key, upload id)
    /// (ListMultipartUploads, 1 request; moto does not truncate).
    pub fn list_uploads(&self, bucket: &str, prefix: &str) -> Vec<(String, String)> {
        let text = self.list(bucket, "uploads&", prefix, "ListMultipartUploads");
        xml_elements(&text, "Upload")
            .iter()
            .map(|u| {
                let one = |tag| xml_values(u, tag).pop().unwrap_or_default();
                (one("Key"), one("UploadId"))
            })
            .collect()
    }

    /// Versions and delete markers under `prefix`, in moto's order (key, then newest
    /// first) (ListObjectVersions, 1 request; moto does not truncate).
    pub fn list_versions(&self, bucket: &str, prefix: &str) -> Vec<ObjectVersion> {
        let text = self.list(bucket, "versions&", prefix, "ListObjectVersions");
        let mut out = vec![];
        for (tag, delete_marker) in [("Version", false), ("DeleteMarker", true)] {
            for v in xml_elements(&text, tag) {
                let one = |tag| xml_values(&v, tag).pop().unwrap_or_default();
                out.push(ObjectVersion {
                    key: one("Key"),
                    version_id: one("VersionId"),
                    is_latest: one("IsLatest") == "true",
                    delete_marker,
                });
            }
        }
        out
    }

    /// `GET /bucket?{query}prefix=…`: the XML answer of the listing `what`.
    fn list(&self, bucket: &str, query: &str, prefix: &str, what: &str) -> String {
        let path = format!("/{bucket}?{query}prefix={}", encode_query(prefix));
        self.request("GET", &path, &[], b"")
            .ok(&format!("{what} {bucket}"))
            .text()
    }

    /// An IAM user with one inline policy and an access key (CreateUser, PutUserPolicy,
    /// CreateAccessKey: 3 requests, so call it while authentication is off).
    pub fn create_user_with_policy(&self, name: &str, policy_json: &str) -> Credentials {
        self.iam(&[("Action", "CreateUser"), ("UserName", name)]);
        self.iam(&[
            ("Action", "PutUserPolicy"),
            ("UserName", name),
            ("PolicyName", "redisops-test"),
            ("PolicyDocument", policy_json),
        ]);
        let text = self.iam(&[("Action", "CreateAccessKey"), ("UserName", name)]);
        let one = |tag| {
            xml_values(&text, tag)
                .pop()
                .unwrap_or_else(|| panic!("no {tag} in CreateAccessKey's answer:\n{text}"))
        };
        Credentials {
            access_key_id: one("AccessKeyId"),
            secret_access_key: one("SecretAccessKey"),
        }
    }

    /// A user allowed exactly `actions` (e.g. `s3:GetObject`) on every bucket and key.
    pub fn create_user(&self, name: &str, actions: &[&str]) -> Credentials {
        let actions: Vec<String> = actions.iter().map(|a| format!("\"{a}\"")).collect();
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
            actions.join(",")
        );
        self.create_user_with_policy(name, &policy)
    }

    /// One IAM Query API call (form POST to `/`): moto routes it to IAM by the service in
    /// the signature's credential scope. Returns the XML answer.
    fn iam(&self, params: &[(&str, &str)]) -> String {
        let mut form: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_query(v)))
            .collect();
        form.push("Version=2010-05-08".into());
        let body = form.join("&");
        self.send(
            Some((&self.creds, "iam")),
            "POST",
            "/",
            &[(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )],
            body.as_bytes(),
        )
        .unwrap_or_else(|e| panic!("moto IAM {}: {e}", params[0].1))
        .ok(&format!("IAM {}", params[0].1))
        .text()
    }

    /// Builds the request bytes: SigV4-signed for `service` when `signer` is given.
    fn build(
        &self,
        signer: Option<(&Credentials, &str)>,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Vec<u8> {
        let host = format!("127.0.0.1:{}", self.port);
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect();
        if let Some((creds, service)) = signer {
            all.extend(sigv4_headers(
                creds,
                service,
                method,
                &host,
                path_and_query,
                body,
                chrono::Utc::now(),
            ));
        }
        let mut head = format!("{method} {path_and_query} HTTP/1.1\r\nhost: {host}\r\n");
        for (k, v) in &all {
            head += &format!("{k}: {v}\r\n");
        }
        head += &format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }

    fn send(
        &self,
        signer: Option<(&Credentials, &str)>,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Response> {
        let req = self.build(signer, method, path_and_query, headers, body);
        let has_body = method != "HEAD";
        match &self.opts.tls {
            Some(fx) => https_roundtrip(self.port, &fx.ca, &req, has_body),
            None => {
                let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
                stream.set_read_timeout(Some(Duration::from_secs(30)))?;
                roundtrip(&mut stream, &req, has_body)
            }
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `$REDISOPS_TEST_MOTO_SERVER`, else the repository's `.ci/venv-moto`; panics with the install
/// command when neither exists. No PATH fallback: another moto release signs and canonicalises
/// list queries differently (5.2.1 fails the signed tests with SignatureDoesNotMatch), which
/// looks like a redisops bug.
pub fn moto_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("REDISOPS_TEST_MOTO_SERVER") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "REDISOPS_TEST_MOTO_SERVER={} is not a file. {MOTO_INSTALL}",
            path.display()
        );
        return path;
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv-moto/bin/moto_server");
    assert!(
        venv.is_file(),
        "{} is missing. {MOTO_INSTALL}",
        venv.display()
    );
    venv
}

fn log_tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn https_roundtrip(port: u16, ca: &Path, req: &[u8], has_body: bool) -> std::io::Result<Response> {
    use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).map_err(std::io::Error::other)? {
        roots
            .add(cert.map_err(std::io::Error::other)?)
            .map_err(std::io::Error::other)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(std::io::Error::other)?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(std::io::Error::other)?;
    let tcp = TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    roundtrip(&mut tls, req, has_body)
}

/// Writes the request, reads the response to its end (Content-Length, chunked, or close;
/// `has_body` false for HEAD).
fn roundtrip(stream: &mut impl ReadWrite, req: &[u8], has_body: bool) -> std::io::Result<Response> {
    stream.write_all(req)?;
    stream.flush()?;
    let mut raw = vec![];
    let mut buf = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // Werkzeug closes TLS connections without close_notify.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => break,
            Err(e) => return Err(e),
        }
        if let Some(r) = parse_response(&raw, false, has_body) {
            return Ok(r);
        }
    }
    parse_response(&raw, true, has_body).ok_or_else(|| {
        std::io::Error::other(format!(
            "incomplete HTTP response: {}",
            String::from_utf8_lossy(&raw)
        ))
    })
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// A complete response in `raw`, or None; `closed`: the peer closed, so a body without a
/// length ends here; `has_body` false: the answer to a HEAD.
fn parse_response(raw: &[u8], closed: bool, has_body: bool) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let find = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let body = if !has_body || status == 204 || status == 304 {
        vec![]
    } else if find("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        dechunk(rest)?
    } else if let Some(len) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        if rest.len() < len {
            return None;
        }
        rest[..len].to_vec()
    } else if closed {
        rest.to_vec()
    } else {
        return None;
    };
    Some(Response {
        status,
        headers,
        body,
    })
}

/// The body of a complete chunked transfer, or None while incomplete.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = vec![];
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_field = String::from_utf8_lossy(&rest[..eol]);
        let size = usize::from_str_radix(size_field.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Some(body);
        }
        if rest.len() < size + 2 {
            return None;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// The SigV4 headers (x-amz-date, x-amz-content-sha256, authorization) for a request whose
/// path and query are already URI-encoded the AWS way (as [`encode_key`] and
/// [`encode_query`] do), signing host and those two headers.
fn sigv4_headers(
    creds: &Credentials,
    service: &str,
    method: &str,
    host: &str,
    path_and_query: &str,
    body: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(String, String)> {
    let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
    let date = &amz_date[..8];
    let payload = hex::encode(Sha256::digest(body));
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some(_) => p.to_string(),
            None => format!("{p}="),
        })
        .collect();
    pairs.sort();
    let signed = "host;x-amz-content-sha256;x-amz-date";
    let canonical = format!(
        "{method}\n{path}\n{}\nhost:{host}\nx-amz-content-sha256:{payload}\nx-amz-date:{amz_date}\n\n{signed}\n{payload}",
        pairs.join("&")
    );
    let scope = format!("{date}/{REGION}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac_sha256(
        format!("AWS4{}", creds.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    for part in [REGION, service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac_sha256(&key, to_sign.as_bytes()));
    vec![
        ("x-amz-date".into(), amz_date.clone()),
        ("x-amz-content-sha256".into(), payload),
        (
            "authorization".into(),
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
                creds.access_key_id
            ),
        ),
    ]
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// An object key for a URL path: every byte but unreserved ones and `/` percent-encoded.
pub fn encode_key(key: &str) -> String {
    encode(key, b"/")
}

/// A query value: every byte but unreserved ones percent-encoded (`/` too, as SigV4 wants).
pub fn encode_query(value: &str) -> String {
    encode(value, b"")
}

fn encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || keep.contains(&b) {
            out.push(b as char);
        } else {
            out += &format!("%{b:02X}");
        }
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let v = u32::from(chunk[0]) << 16
            | u32::from(*chunk.get(1).unwrap_or(&0)) << 8
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                out.push(ALPHABET[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The text of every `<tag>…</tag>` in `xml`, entities decoded (flat, good enough for
/// S3's and IAM's answers).
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    xml_elements(xml, tag).iter().map(|v| unescape(v)).collect()
}

/// The raw inner text of every `<tag>…</tag>` in `xml` (not nested in itself).
fn xml_elements(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = vec![];
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        let Some(end) = rest.find(&close) else { break };
        out.push(rest[..end].to_string());
        rest = &rest[end + close.len()..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

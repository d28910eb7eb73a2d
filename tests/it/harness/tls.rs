//! Certificates made in the test: a CA, a node certificate (serverAuth + clientAuth, because
//! Redis presents it as a client certificate on replication and Sentinel links) with SANs for
//! 127.0.0.1 and localhost, and a client certificate for redisops and redis-cli.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub struct TlsFixture {
    _dir: TempDir,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A CA that signed nothing we use: for "unknown issuer" tests.
    pub other_ca: PathBuf,
}

impl TlsFixture {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("redisops-it-tls-")
            .tempdir()
            .expect("tempdir");
        let (ca_params, ca_key) = ca("redisops test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let (other_params, other_key) = ca("unrelated CA");
        let other = other_params.self_signed(&other_key).unwrap();

        let server = leaf(
            "redis node",
            &["127.0.0.1", "localhost"],
            &[
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
        );
        let client = leaf(
            "redisops client",
            &[],
            &[ExtendedKeyUsagePurpose::ClientAuth],
        );
        let server_cert = server.0.signed_by(&server.1, &issuer).unwrap();
        let client_cert = client.0.signed_by(&client.1, &issuer).unwrap();

        let p = |name: &str| dir.path().join(name);
        write(&p("ca.crt"), &ca_cert.pem());
        write(&p("other-ca.crt"), &other.pem());
        write(&p("node.crt"), &server_cert.pem());
        write(&p("node.key"), &server.1.serialize_pem());
        write(&p("client.crt"), &client_cert.pem());
        write(&p("client.key"), &client.1.serialize_pem());
        Self {
            ca: p("ca.crt"),
            other_ca: p("other-ca.crt"),
            server_cert: p("node.crt"),
            server_key: p("node.key"),
            client_cert: p("client.crt"),
            client_key: p("client.key"),
            _dir: dir,
        }
    }

    /// redisops flags for a TLS connection with a client certificate.
    pub fn client_args(&self) -> Vec<String> {
        vec![
            "--cacert".into(),
            self.ca.display().to_string(),
            "--cert".into(),
            self.client_cert.display().to_string(),
            "--key".into(),
            self.client_key.display().to_string(),
        ]
    }
}

fn ca(name: &str) -> (CertificateParams, KeyPair) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    (params, KeyPair::generate().unwrap())
}

fn leaf(
    name: &str,
    sans: &[&str],
    ekus: &[ExtendedKeyUsagePurpose],
) -> (CertificateParams, KeyPair) {
    let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(sans).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = ekus.to_vec();
    (params, KeyPair::generate().unwrap())
}

fn write(path: &Path, content: &str) {
    std::fs::write(path, content).unwrap();
}

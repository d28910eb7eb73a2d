//! rustls client configuration from the operator's TLS options: a private CA or the system
//! store, an optional client certificate (Redis requires one by default: `tls-auth-clients
//! yes`), SNI override, and `--insecure`.
//!
//! redisops builds its own TLS streams (rather than letting redis-rs do it) because the
//! replication stream used by `backup --method sync` is not something redis-rs can speak,
//! and one TLS setup should serve both.

use crate::exit::{ExitCode, fail};
use crate::target::TlsOptions;
use anyhow::Result;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::Path;
use std::sync::{Arc, Once};

/// rustls needs one process-wide crypto provider.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A ready TLS client: config plus the server name to present.
#[derive(Clone)]
pub struct TlsClient {
    pub config: Arc<ClientConfig>,
    sni: Option<String>,
}

impl TlsClient {
    pub fn new(opts: &TlsOptions) -> Result<Self> {
        install_crypto_provider();
        let builder = ClientConfig::builder();
        let builder = if opts.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCert))
        } else {
            builder.with_root_certificates(root_store(opts.cacert.as_deref())?)
        };
        let config = match (&opts.cert, &opts.key) {
            (Some(cert), Some(key)) => {
                let chain = read_certs(cert, "client certificate")?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    fail(
                        ExitCode::Tls,
                        format!("cannot read the client key {}: {e}", key.display()),
                    )
                })?;
                builder.with_client_auth_cert(chain, key).map_err(|e| {
                    fail(
                        ExitCode::Tls,
                        format!("the client certificate and key do not fit together: {e}"),
                    )
                })?
            }
            _ => builder.with_no_client_auth(),
        };
        Ok(Self {
            config: Arc::new(config),
            sni: opts.sni.clone(),
        })
    }

    pub fn has_client_cert(&self) -> bool {
        self.config.client_auth_cert_resolver.has_certs()
    }

    /// The name to verify the server certificate against: `--sni`, else the host we dial.
    pub fn server_name(&self, host: &str) -> Result<ServerName<'static>> {
        let name = self.sni.as_deref().unwrap_or(host);
        ServerName::try_from(name.to_string()).map_err(|_| {
            fail(
                ExitCode::Usage,
                format!("'{name}' is not a valid TLS server name"),
            )
        })
    }
}

fn root_store(cacert: Option<&Path>) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match cacert {
        Some(path) => {
            for cert in read_certs(path, "CA certificate")? {
                store.add(cert).map_err(|e| {
                    fail(
                        ExitCode::Tls,
                        format!("{} is not a usable CA certificate: {e}", path.display()),
                    )
                })?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = store.add(cert);
            }
            if store.is_empty() {
                return Err(fail(
                    ExitCode::Tls,
                    "no CA certificates found in the system store; pass --cacert FILE with the \
                     CA that signed the server certificate",
                ));
            }
        }
    }
    Ok(store)
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            fail(
                ExitCode::Tls,
                format!("cannot read the {what} {}: {e}", path.display()),
            )
        })?;
    if certs.is_empty() {
        return Err(fail(
            ExitCode::Tls,
            format!("{} contains no PEM certificate ({what})", path.display()),
        ));
    }
    Ok(certs)
}

/// `--insecure`: accepts any certificate. Signatures are still checked so the handshake
/// itself stays sound; only the identity is unverified.
#[derive(Debug)]
struct AcceptAnyCert;

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &rustls::crypto::ring::default_provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &rustls::crypto::ring::default_provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

//! rustls configurations (ring provider only): the listener's, from PEM files, and the
//! upstream's, by mode — `require` (encrypted, certificate not checked, as libpq's
//! `sslmode=require`), `verify-ca` (chain checked against the CA file, name not),
//! `verify-full` (chain and name).

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig,
    SignatureScheme,
};

use crate::config::postgres::{ListenerTls, UpstreamTlsMode};

/// A TLS configuration that cannot be built. Names the file, never key material.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsConfigError(pub String);

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| TlsConfigError(format!("{}: {e}", path.display())))?
        .collect();
    let certs = certs.map_err(|e| TlsConfigError(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(TlsConfigError(format!(
            "{}: no certificate in it",
            path.display()
        )));
    }
    Ok(certs)
}

/// The ALPN protocol of PostgreSQL (17+ clients name it; one starting TLS directly
/// must).
pub const ALPN_POSTGRESQL: &[u8] = b"postgresql";

/// The listener's TLS: its rustls configuration, and the `tls-server-end-point`
/// channel-binding data of its certificate (RFC 5929) when SCRAM-SHA-256-PLUS can be
/// offered with it.
pub struct ListenerTlsConfig {
    /// The rustls configuration.
    pub config: Arc<ServerConfig>,
    /// The hash of the certificate under the hash of its signature algorithm, as
    /// libpq computes it; `None` where that hash is not defined (Ed25519, RSA-PSS,
    /// SHA-224): SCRAM-SHA-256-PLUS is then not offered.
    pub end_point: Option<Vec<u8>>,
}

/// The listener's configuration.
pub fn server_config(tls: &ListenerTls) -> Result<ListenerTlsConfig, TlsConfigError> {
    let chain = certs(&tls.cert_file)?;
    let end_point = tls_server_end_point(&chain[0]);
    let key = PrivateKeyDer::from_pem_file(&tls.key_file)
        .map_err(|e| TlsConfigError(format!("{}: {e}", tls.key_file.display())))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsConfigError(format!("{}: {e}", tls.cert_file.display())))?;
    // PostgreSQL 17 clients name it (after an SSLRequest too); older ones name none,
    // which rustls accepts. A client naming only other protocols is refused.
    config.alpn_protocols = vec![ALPN_POSTGRESQL.to_vec()];
    Ok(ListenerTlsConfig {
        config: Arc::new(config),
        end_point,
    })
}

/// `tls-server-end-point` data for `cert` (RFC 5929 section 4.1): the certificate
/// hashed with its signature algorithm's hash, SHA-256 in place of MD5 and SHA-1.
/// `None` for signature algorithms without one hash (Ed25519, RSA-PSS) or with a hash
/// ring does not have (SHA-224): libpq cannot bind to those either.
pub fn tls_server_end_point(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    let algorithm = match parsed.signature_algorithm.algorithm.to_id_string().as_str() {
        // md5WithRSAEncryption, sha1WithRSAEncryption, ecdsa-with-SHA1,
        // sha256WithRSAEncryption, ecdsa-with-SHA256
        "1.2.840.113549.1.1.4"
        | "1.2.840.113549.1.1.5"
        | "1.2.840.10045.4.1"
        | "1.2.840.113549.1.1.11"
        | "1.2.840.10045.4.3.2" => &ring::digest::SHA256,
        // sha384WithRSAEncryption, ecdsa-with-SHA384
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => &ring::digest::SHA384,
        // sha512WithRSAEncryption, ecdsa-with-SHA512
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => &ring::digest::SHA512,
        _ => return None,
    };
    Some(
        ring::digest::digest(algorithm, cert.as_ref())
            .as_ref()
            .to_vec(),
    )
}

/// The upstream configuration for `mode` (`None` for `disable`).
pub fn client_config(
    mode: UpstreamTlsMode,
    ca_file: Option<&Path>,
) -> Result<Option<Arc<ClientConfig>>, TlsConfigError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError(e.to_string()))?;
    let algorithms = provider().signature_verification_algorithms;
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        UpstreamTlsMode::Disable => return Ok(None),
        UpstreamTlsMode::Require => Arc::new(AnyCertificate { algorithms }),
        UpstreamTlsMode::VerifyCa | UpstreamTlsMode::VerifyFull => {
            let path = ca_file.ok_or_else(|| TlsConfigError("ca_file is required".into()))?;
            let mut roots = RootCertStore::empty();
            for cert in certs(path)? {
                roots
                    .add(cert)
                    .map_err(|e| TlsConfigError(format!("{}: {e}", path.display())))?;
            }
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| TlsConfigError(e.to_string()))?;
            if mode == UpstreamTlsMode::VerifyFull {
                webpki
            } else {
                Arc::new(ChainOnly { inner: webpki })
            }
        }
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Some(Arc::new(config)))
}

/// The server name to present and check.
pub fn server_name(name: &str) -> Result<ServerName<'static>, TlsConfigError> {
    ServerName::try_from(name.to_owned())
        .map_err(|_| TlsConfigError(format!("{name:?} is not a valid TLS server name")))
}

/// `require`: any certificate (the handshake signature is still checked).
#[derive(Debug)]
struct AnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyCertificate {
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
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to the CA; the name is not checked.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate for `localhost` signed with `alg`, as DER.
    fn cert(alg: &'static rcgen::SignatureAlgorithm) -> CertificateDer<'static> {
        let key = rcgen::KeyPair::generate_for(alg).unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.self_signed(&key).unwrap().der().clone()
    }

    #[test]
    fn the_end_point_hash_follows_the_certificates_signature_hash() {
        for (alg, hash) in [
            (&rcgen::PKCS_ECDSA_P256_SHA256, &ring::digest::SHA256),
            (&rcgen::PKCS_ECDSA_P384_SHA384, &ring::digest::SHA384),
        ] {
            let der = cert(alg);
            assert_eq!(
                tls_server_end_point(&der),
                Some(ring::digest::digest(hash, der.as_ref()).as_ref().to_vec()),
                "{alg:?}"
            );
        }
        // No hash of its own: no channel binding offered.
        assert_eq!(tls_server_end_point(&cert(&rcgen::PKCS_ED25519)), None);
        assert_eq!(
            tls_server_end_point(&CertificateDer::from(vec![0x30, 0x03])),
            None
        );
    }
}

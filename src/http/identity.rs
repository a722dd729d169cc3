//! Who is calling: a client certificate name (`CN=…` of the subject, `DNS:…` of the
//! subject alternative names) or an API key (hashed with SHA-256 and looked up among
//! the hashes in the policy). Both are resolved against the current policy on every
//! request, so a key removed or a consumer disabled by a reload takes effect at once.

use std::collections::HashMap;

use super::error::GatewayError;
use crate::config::http::api_key_digest;
use crate::policy::Policy;

/// The policy's identities, indexed.
#[derive(Debug, Default)]
pub struct Identities {
    api_keys: HashMap<[u8; 32], String>,
    certs: HashMap<String, String>,
}

impl Identities {
    pub fn build(policy: &Policy) -> Identities {
        let mut ids = Identities::default();
        for c in policy.consumers.values() {
            for hash in &c.access.api_key_hashes {
                ids.api_keys.insert(*hash, c.name.clone());
            }
            for name in &c.access.client_cert {
                ids.certs.insert(name.clone(), c.name.clone());
            }
        }
        ids
    }

    /// The consumer named by the credentials presented; `Ok(None)` when none were.
    pub fn resolve(
        &self,
        cert_names: &[String],
        api_key: Option<&[u8]>,
    ) -> Result<Option<&str>, GatewayError> {
        let by_cert = cert_names.iter().find_map(|n| self.certs.get(n));
        let by_key = match api_key {
            Some(key) => {
                let key = std::str::from_utf8(key).map_err(|_| GatewayError::UnknownCredentials)?;
                let name = self
                    .api_keys
                    .get(&api_key_digest(key))
                    .ok_or(GatewayError::UnknownCredentials)?;
                Some(name)
            }
            None => None,
        };
        match (by_cert, by_key) {
            (Some(c), Some(k)) if c != k => Err(GatewayError::ConflictingIdentity),
            (Some(c), _) => Ok(Some(c)),
            (None, Some(k)) => Ok(Some(k)),
            (None, None) if !cert_names.is_empty() => Err(GatewayError::UnknownCredentials),
            (None, None) => Ok(None),
        }
    }
}

/// `CN=…` and `DNS:…` names of a DER client certificate.
pub fn cert_names(der: &[u8]) -> Vec<String> {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    let mut names: Vec<String> = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok())
        .map(|cn| format!("CN={cn}"))
        .collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            if let x509_parser::extensions::GeneralName::DNSName(dns) = name {
                names.push(format!("DNS:{dns}"));
            }
        }
    }
    names
}

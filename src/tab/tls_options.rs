//! The TLS options of the TCP tabs, as typed: for the client, how to accept the server's
//! certificate; for the server, where its certificate comes from.

use std::path::PathBuf;

use crate::i18n::{Language, tr};
use crate::net;

/// How the TLS client accepts the server's certificate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum VerifyChoice {
    /// Signed by an authority the system trusts.
    #[default]
    SystemRoots,
    /// The certificate whose SHA-256 is typed in.
    Pinned,
    /// Any certificate (self-signed devices).
    Insecure,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TlsFields {
    pub enabled: bool,
    /// TCP client.
    pub verify: VerifyChoice,
    /// TCP client: the pinned SHA-256, as typed.
    pub pin: String,
    /// TCP server: PEM files; both empty: a certificate made as the server starts.
    pub certificate: String,
    pub key: String,
}

impl TlsFields {
    /// The TLS client's verification, `None` without TLS, or what is wrong with the pin.
    pub fn client(&self, lang: Language) -> Result<Option<net::Verify>, String> {
        if !self.enabled {
            return Ok(None);
        }
        let verify = match self.verify {
            VerifyChoice::SystemRoots => net::Verify::SystemRoots,
            VerifyChoice::Insecure => net::Verify::Insecure,
            VerifyChoice::Pinned => net::Verify::Pinned(parse_pin(&self.pin, lang)?),
        };
        Ok(Some(verify))
    }

    /// The TLS server's certificate, `None` without TLS, or what is wrong with the files.
    pub fn server(&self, lang: Language) -> Result<Option<net::TlsIdentity>, String> {
        if !self.enabled {
            return Ok(None);
        }
        let (certificate, key) = (self.certificate.trim(), self.key.trim());
        let identity = match (certificate.is_empty(), key.is_empty()) {
            (true, true) => net::TlsIdentity::Generated,
            (false, false) => net::TlsIdentity::Files {
                certificate: PathBuf::from(certificate),
                key: PathBuf::from(key),
            },
            _ => return Err(tr!(lang, "errors.tls.both_files").into_owned()),
        };
        Ok(Some(identity))
    }
}

/// A SHA-256 fingerprint as tools print it: 64 hex digits, pairs with or without colons.
pub fn parse_pin(text: &str, lang: Language) -> Result<net::Fingerprint, String> {
    if text.trim().is_empty() {
        return Err(tr!(lang, "errors.tls.pin_empty").into_owned());
    }
    text.parse()
        .map_err(|()| tr!(lang, "errors.tls.pin", text = text.trim()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: Language = Language::English;

    #[test]
    fn a_pin_is_read_or_explained() {
        let printed = "AB:".repeat(31) + "AB";
        let fields = TlsFields {
            enabled: true,
            verify: VerifyChoice::Pinned,
            pin: format!(" {printed} "),
            ..TlsFields::default()
        };
        let pinned = net::Verify::Pinned(net::Fingerprint([0xAB; 32]));
        assert_eq!(fields.client(EN), Ok(Some(pinned)));
        let short = TlsFields {
            pin: "AB:CD".into(),
            ..fields.clone()
        };
        let error = short.client(EN).expect_err("too short");
        assert!(
            error.starts_with("'AB:CD' is not a SHA-256 fingerprint"),
            "{error}"
        );
        let empty = TlsFields {
            pin: String::new(),
            ..fields.clone()
        };
        assert!(empty.client(EN).is_err());
        let off = TlsFields {
            enabled: false,
            ..short
        };
        assert_eq!(off.client(EN), Ok(None), "a pin is not read without TLS");
        let chinese = empty
            .client(Language::SimplifiedChinese)
            .expect_err("empty");
        assert!(chinese.contains("SHA-256"), "{chinese}");
    }

    #[test]
    fn the_server_takes_both_files_or_none() {
        let mut fields = TlsFields {
            enabled: true,
            ..TlsFields::default()
        };
        assert_eq!(fields.server(EN), Ok(Some(net::TlsIdentity::Generated)));
        fields.certificate = "cert.pem".into();
        let error = fields.server(EN).expect_err("no key");
        assert!(error.contains("key"), "{error}");
        fields.key = "key.pem".into();
        let files = net::TlsIdentity::Files {
            certificate: "cert.pem".into(),
            key: "key.pem".into(),
        };
        assert_eq!(fields.server(EN), Ok(Some(files)));
    }
}

//! What the log says about the network, in the session's language: the worker's typed errors
//! and reasons become words here, not where they happen.

use crate::i18n::{Language, tr};
use crate::net::{CertificateInfo, CloseReason, NetError, TlsFailure, TlsSession};

/// A network failure as the log and status line say it. An I/O error the worker could not sort
/// keeps its own words, which come from the OS.
pub fn net_error(error: &NetError, lang: Language) -> String {
    let text = match error {
        NetError::Dns { host, detail } => {
            tr!(lang, "events.net.dns", host = host, detail = detail)
        }
        NetError::Refused { peer } => tr!(lang, "events.net.refused", peer = peer),
        NetError::TimedOut { target, after } => {
            let seconds = format!("{:.1}", after.as_secs_f64());
            tr!(
                lang,
                "events.net.timed_out",
                seconds = seconds,
                target = target
            )
        }
        NetError::Reset => tr!(lang, "events.net.reset"),
        NetError::AddrInUse { addr } => tr!(lang, "events.net.addr_in_use", addr = addr),
        NetError::PermissionDenied { addr } => {
            tr!(lang, "events.net.permission_denied", addr = addr)
        }
        NetError::AddrNotAvailable { addr } => {
            tr!(lang, "events.net.addr_not_available", addr = addr)
        }
        NetError::Backlog { peer, queued_mib } => {
            tr!(lang, "faults.backlog", peer = peer, queued_mib = queued_mib)
        }
        NetError::DatagramBacklog { queued_mib } => {
            tr!(lang, "faults.datagram_backlog", queued_mib = queued_mib)
        }
        NetError::OutOfDescriptors { clients } => {
            tr!(lang, "faults.out_of_descriptors", clients = clients)
        }
        NetError::NoDestination => tr!(lang, "events.net.no_destination"),
        NetError::NotConnected => tr!(lang, "events.net.not_connected"),
        NetError::Join { group, detail } => {
            tr!(lang, "events.net.join", group = group, detail = detail)
        }
        NetError::LocalFamily { local, peer } => {
            tr!(lang, "events.net.local_family", local = local, peer = peer)
        }
        NetError::BroadcastOff { to } => tr!(lang, "events.net.broadcast_off", to = to),
        NetError::DelayedFull { limit } => {
            tr!(lang, "events.net.delayed_full", limit = limit)
        }
        NetError::Tls(failure) => {
            let detail = tls_failure(failure, lang);
            tr!(lang, "events.net.tls", detail = detail)
        }
        NetError::TlsIdentity { detail } => {
            tr!(lang, "events.net.tls_identity", detail = detail)
        }
        NetError::Cut { after, toward } => {
            let after = crate::units::group_digits(*after);
            match toward {
                crate::net::Toward::Upstream => tr!(lang, "relay.faults.cut_up", after = after),
                crate::net::Toward::Client => tr!(lang, "relay.faults.cut_down", after = after),
            }
        }
        NetError::Undelivered { peer, bytes } => {
            let bytes = crate::units::group_digits(*bytes as u64);
            tr!(lang, "relay.undelivered", peer = peer, bytes = bytes)
        }
        NetError::DatagramsDropped {
            peer,
            toward,
            datagrams,
        } => {
            let datagrams = crate::units::group_digits(*datagrams);
            match toward {
                crate::net::Toward::Upstream => {
                    tr!(
                        lang,
                        "relay.udp.dropped_up",
                        peer = peer,
                        datagrams = datagrams
                    )
                }
                crate::net::Toward::Client => {
                    tr!(
                        lang,
                        "relay.udp.dropped_down",
                        peer = peer,
                        datagrams = datagrams
                    )
                }
            }
        }
        NetError::PairLimit { limit } => tr!(lang, "relay.udp.pair_limit", limit = limit),
        NetError::FinishedToward { toward } => match toward {
            crate::net::Toward::Upstream => tr!(lang, "relay.finished_up"),
            crate::net::Toward::Client => tr!(lang, "relay.finished_down"),
        },
        NetError::CutByRule { rule, toward } => {
            let rule = rule + 1;
            match toward {
                crate::net::Toward::Upstream => tr!(lang, "relay.rewrite.cut_up", rule = rule),
                crate::net::Toward::Client => tr!(lang, "relay.rewrite.cut_down", rule = rule),
            }
        }
        NetError::Upstream { target, error } => {
            let error = net_error(error, lang);
            tr!(
                lang,
                "relay.events.upstream_failed",
                target = target,
                error = error
            )
        }
        NetError::Io { .. } => return error.to_string(),
    };
    text.into_owned()
}

/// Why TLS failed.
fn tls_failure(failure: &TlsFailure, lang: Language) -> String {
    let text = match failure {
        TlsFailure::UnknownIssuer => tr!(lang, "events.tls.unknown_issuer"),
        TlsFailure::WrongName => tr!(lang, "events.tls.wrong_name"),
        TlsFailure::Expired => tr!(lang, "events.tls.expired"),
        TlsFailure::NotYetValid => tr!(lang, "events.tls.not_yet_valid"),
        TlsFailure::PinMismatch { found } => {
            tr!(lang, "events.tls.pin_mismatch", found = found)
        }
        TlsFailure::BadCertificate { detail } => {
            tr!(lang, "events.tls.bad_certificate", detail = detail)
        }
        TlsFailure::PeerRefused { alert } => tr!(lang, "events.tls.peer_refused", alert = alert),
        TlsFailure::ClosedInHandshake => tr!(lang, "events.tls.closed_in_handshake"),
        TlsFailure::TimedOut => tr!(lang, "events.tls.timed_out"),
        TlsFailure::NoRoots => tr!(lang, "events.tls.no_roots"),
        // rustls's own words.
        TlsFailure::Protocol { detail } => return detail.clone(),
    };
    text.into_owned()
}

/// What a TLS handshake agreed on: version and cipher suite, then the peer's certificate.
pub fn tls_session(session: &TlsSession, lang: Language) -> String {
    let agreed = tr!(
        lang,
        "events.tls.secured",
        version = session.version,
        suite = session.cipher_suite
    );
    match &session.certificate {
        Some(certificate) => {
            let certificate = certificate_text(certificate, None, lang);
            format!("{agreed}\n{certificate}")
        }
        None => agreed.into_owned(),
    }
}

/// A certificate: the peer's (`serving` is `None`), or the TLS server's own (`Some(true)`
/// when made as it started).
pub fn certificate_text(
    certificate: &CertificateInfo,
    serving: Option<bool>,
    lang: Language,
) -> String {
    let CertificateInfo {
        subject,
        issuer,
        not_before: from,
        not_after: to,
        fingerprint,
    } = certificate;
    match serving {
        None => tr!(
            lang,
            "events.tls.certificate",
            subject = subject,
            issuer = issuer,
            from = from,
            to = to,
            fingerprint = fingerprint
        ),
        Some(true) => tr!(
            lang,
            "events.tls.serving_generated",
            subject = subject,
            from = from,
            to = to,
            fingerprint = fingerprint
        ),
        Some(false) => tr!(
            lang,
            "events.tls.serving_files",
            subject = subject,
            issuer = issuer,
            from = from,
            to = to,
            fingerprint = fingerprint
        ),
    }
    .into_owned()
}

/// Why a connection or session ended.
pub fn close_reason(reason: &CloseReason, lang: Language) -> String {
    match reason {
        CloseReason::Requested => tr!(lang, "events.closed.by_user").into_owned(),
        CloseReason::PeerClosed => tr!(lang, "events.closed.by_peer").into_owned(),
        CloseReason::Idle => tr!(lang, "events.closed.idle").into_owned(),
        CloseReason::Quiet { after } => {
            let seconds = format!("{:.1}", after.as_secs_f64());
            tr!(lang, "relay.udp.quiet", seconds = seconds).into_owned()
        }
        CloseReason::Failed(error) => net_error(error, lang),
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use super::*;

    /// English says exactly what the errors' own Display says; Chinese says it in Chinese.
    #[test]
    fn every_error_reads_in_english_as_displayed_and_in_chinese() {
        let addr: SocketAddr = "127.0.0.1:80".parse().expect("an address");
        let errors = [
            NetError::Dns {
                host: "x.test".into(),
                detail: "no such host".into(),
            },
            NetError::Refused { peer: addr },
            NetError::TimedOut {
                target: "x.test:80".into(),
                after: Duration::from_millis(2500),
            },
            NetError::Reset,
            NetError::AddrInUse { addr },
            NetError::PermissionDenied { addr },
            NetError::AddrNotAvailable { addr },
            NetError::OutOfDescriptors { clients: 57 },
            NetError::Backlog {
                peer: addr,
                queued_mib: 64,
            },
            NetError::DatagramBacklog { queued_mib: 64 },
            NetError::NoDestination,
            NetError::NotConnected,
            NetError::BroadcastOff { to: addr },
            NetError::DelayedFull { limit: 4096 },
            NetError::Join {
                group: "239.1.2.3@eth9".into(),
                detail: "No such device".into(),
            },
            NetError::LocalFamily {
                local: "[::1]:0".parse().expect("an address"),
                peer: addr,
            },
            NetError::TlsIdentity {
                detail: "key.pem: no private key".into(),
            },
        ];
        let found = crate::net::Fingerprint([0xAB; 32]);
        let failures = [
            TlsFailure::UnknownIssuer,
            TlsFailure::WrongName,
            TlsFailure::Expired,
            TlsFailure::NotYetValid,
            TlsFailure::PinMismatch { found },
            TlsFailure::BadCertificate {
                detail: "BadSignature".into(),
            },
            TlsFailure::PeerRefused {
                alert: "HandshakeFailure".into(),
            },
            TlsFailure::ClosedInHandshake,
            TlsFailure::TimedOut,
            TlsFailure::NoRoots,
        ];
        let errors = errors
            .into_iter()
            .chain(failures.into_iter().map(NetError::Tls));
        for error in errors {
            assert_eq!(net_error(&error, Language::English), error.to_string());
            let chinese = net_error(&error, Language::SimplifiedChinese);
            assert_ne!(chinese, error.to_string());
            assert!(chinese.chars().any(|c| c > '\u{2E80}'), "{chinese}");
        }
        let reasons = [
            CloseReason::Requested,
            CloseReason::PeerClosed,
            CloseReason::Idle,
            CloseReason::Quiet {
                after: Duration::from_secs(60),
            },
        ];
        for reason in reasons {
            assert_eq!(close_reason(&reason, Language::English), reason.to_string());
        }
        assert_eq!(
            close_reason(&CloseReason::PeerClosed, Language::SimplifiedChinese),
            "由对端关闭"
        );
    }
}

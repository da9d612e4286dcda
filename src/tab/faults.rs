//! Relay: the faults of each way as the user types them, and what they give the worker.

use std::time::Duration;

use crate::i18n::{Language, tr};
use crate::net::RelayFaults;

/// One way's faults, as typed; empty fields put in nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FaultFields {
    /// Milliseconds each read waits.
    pub delay_ms: String,
    /// Up to this many milliseconds more, at random.
    pub jitter_ms: String,
    /// KiB a second at most.
    pub rate_kib: String,
    /// Bytes after which the pair is cut.
    pub cut_after: String,
}

/// The longest delay or jitter: a minute.
const MAX_DELAY_MS: u64 = 60_000;

impl FaultFields {
    /// What these fields ask for, or what is wrong with them in `lang`.
    pub fn parse(&self, lang: Language) -> Result<RelayFaults, String> {
        let number = |text: &str, max: u64| -> Result<Option<u64>, ()> {
            match text.trim() {
                "" => Ok(None),
                text => match text.parse::<u64>() {
                    Ok(n) if n <= max => Ok(Some(n)),
                    _ => Err(()),
                },
            }
        };
        let millis = |text: &str| {
            number(text, MAX_DELAY_MS)
                .map(|ms| Duration::from_millis(ms.unwrap_or(0)))
                .map_err(|()| tr!(lang, "relay.faults.bad_delay").into_owned())
        };
        let delay = millis(&self.delay_ms)?;
        let jitter = millis(&self.jitter_ms)?;
        let rate = match number(&self.rate_kib, u64::MAX / 1024) {
            Ok(Some(0)) | Err(()) => return Err(tr!(lang, "relay.faults.bad_rate").into_owned()),
            Ok(kib) => kib.map(|kib| kib * 1024),
        };
        let cut_after = number(&self.cut_after, u64::MAX)
            .map_err(|()| tr!(lang, "relay.faults.bad_cut").into_owned())?;
        Ok(RelayFaults {
            delay,
            jitter,
            rate,
            cut_after,
        })
    }
}

/// Both ways' faults, toward the upstream then toward the client.
pub fn parse_both(fields: &[FaultFields; 2], lang: Language) -> Result<[RelayFaults; 2], String> {
    Ok([fields[0].parse(lang)?, fields[1].parse(lang)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_give_faults_or_say_what_is_wrong() {
        let fields = FaultFields {
            delay_ms: "100".to_owned(),
            jitter_ms: " 20 ".to_owned(),
            rate_kib: "64".to_owned(),
            cut_after: "1000".to_owned(),
        };
        let faults = fields.parse(Language::English).expect("valid");
        assert_eq!(faults.delay, Duration::from_millis(100));
        assert_eq!(faults.jitter, Duration::from_millis(20));
        assert_eq!(faults.rate, Some(64 * 1024));
        assert_eq!(faults.cut_after, Some(1000));
        assert_eq!(
            FaultFields::default().parse(Language::English),
            Ok(RelayFaults::default()),
            "empty: nothing"
        );
        let bad = |fields: FaultFields| fields.parse(Language::English).unwrap_err();
        assert!(
            bad(FaultFields {
                delay_ms: "-1".to_owned(),
                ..FaultFields::default()
            })
            .contains("Delay")
        );
        assert!(
            bad(FaultFields {
                rate_kib: "0".to_owned(),
                ..FaultFields::default()
            })
            .contains("At most")
        );
        assert!(
            bad(FaultFields {
                cut_after: "x".to_owned(),
                ..FaultFields::default()
            })
            .contains("Cut")
        );
    }
}

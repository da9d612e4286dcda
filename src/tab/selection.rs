//! What the log view shows of a tab's log: the filter's index, and the entries selected for
//! copying.

use std::time::Instant;

use super::{Tab, messages};
use crate::codec;
use crate::session::FilterIndex;

impl Tab {
    /// Builds the filter from its fields again, to test every entry anew: its fields or the
    /// encoding changed, or the language its complaint is in.
    pub(super) fn rebuild_filter(&mut self) {
        self.view.filter = None;
        self.view.errors.filter = None;
        let fields = &self.settings.filter;
        if !fields.is_active() {
            return;
        }
        match fields.compile(self.settings.encoding) {
            Ok(matcher) => self.view.filter = Some(FilterIndex::new(matcher)),
            Err(error) => {
                self.view.errors.filter = Some(messages::filter_error(&error, self.language));
            }
        }
    }

    /// Brings the filter up to date with the log, testing entries until `deadline`; returns
    /// false while entries remain untested.
    pub fn refresh_filter(&mut self, deadline: Instant) -> bool {
        let Some(filter) = &mut self.view.filter else {
            return true;
        };
        let session = self.link.read();
        // Entries tested between looks at the clock.
        const STEP: usize = 4_000;
        loop {
            if filter.update(&session.log, STEP) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
        }
    }

    pub(super) fn select(&mut self, sequence: u64, extend: bool) {
        match self.view.select_anchor.filter(|_| extend) {
            Some(anchor) => {
                let (from, to) = (anchor.min(sequence), anchor.max(sequence));
                let shown = |s: &u64| {
                    self.view
                        .filter
                        .as_ref()
                        .is_none_or(|filter| filter.contains(*s))
                };
                self.view.selected.extend((from..=to).filter(shown));
            }
            None => {
                if !self.view.selected.remove(&sequence) {
                    self.view.selected.insert(sequence);
                }
            }
        }
        self.view.select_anchor = Some(sequence);
    }

    /// The selected entries still stored, one a line: decoded text (as the view shows it), or
    /// spaced hex; status messages as they are.
    pub fn selection_text(&self, hex: bool) -> String {
        let log = &self.session().log;
        let encoding = self.settings.encoding;
        let lines: Vec<String> = self
            .view
            .selected
            .iter()
            .filter_map(|&sequence| log.index_of(sequence))
            .filter_map(|index| {
                let entry = log.get(index)?;
                Some(match (entry.message(), hex) {
                    (Some(message), _) => message.to_owned(),
                    (None, true) => codec::to_spaced_hex(entry.bytes()),
                    (None, false) => {
                        let encoding = entry.shown_in(encoding);
                        encoding
                            .decode_marked(&log.shown_bytes(index, encoding))
                            .text
                    }
                })
            })
            .collect();
        lines.join("\n")
    }
}

//! What the window shows of a tab besides its settings and its session: the messages beside
//! fields, the pause, the selection, the filter's index, the send preview, the clients picked
//! as send targets. Widgets read it; the tab's own methods change it, as `Tab::handle` carries
//! out what the user asked.

use std::collections::BTreeSet;

use super::FieldErrors;
use super::sending::Preview;
use crate::net::ClientId;
use crate::session::FilterIndex;

pub struct TabView {
    /// What is wrong with the fields, each shown beside its field.
    pub errors: FieldErrors,
    /// Each auto-reply rule's problem, if it has one.
    pub auto_errors: Vec<Option<String>>,
    /// While the display is paused: the first entry it does not show.
    pub paused_at: Option<u64>,
    /// Selected entries, by sequence number, for copying.
    pub selected: BTreeSet<u64>,
    /// The entry clicked last: where a Shift-click range starts.
    pub(super) select_anchor: Option<u64>,
    /// The entries the filter lets through, while a filter is set.
    pub filter: Option<FilterIndex>,
    /// The send preview.
    pub(super) preview: Preview,
    /// Set when a session comes up, so the send box takes keyboard focus once.
    pub(super) focus_send_box: bool,
    /// TCP server: clients the user picked as send targets.
    pub(super) selected_clients: BTreeSet<ClientId>,
}

impl TabView {
    pub(super) fn new(preview: Preview) -> Self {
        Self {
            errors: FieldErrors::default(),
            auto_errors: Vec::new(),
            paused_at: None,
            selected: BTreeSet::new(),
            select_anchor: None,
            filter: None,
            preview,
            focus_send_box: false,
            selected_clients: BTreeSet::new(),
        }
    }
}

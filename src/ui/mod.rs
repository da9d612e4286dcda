//! Drawing: one widget per file. Widgets read a [`Tab`](crate::tab::Tab), edit its settings,
//! and push what the user asked for into the frame's [`command::Requests`], as
//! [`command::UiCommand`]s; the app carries them out in one place.
//!
//! The window: the tab bar on top; the settings panel on the left ([`settings_panel`], built
//! of [`connection_panel`], [`client_options`], [`multicast_panel`], [`receive_panel`], [`send_options`], [`framing_panel`] and
//! [`capture_panel`]); the send box at the bottom; the TCP server's clients on the right; the
//! filter and the log in the middle; the status bar under everything.

pub mod auto_reply;
pub mod capture_panel;
pub mod client_list;
pub mod client_options;
pub mod command;
pub mod connection_panel;
pub mod fault_panel;
pub mod filter_bar;
pub mod fonts;
pub mod form;
pub mod framing_panel;
pub mod hold_bar;
pub mod inject_row;
pub mod labels;
pub mod language_menu;
pub mod log_controls;
pub mod log_lines;
pub mod log_row;
pub mod log_view;
pub mod look;
pub mod multicast_panel;
pub mod pair_list;
pub mod quick_commands;
pub mod receive_panel;
pub mod redraw_cap;
pub mod replay_window;
pub mod rewrite_panel;
pub mod script_window;
pub mod selection_bar;
pub mod send_box;
pub mod send_options;
pub mod settings_panel;
pub mod status_bar;
pub mod theme_menu;
pub mod tls_panel;
pub mod traffic_chart;

//! Drawing: one widget per file. Widgets read and edit a [`Tab`](crate::tab::Tab) and return
//! what the user asked for; the app acts on it in one place.

pub mod auto_reply;
pub mod capture_bar;
pub mod client_list;
pub mod connection_bar;
pub mod display_bar;
pub mod filter_bar;
pub mod fonts;
pub mod framing_bar;
pub mod labels;
pub mod language_menu;
pub mod log_lines;
pub mod log_row;
pub mod log_view;
pub mod look;
pub mod quick_commands;
pub mod redraw_cap;
pub mod selection_bar;
pub mod send_box;

//! Every integration test, in one binary: each test binary links the whole GUI stack, and
//! twenty of them made most of a fresh `cargo test`'s build. One module per area.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common_net/mod.rs"]
mod common_net;

mod cli;
mod fault_backlog;
mod fault_bind;
#[cfg(target_os = "linux")]
mod fault_disk;
mod fault_exit;
#[cfg(target_os = "linux")]
mod fault_fds;
mod fault_half_close;
mod fault_settings;
mod fault_tcp;
#[cfg(target_os = "linux")]
mod fault_udp_peers;
mod headless;
mod headless_device;
mod headless_relay;
mod i18n;
mod net_cycle;
mod net_file;
mod net_relay;
mod net_relay_faults;
mod net_relay_hold;
mod net_relay_peers;
mod net_relay_tls;
mod net_relay_udp;
mod net_tcp_client;
mod net_tcp_server;
mod net_tls;
mod net_tls_openssl;
mod net_udp;
mod script_peers;
mod script_relay;
mod ui_auto_reply;
#[cfg(target_os = "linux")]
mod ui_broadcast;
mod ui_capture;
mod ui_chart;
mod ui_dialogs;
mod ui_encodings;
mod ui_fit;
mod ui_flood;
mod ui_fonts;
mod ui_language;
mod ui_layout;
mod ui_log;
#[cfg(target_os = "linux")]
mod ui_multicast;
mod ui_pcapng;
mod ui_persistence;
mod ui_quick;
mod ui_receive;
mod ui_relay;
mod ui_relay_tls;
mod ui_relay_udp;
mod ui_replay;
mod ui_script;
mod ui_send;
mod ui_tcp_client;
mod ui_tcp_server;
mod ui_tls;
mod ui_udp;

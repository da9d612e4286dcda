//! The window in Chinese: chosen at launch (`--lang`) or at run time from the language menu,
//! and the main flows driven by their Chinese labels against real peers.

use std::io::{Read, Write};
use std::net::TcpListener;

use crate::common::*;
use sockscope::StartOptions;
use sockscope::i18n::Language;

fn chinese_app() -> egui_kittest::Harness<'static, sockscope::App> {
    app_harness_with(StartOptions {
        language: Some(Language::SimplifiedChinese),
        ..StartOptions::default()
    })
}

#[test]
fn the_language_menu_switches_every_label_at_run_time() {
    let mut harness = app_harness();
    assert!(shows(&harness, "TCP Server") && shows(&harness, "Connect"));
    choose(&mut harness, "Language", "简体中文");
    for label in [
        "TCP 客户端",
        "TCP 服务器",
        "连接",
        "主机",
        "端口",
        "编码",
        "过滤",
    ] {
        assert!(shows(&harness, label), "{label} is shown");
    }
    assert!(!shows(&harness, "Connect"), "no English button is left");
    choose(&mut harness, "语言", "English");
    assert!(shows(&harness, "Connect") && shows(&harness, "Encoding"));
}

#[test]
fn in_chinese_a_client_connects_receives_gbk_and_sends() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let mut harness = chinese_app();
    type_field(&mut harness, "端口", &port.to_string());
    choose(&mut harness, "编码", "GBK");
    click(&mut harness, "连接");
    let (mut peer, _) = listener.accept().expect("accept");
    peer.set_read_timeout(Some(DEADLINE)).expect("timeout");
    step_until(&mut harness, "connected", |h| shows(h, "断开"));
    peer.write_all(NIHAO_GBK).expect("write");
    step_until(&mut harness, "the greeting", |h| shows(h, "你好，世界"));
    type_send_box(&mut harness, "收到");
    click(&mut harness, "Send");
    let mut reply = [0; 4];
    peer.read_exact(&mut reply).expect("the reply");
    assert_eq!(reply, [0xCA, 0xD5, 0xB5, 0xBD], "收到 in GBK");
}

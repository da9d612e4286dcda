//! The window in Chinese: chosen at launch (`--lang`) or at run time from the language menu,
//! and the main flows driven by their Chinese labels against real peers.

use std::io::{Read, Write};
use std::net::TcpListener;

use crate::common::*;
use egui::accesskit::Role;
use sockscope::StartOptions;
use sockscope::i18n::Language;
use sockscope::session::{Mode, Status};

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
        "未连接",
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
    // The status line says it in Chinese.
    step_until(&mut harness, "connected", |h| {
        shows(h, "已连接 — 本地 127.0.0.1:")
    });
    assert!(shows(&harness, "断开"), "连接 became 断开");
    // And so does the log.
    assert!(
        shows(&harness, "正在连接 127.0.0.1:"),
        "the log's INFO lines"
    );
    assert!(
        shows(&harness, "已连接到 127.0.0.1:"),
        "the log's INFO lines"
    );
    peer.write_all(NIHAO_GBK).expect("write");
    step_until(&mut harness, "the greeting", |h| shows(h, "你好，世界"));
    type_into(&mut harness, Role::MultilineTextInput, "发送数据", "收到");
    click(&mut harness, "发送");
    let mut reply = [0; 4];
    peer.read_exact(&mut reply).expect("the reply");
    assert_eq!(reply, [0xCA, 0xD5, 0xB5, 0xBD], "收到 in GBK");
}

#[test]
fn in_chinese_a_server_listens_a_udp_socket_opens_and_the_log_saves() {
    let mut harness = chinese_app();
    click(&mut harness, "TCP 服务器");
    type_field(&mut harness, "地址", "127.0.0.1");
    type_field(&mut harness, "端口", "0");
    click(&mut harness, "监听");
    step_until(&mut harness, "listening", |h| listening_port(h).is_some());
    assert!(harness.query_by_label("停止").is_some(), "监听 became 停止");
    let port = listening_port(&harness).expect("listening");
    let mut client = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    client.write_all("温度=23.5℃\n".as_bytes()).expect("write");
    step_until(&mut harness, "the client's line", |h| {
        shows(h, "温度=23.5℃")
    });
    assert!(
        shows(&harness, "正在监听 127.0.0.1:"),
        "the log's INFO lines"
    );
    assert!(shows(&harness, "客户端已连接"), "the log's INFO lines");
    drop(client);
    step_until(&mut harness, "the client leaves", |h| {
        shows(h, "客户端已断开：由对端关闭")
    });

    click(&mut harness, "UDP");
    type_field(&mut harness, "地址", "127.0.0.1");
    type_field(&mut harness, "端口", "0");
    click(&mut harness, "打开");
    step_until(&mut harness, "open", |h| {
        matches!(
            h.state().tab(Mode::Udp).session().status,
            Status::Open { .. }
        )
    });
    let Status::Open { local } = harness.state().tab(Mode::Udp).session().status else {
        unreachable!()
    };
    assert!(harness.query_by_label("关闭").is_some(), "打开 became 关闭");
    assert!(shows(&harness, "已打开 UDP 套接字 127.0.0.1:"), "the log");
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    peer.send_to("你好 UDP".as_bytes(), local).expect("send");
    step_until(&mut harness, "the datagram", |h| shows(h, "你好 UDP"));

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.txt");
    harness.state_mut().save_log(Mode::Udp, path.clone());
    step_until(&mut harness, "saved", |h| h.state().saves_running() == 0);
    assert!(shows(&harness, "已保存"), "the outcome is said in Chinese");
    let saved = std::fs::read_to_string(&path).expect("the saved log");
    assert!(saved.contains("你好 UDP"), "{saved}");
}

/// Field errors speak the language too, next to the field, and nothing starts.
#[test]
fn in_chinese_a_bad_port_is_explained_in_chinese() {
    let mut harness = chinese_app();
    type_field(&mut harness, "端口", "x");
    click(&mut harness, "连接");
    assert!(
        shows(&harness, "“x”不是端口"),
        "the port's error in Chinese"
    );
    assert_eq!(
        harness.state().tab(Mode::TcpClient).session().status,
        Status::Idle
    );
}

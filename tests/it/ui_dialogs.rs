//! File dialogs never hold a frame. A dialog that really opens blocks whoever opened it until
//! the user closes it; headless, none can open, so a stand-in picker blocks the same way here
//! (the real GTK dialog through a desktop portal is held open in `.ci/dialog.sh`). While it is
//! up, the window keeps drawing and the TCP server keeps recording and answering.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{Receiver, Sender};

use crate::common::*;
use sockscope::StartOptions;
use sockscope::app::dialogs::{DialogKind, FilePurpose};
use sockscope::session::Mode;

/// A picker that stays "open" until the test answers on the returned sender; the flag says
/// whether it has returned.
fn held_picker(
    harness: &mut egui_kittest::Harness<'static, sockscope::App>,
) -> (Sender<Option<PathBuf>>, Arc<AtomicBool>) {
    let (answer, answers): (Sender<Option<PathBuf>>, Receiver<Option<PathBuf>>) =
        crossbeam_channel::bounded(1);
    let returned = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&returned);
    harness
        .state_mut()
        .set_file_picker(Arc::new(move |request| {
            assert_eq!(request.kind, DialogKind::Save);
            // Bounded, so a test that fails cannot leave it waiting for ever.
            let path = answers.recv_timeout(DEADLINE * 4).ok().flatten();
            flag.store(true, Ordering::SeqCst);
            path
        }));
    (answer, returned)
}

/// Record's Browse… (Save data has one below it).
fn click_first_browse(harness: &mut egui_kittest::Harness<'static, sockscope::App>) {
    let browse = harness
        .get_all_by_label("Browse…")
        .next()
        .expect("a Browse… button");
    browse.click();
    harness.step();
    harness.step();
}

fn recorded_rx_bytes(path: &std::path::Path) -> usize {
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0;
    };
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|record| record["dir"] == "rx")
        .filter_map(|record| record["len"].as_u64())
        .sum::<u64>() as usize
}

#[test]
fn a_dialog_held_open_keeps_the_window_drawing_and_the_sessions_flowing() {
    const FLOOD: usize = 4 * 1024 * 1024;
    let dir = tempfile::tempdir().expect("tempdir");
    let recording = dir.path().join("all.jsonl");
    let options = StartOptions {
        log: Some(recording.clone()),
        ..StartOptions::default()
    };
    let mut harness = app_harness_with(options);
    click(&mut harness, "TCP Server");
    let server = start_server(&mut harness);
    click(&mut harness, "Auto-reply…");
    click(&mut harness, "Add rule");
    type_field(&mut harness, "1. When", "PING");
    type_field(&mut harness, "1. reply", "PONG");
    let (answer, returned) = held_picker(&mut harness);

    unfold(&mut harness, "Files");
    click(&mut harness, "Save log…");
    // The click's frame ended with the dialog still up: it runs off the UI thread.
    assert!(!returned.load(Ordering::SeqCst), "the dialog is still up");
    assert_eq!(
        harness.state().dialog_open(),
        Some(FilePurpose::SaveLog(Mode::TcpServer))
    );

    // More than the intake would stage for a frame that never ends (1 MiB), then a question.
    let mut client = TcpStream::connect(server).expect("connect");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let peer = std::thread::spawn(move || {
        client.write_all(&vec![b'x'; FLOOD]).expect("flood");
        client.write_all(b"PING").expect("ask");
        let mut reply = [0; 4];
        client.read_exact(&mut reply).expect("the reply");
        reply
    });
    step_until_within(&mut harness, "the flood recorded", FILE_DEADLINE, |_| {
        recorded_rx_bytes(&recording) >= FLOOD + 4
    });
    assert_eq!(&peer.join().expect("peer"), b"PONG");
    assert!(
        !returned.load(Ordering::SeqCst),
        "all that with the dialog up"
    );
    assert_eq!(
        harness
            .state()
            .tab(Mode::TcpServer)
            .session()
            .counters
            .rx_bytes,
        (FLOOD + 4) as u64
    );

    // A second dialog waits for the first.
    click(&mut harness, "Save log…");
    assert!(shows(&harness, "A file dialog is open already"));

    // The answer comes back as a message and is carried out: the log is saved there.
    let saved = dir.path().join("saved.csv");
    answer.send(Some(saved.clone())).expect("answer");
    step_until(&mut harness, "the dialog closed", |h| {
        h.state().dialog_open().is_none()
    });
    step_until(&mut harness, "saved", |h| h.state().saves_running() == 0);
    let csv = std::fs::read_to_string(&saved).expect("the saved log");
    assert!(csv.starts_with("time,mode,dir,peer,len,hex,text\n"));
    assert!(csv.contains(",PONG"), "the auto-reply is in it");
}

#[test]
fn a_cancelled_dialog_changes_nothing_and_the_next_one_opens() {
    let mut harness = app_harness();
    let (answer, returned) = held_picker(&mut harness);
    unfold(&mut harness, "Files");
    click_first_browse(&mut harness);
    assert_eq!(
        harness.state().dialog_open(),
        Some(FilePurpose::Record(Mode::TcpClient))
    );
    answer.send(None).expect("cancel");
    step_until(&mut harness, "the dialog closed", |h| {
        h.state().dialog_open().is_none()
    });
    assert!(returned.load(Ordering::SeqCst));
    let tab = harness.state().tab(Mode::TcpClient);
    assert!(tab.capture.recorder.is_none(), "nothing turned on");
    // Chosen this time: the path is filled in and recording starts.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("chosen.jsonl");
    click_first_browse(&mut harness);
    answer.send(Some(path.clone())).expect("choose");
    step_until(&mut harness, "recording", |h| {
        h.state().tab(Mode::TcpClient).capture.recorder.is_some()
    });
    let fields = &harness.state().tab(Mode::TcpClient).settings().capture;
    assert_eq!(fields.record_path, path.display().to_string());
}

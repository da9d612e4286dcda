//! Under a flood the App stays in charge: every byte is still counted, the view says when it
//! is behind, and Pause, Stop and Disconnect take effect at once.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::thread::{self, JoinHandle};

use crate::common::{
    FILE_DEADLINE, app_harness, rx_bytes, shows, start_server, step_until, step_until_within,
};
use egui_kittest::kittest::Queryable;
use sockscope::session::Mode;

/// A client writing 64 KiB blocks as fast as it can, until the server closes it. Returns
/// how much it wrote.
fn flooding_client(addr: SocketAddr) -> JoinHandle<u64> {
    thread::spawn(move || {
        let Ok(mut stream) = TcpStream::connect(addr) else {
            return 0;
        };
        let block = vec![b'f'; 64 * 1024];
        let mut written = 0;
        while stream.write_all(&block).is_ok() {
            written += block.len() as u64;
        }
        written
    })
}

#[test]
fn a_flood_leaves_the_view_behind_but_pause_stop_and_disconnect_answer_at_once() {
    let mut harness = app_harness();
    let addr = start_server(&mut harness);
    let flood = flooding_client(addr);

    // The flood is on. Whether the intake falls behind it depends on the machine: since frames
    // no longer run rules and timers, it mostly keeps up with this flood here.
    // Volumes, not times: the whole suite on two cores takes this debug build's intake down
    // to a few MB/s, and 64 MiB in the usual 15 s once failed to come.
    step_until_within(&mut harness, "the flood under way", FILE_DEADLINE, |h| {
        rx_bytes(h, Mode::TcpServer) > 16 * 1024 * 1024
    });

    harness.get_by_label("Pause").click();
    harness.step();
    assert!(
        harness
            .state()
            .tab(Mode::TcpServer)
            .view
            .paused_at
            .is_some(),
        "paused in the frame of the click"
    );
    let counted = rx_bytes(&harness, Mode::TcpServer);
    step_until_within(
        &mut harness,
        "bytes still counted while paused",
        FILE_DEADLINE,
        |h| rx_bytes(h, Mode::TcpServer) > counted + 16 * 1024 * 1024,
    );

    // Stop listening, then drop the client: the flooding peer sees its connection end, while
    // the view is still catching up with what came before.
    harness.get_by_label("Stop").click();
    harness.step();
    harness.get_by_label("Disconnect all").click();
    harness.step();
    step_until(&mut harness, "the flooding client cut off", |_| {
        flood.is_finished()
    });
    let written = flood.join().expect("the flooding client");
    step_until(&mut harness, "the session ended", |h| {
        !h.state().tab(Mode::TcpServer).session().status.is_active()
    });
    assert!(
        !shows(&harness, "Behind:"),
        "caught up once the session ended"
    );
    let received = rx_bytes(&harness, Mode::TcpServer);
    assert!(
        // The write that failed may have put part of its block on the wire.
        received > 32 * 1024 * 1024 && received <= written + 64 * 1024,
        "received {received} of the {written} bytes written before the disconnect"
    );
}

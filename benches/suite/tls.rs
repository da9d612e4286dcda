//! TLS against plain TCP through the same workers in the same run: a TCP client worker sends
//! a file to a TCP server worker, once plain and once over TLS (TLS 1.3, a certificate made on
//! the spot, the client not verifying it). What TLS costs the workers, in MiB/s.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sockscope::net::{
    Command, EventKind, FileSpec, SendTarget, Stack, TcpClientConfig, TlsIdentity, Verify,
    spawn_tcp_client, spawn_tcp_server,
};

use crate::report::{Report, Row, mib_per_s};

/// `SOCKSCOPE_TLS_MIB` sets the size (default 1 GiB; 32 MiB in a short run).
fn total_bytes() -> u64 {
    let mib: u64 = std::env::var("SOCKSCOPE_TLS_MIB")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| crate::sized(1024, 32));
    mib * 1024 * 1024
}

/// Seconds from the file's start until the server worker has received all of it.
fn transfer(file: &std::path::Path, total: u64, tls: bool) -> f64 {
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    let identity = tls.then_some(TlsIdentity::Generated);
    let server = spawn_tcp_server(local, Stack::Dual, identity).expect("server");
    let deadline = || Instant::now() + Duration::from_secs(60);
    let local = loop {
        let event = server.next_event(deadline()).expect("listening");
        if let EventKind::Listening { local } = event.kind {
            break local;
        }
    };
    let config = TcpClientConfig {
        host: "127.0.0.1".to_owned(),
        port: local.port(),
        connect_timeout: Duration::from_secs(5),
        local: None,
        reconnect: None,
        on_connect: None,
        tls: tls.then_some(Verify::Insecure),
    };
    let client = spawn_tcp_client(config).expect("client");
    loop {
        let event = client.next_event(deadline()).expect("connected");
        if matches!(event.kind, EventKind::Connected { .. }) {
            break;
        }
    }
    let start = Instant::now();
    client.send(Command::SendFile(FileSpec {
        path: file.to_path_buf(),
        to: SendTarget::Peer,
        datagram: None,
        pace: None,
    }));
    // The client's events (what it sent) are taken as the UI would take them.
    let drain = std::thread::spawn(move || {
        while let Ok(event) = client.next_event(deadline()) {
            if matches!(event.kind, EventKind::FileProgress { running: false, .. }) {
                break;
            }
        }
        client
    });
    let recycler = server.recycler();
    let mut received = 0;
    while received < total {
        let event = server.next_event(deadline()).expect("data");
        if let EventKind::Received { bytes, .. } = event.kind {
            received += bytes.len() as u64;
            recycler.give(bytes);
        }
    }
    let client = drain.join().expect("the client's events");
    let elapsed = start.elapsed().as_secs_f64();
    client.shutdown_and_join();
    server.shutdown_and_join();
    elapsed
}

pub fn run(report: &mut Report) {
    let total = total_bytes();
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("payload.bin");
    let block: Vec<u8> = (0..1024 * 1024).map(|n: u32| (n % 251) as u8).collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).expect("create"));
    for _ in 0..total / block.len() as u64 {
        std::io::Write::write_all(&mut out, &block).expect("write");
    }
    drop(out);
    let plain = transfer(&file, total, false);
    let secured = transfer(&file, total, true);
    let (plain_rate, tls_rate) = (mib_per_s(total, plain), mib_per_s(total, secured));
    let ratio = tls_rate / plain_rate;
    report.row(Row {
        benchmark: format!(
            "TCP client worker → server worker, {} MiB, TLS 1.3 against plain",
            total >> 20
        ),
        baseline: Some(format!("{plain_rate:.0} MiB/s plain")),
        measured: format!("{tls_rate:.0} MiB/s TLS"),
        ratio: Some(ratio),
        target: "reported".to_owned(),
        met: None,
    });
    report.figures(
        "tls",
        serde_json::json!({
            "bytes": total,
            "plain_seconds": plain,
            "tls_seconds": secured,
            "plain_mib_per_s": plain_rate,
            "tls_mib_per_s": tls_rate,
        }),
    );
}

//! A network of the test's own, for traffic that must never reach the machine's network
//! (broadcast, multicast): a new network namespace with loopback up, a veth pair (IPv4 and
//! IPv6) and IPv4 multicast routed over loopback. Making one needs root (CI runs as root); without it a test says it
//! skipped and why, and passes, unless `SOCKSCOPE_REQUIRE_NETNS` is set (as `.ci/run` sets
//! it), where it fails.

use std::net::Ipv4Addr;
use std::process::Command;

/// The namespace's addresses: `veth0` and `veth1` are the two ends of one cable.
pub struct Lab {
    /// `veth0`'s address, in 10.77.0.0/24.
    pub a: Ipv4Addr,
    /// `veth1`'s address.
    pub b: Ipv4Addr,
    /// `veth1`'s second address.
    pub c: Ipv4Addr,
    /// The subnet's broadcast address.
    pub broadcast: Ipv4Addr,
}

const SETUP: &[&[&str]] = &[
    &["link", "set", "lo", "up"],
    &[
        "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
    ],
    &["addr", "add", "10.77.0.1/24", "brd", "+", "dev", "veth0"],
    &["addr", "add", "10.77.0.2/24", "brd", "+", "dev", "veth1"],
    // A second sender on veth1's side, for source-specific joins.
    &["addr", "add", "10.77.0.3/24", "brd", "+", "dev", "veth1"],
    &["link", "set", "veth0", "up"],
    &["link", "set", "veth1", "up"],
    &["route", "add", "224.0.0.0/4", "dev", "lo"],
    // IPv6 on the cable too, usable at once (no duplicate address detection).
    &["-6", "addr", "add", "fd77::1/64", "dev", "veth0", "nodad"],
    &["-6", "addr", "add", "fd77::2/64", "dev", "veth1", "nodad"],
];

/// Runs `test` on a thread of its own inside a new network namespace (the thread's and its
/// children's only: the threads of the app and its workers, started from it, are in it too).
/// Returns false, having said why, where no namespace can be made.
pub fn run_isolated(name: &str, test: impl FnOnce(&Lab) + Send + 'static) -> bool {
    let outcome = std::thread::Builder::new()
        .name(format!("netns {name}"))
        .spawn(move || -> Result<(), String> {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(|error| format!("unshare(CLONE_NEWNET) failed ({error}): run as root"))?;
            for args in SETUP {
                // `ip` runs in the namespace of the thread that starts it.
                let status = Command::new("ip")
                    .args(*args)
                    .status()
                    .map_err(|error| format!("cannot run ip (iproute2): {error}"))?;
                if !status.success() {
                    return Err(format!("ip {} failed: {status}", args.join(" ")));
                }
            }
            let lab = Lab {
                a: Ipv4Addr::new(10, 77, 0, 1),
                b: Ipv4Addr::new(10, 77, 0, 2),
                c: Ipv4Addr::new(10, 77, 0, 3),
                broadcast: Ipv4Addr::new(10, 77, 0, 255),
            };
            test(&lab);
            Ok(())
        })
        .expect("a thread")
        .join();
    match outcome {
        Ok(Ok(())) => true,
        Ok(Err(why)) => {
            let why = format!("{name}: no network namespace of its own: {why}");
            assert!(
                std::env::var_os("SOCKSCOPE_REQUIRE_NETNS").is_none(),
                "SOCKSCOPE_REQUIRE_NETNS is set, and {why}"
            );
            eprintln!("SKIPPED {why}");
            false
        }
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

//! Name resolution off a worker's poll loop: the OS resolver can block for many seconds, and a
//! session must stay responsive meanwhile.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use crossbeam_channel::Receiver;

use super::NetError;

pub(super) type Resolution = Result<Vec<SocketAddr>, NetError>;

/// Starts resolving `host`; the answer arrives on the returned channel (at once for an IP
/// literal), and `wake` runs when a lookup thread has delivered it.
pub(super) fn resolve(
    host: &str,
    port: u16,
    wake: impl FnOnce() + Send + 'static,
) -> Receiver<Resolution> {
    let (answer, answers) = crossbeam_channel::bounded(1);
    if let Ok(ip) = host.parse::<IpAddr>() {
        let _ = answer.send(Ok(vec![SocketAddr::new(ip, port)]));
        return answers;
    }
    let owned_host = host.to_owned();
    let thread_answer = answer.clone();
    let spawned = std::thread::Builder::new()
        // Escaped: a thread's name may not hold a NUL (the lookup then says what is wrong).
        .name(format!("dns {}", host.escape_default()))
        .spawn(move || {
            let result = (owned_host.as_str(), port)
                .to_socket_addrs()
                .map(Iterator::collect)
                .map_err(|error| NetError::Dns {
                    host: owned_host,
                    detail: error.to_string(),
                });
            let _ = thread_answer.send(result);
            wake();
        });
    if let Err(error) = spawned {
        let _ = answer.send(Err(NetError::io(
            "cannot start the resolver thread",
            &error,
        )));
    }
    answers
}

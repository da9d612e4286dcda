//! A TCP server session's connected clients: one table, by client id in order of arrival,
//! found by address too (received bytes and the entries framed from them name their peer).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::SystemTime;

use indexmap::IndexMap;

use crate::net::ClientId;

/// One connected client of a TCP server session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    pub id: ClientId,
    pub peer: SocketAddr,
    /// This end of the connection.
    pub local: SocketAddr,
    pub connected_at: SystemTime,
    /// Bytes from the client (relay: from the upstream, the answers).
    pub bytes_in: u64,
    /// Bytes to the client (relay: from the client, to the upstream).
    pub bytes_out: u64,
    /// Relay: the client's upstream connection, once it is up.
    pub upstream: Option<Upstream>,
}

/// Relay: a client's own connection to the upstream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Upstream {
    /// The upstream's address, and this end's.
    pub addr: Option<(SocketAddr, SocketAddr)>,
    /// Bytes read from one side that wait for the other: toward the upstream, toward the
    /// client.
    pub backlog: [usize; 2],
    /// Which sides finished sending (their FIN was passed on): the client, the upstream.
    pub finished: [bool; 2],
}

#[derive(Clone, Debug, Default)]
pub struct Clients {
    by_id: IndexMap<ClientId, ClientInfo>,
    by_peer: HashMap<SocketAddr, ClientId>,
}

impl Clients {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// In order of arrival.
    pub fn iter(&self) -> impl Iterator<Item = &ClientInfo> {
        self.by_id.values()
    }

    pub fn contains(&self, id: ClientId) -> bool {
        self.by_id.contains_key(&id)
    }

    /// The client connected from `peer`.
    pub fn at(&self, peer: SocketAddr) -> Option<&ClientInfo> {
        self.by_peer.get(&peer).and_then(|id| self.by_id.get(id))
    }

    pub(super) fn insert(&mut self, client: ClientInfo) {
        self.by_peer.insert(client.peer, client.id);
        self.by_id.insert(client.id, client);
    }

    pub(super) fn remove(&mut self, id: ClientId) {
        // Shifted, not swapped: the list keeps the order of arrival.
        if let Some(client) = self.by_id.shift_remove(&id) {
            self.by_peer.remove(&client.peer);
        }
    }

    pub(super) fn clear(&mut self) {
        self.by_id.clear();
        self.by_peer.clear();
    }

    pub(super) fn get_mut(&mut self, id: ClientId) -> Option<&mut ClientInfo> {
        self.by_id.get_mut(&id)
    }
}

/// The client at `index` in order of arrival, as a table row asks for it.
impl std::ops::Index<usize> for Clients {
    type Output = ClientInfo;

    fn index(&self, index: usize) -> &ClientInfo {
        &self.by_id[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: u64, port: u16) -> ClientInfo {
        ClientInfo {
            id: ClientId(id),
            peer: SocketAddr::from(([127, 0, 0, 1], port)),
            local: SocketAddr::from(([127, 0, 0, 1], 80)),
            connected_at: SystemTime::UNIX_EPOCH,
            bytes_in: 0,
            bytes_out: 0,
            upstream: None,
        }
    }

    #[test]
    fn a_client_leaving_keeps_the_others_in_order_and_frees_its_address() {
        let mut clients = Clients::default();
        for (id, port) in [(1, 4001), (2, 4002), (3, 4003)] {
            clients.insert(client(id, port));
        }
        clients.remove(ClientId(2));
        let ids: Vec<_> = clients.iter().map(|c| c.id.0).collect();
        assert_eq!(ids, [1, 3], "arrival order kept");
        assert_eq!(clients[1].id, ClientId(3), "rows follow the order");
        let gone = SocketAddr::from(([127, 0, 0, 1], 4002));
        assert!(clients.at(gone).is_none());
        // The port is used again by a new client: found as the new one.
        clients.insert(client(4, 4002));
        assert_eq!(clients.at(gone).map(|c| c.id), Some(ClientId(4)));
        clients.clear();
        assert!(clients.is_empty() && clients.at(gone).is_none());
    }
}

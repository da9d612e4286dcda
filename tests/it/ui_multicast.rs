//! UDP multicast from the real window, in a network namespace of the test's own (see
//! `common_net::netns`, which routes 224.0.0.0/4 over its loopback).

use std::net::{Ipv4Addr, UdpSocket};

use egui_kittest::Harness;
use sockscope::App;
use sockscope::session::{Mode, Status};

use crate::common::*;
use crate::common_net::netns;

const GROUP: Ipv4Addr = Ipv4Addr::new(239, 1, 2, 3);
const OTHER_GROUP: Ipv4Addr = Ipv4Addr::new(239, 4, 5, 6);

fn open_port(harness: &Harness<'_, App>) -> Option<u16> {
    match harness.state().tab(Mode::Udp).session().status {
        Status::Open { local } => Some(local.port()),
        _ => None,
    }
}

#[test]
fn joined_groups_reach_the_tab_until_each_is_left() {
    netns::run_isolated("multicast", |_lab| {
        let mut harness = app_harness();
        click(&mut harness, "UDP");
        type_field(&mut harness, "Address", "0.0.0.0");
        type_field(&mut harness, "Port", "0");
        click(&mut harness, "Open");
        step_until(&mut harness, "open", |h| open_port(h).is_some());
        let port = open_port(&harness).expect("open");

        unfold(&mut harness, "Multicast");
        // A unicast address is not a group: said beside the field, nothing joined.
        type_field(&mut harness, "Group", "10.1.2.3");
        click(&mut harness, "Join");
        assert!(shows(&harness, "'10.1.2.3' is not a multicast address"));
        type_field(&mut harness, "Group", &GROUP.to_string());
        click(&mut harness, "Join");
        step_until(&mut harness, "joined", |h| {
            shows(h, "Joined multicast group 239.1.2.3")
        });

        let sender = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        sender
            .set_multicast_loop_v4(true)
            .expect("IP_MULTICAST_LOOP");
        sender
            .send_to(b"TO THE GROUP", (GROUP, port))
            .expect("send to the group");
        step_until(&mut harness, "the group's datagram", |h| {
            shows(h, "TO THE GROUP")
        });
        // Marked with the group it was sent to.
        assert!(
            shows(&harness, " -> 239.1.2.3 TO THE GROUP"),
            "the destination in the peer column, the data after it"
        );

        // A second group at once.
        type_field(&mut harness, "Group", &OTHER_GROUP.to_string());
        click(&mut harness, "Join");
        step_until(&mut harness, "joined", |h| {
            shows(h, "Joined multicast group 239.4.5.6")
        });
        sender
            .send_to(b"TO THE OTHER GROUP", (OTHER_GROUP, port))
            .expect("send to the other group");
        step_until(&mut harness, "the other group's datagram", |h| {
            shows(h, "TO THE OTHER GROUP")
        });

        // Leave the first (its row comes first).
        let leave = harness.query_all_by_label("Leave").next();
        leave.expect("a Leave button").click();
        harness.step();
        step_until(&mut harness, "left", |h| {
            shows(h, "Left multicast group 239.1.2.3")
        });
        sender
            .send_to(b"AFTER LEAVING", (GROUP, port))
            .expect("send to the group");
        // A unicast datagram sent after it arrives after it, if it arrives at all.
        sender
            .send_to(b"UNICAST MARK", (Ipv4Addr::LOCALHOST, port))
            .expect("send");
        step_until(&mut harness, "the mark", |h| shows(h, "UNICAST MARK"));
        assert!(
            shows(&harness, " -> 127.0.0.1 UNICAST MARK"),
            "a unicast one says this host"
        );
        assert!(!shows(&harness, "AFTER LEAVING"), "left means no more");
        sender
            .send_to(b"STILL IN THE OTHER", (OTHER_GROUP, port))
            .expect("send to the other group");
        step_until(&mut harness, "the other group, still", |h| {
            shows(h, "STILL IN THE OTHER")
        });
    });
}

/// `--join` fills the groups as the Group field does: a good group is joined as the preset
/// opens the socket, a bad one is explained beside the field.
#[test]
fn join_presets_are_joined_as_the_socket_opens() {
    netns::run_isolated("multicast presets", |_lab| {
        let options = sockscope::StartOptions {
            preset: Some(sockscope::cli::Preset::Udp {
                local: "0.0.0.0:0".parse().expect("an address"),
                to: None,
                broadcast: false,
                join: vec!["239.1.2.3".to_owned(), "10.1.2.3".to_owned()],
            }),
            ..sockscope::StartOptions::default()
        };
        let mut harness = app_harness_with(options);
        step_until(&mut harness, "joined", |h| {
            shows(h, "Joined multicast group 239.1.2.3")
        });
        unfold(&mut harness, "Multicast");
        assert!(shows(&harness, "'10.1.2.3' is not a multicast address"));
    });
}

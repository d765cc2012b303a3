//! The peer policy `qh::Trust::peers(…)`: which entries it accepts, which
//! peers it then trusts, and what a router under the layer does with their
//! IDs. The reference reads addresses with `std` (as the rustdoc says) and
//! writes the prefix rule, IPv4-mapped addresses and membership by hand.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::Request;
use axum::routing::get;
use axum::Router;
use proptest::prelude::*;
use qh::{Tracking, Trust};
use tower::ServiceExt as _;

use crate::support::{block_on, default_rule, id_bytes, is_uuid};

/// A network as the rustdoc defines it: a family, the address bits and a
/// prefix length, IPv4-mapped blocks already IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Net {
    V4(u32, u8),
    V6(u128, u8),
}

/// The IPv4 address an IPv4-mapped IPv6 one (`::ffff:a.b.c.d`) stands for.
fn unmapped(bits: u128) -> Option<u32> {
    (bits >> 32 == 0xffff).then_some(bits as u32)
}

/// The rustdoc of `Trust::peers`: blanks trimmed; an address `std` reads;
/// alone, or `/` and decimal digits without a leading zero, at most 32
/// (IPv4) or 128 (IPv6); a mapped block of prefix 96 or more is IPv4.
fn reference(entry: &str) -> Option<Net> {
    let entry = entry.trim_matches(char::is_whitespace);
    let (addr, prefix) = match entry.find('/') {
        Some(at) => (&entry[..at], Some(&entry[at + 1..])),
        None => (entry, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max: u32 = if addr.is_ipv4() { 32 } else { 128 };
    let len = match prefix {
        None => max,
        Some(p) => {
            let digits = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
            let leading_zero = p.len() > 1 && p.starts_with('0');
            if !digits || leading_zero {
                return None;
            }
            let n = p.bytes().fold(0u32, |n, b| {
                n.saturating_mul(10).saturating_add(u32::from(b - b'0'))
            });
            if n > max {
                return None;
            }
            n
        }
    };
    let len = len as u8;
    Some(match addr {
        IpAddr::V4(a) => Net::V4(u32::from(a), len),
        IpAddr::V6(a) => match unmapped(u128::from(a)) {
            Some(v4) if len >= 96 => Net::V4(v4, len - 96),
            _ => Net::V6(u128::from(a), len),
        },
    })
}

fn mask4(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

fn mask6(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    }
}

/// Membership by mask arithmetic; a mapped peer is the IPv4 peer.
fn member(nets: &[Net], peer: IpAddr) -> bool {
    let peer = match peer {
        IpAddr::V6(a) => match unmapped(u128::from(a)) {
            Some(v4) => IpAddr::V4(Ipv4Addr::from(v4)),
            None => peer,
        },
        v4 => v4,
    };
    nets.iter().any(|&net| match (net, peer) {
        (Net::V4(bits, len), IpAddr::V4(p)) => (u32::from(p) ^ bits) & mask4(len) == 0,
        (Net::V6(bits, len), IpAddr::V6(p)) => (u128::from(p) ^ bits) & mask6(len) == 0,
        _ => false,
    })
}

/// The lowest and highest address of `net`, each as the peer of its family.
fn bounds(net: Net) -> [IpAddr; 2] {
    match net {
        Net::V4(bits, len) => {
            let low = bits & mask4(len);
            [low, low | !mask4(len)].map(|a| IpAddr::V4(a.into()))
        }
        Net::V6(bits, len) => {
            let low = bits & mask6(len);
            [low, low | !mask6(len)].map(|a| IpAddr::V6(a.into()))
        }
    }
}

/// Addresses that tell one network from every other: its bounds, the
/// addresses just outside them, and of the other family the same bits
/// (an IPv4 network's low bound also IPv4-mapped, which it holds, and
/// IPv4-compatible, `::a.b.c.d`, which it does not).
fn probes(net: Net) -> Vec<IpAddr> {
    let [low, high] = bounds(net);
    let mut probes = vec![low, high];
    match (low, high) {
        (IpAddr::V4(l), IpAddr::V4(h)) => {
            probes.extend(u32::from(l).checked_sub(1).map(|a| IpAddr::V4(a.into())));
            probes.extend(u32::from(h).checked_add(1).map(|a| IpAddr::V4(a.into())));
            probes.push(IpAddr::V6(l.to_ipv6_mapped()));
            probes.push(IpAddr::V6(Ipv6Addr::from(u128::from(u32::from(l)))));
        }
        (IpAddr::V6(l), IpAddr::V6(h)) => {
            probes.extend(u128::from(l).checked_sub(1).map(|a| IpAddr::V6(a.into())));
            probes.extend(u128::from(h).checked_add(1).map(|a| IpAddr::V6(a.into())));
            probes.push(IpAddr::V4(Ipv4Addr::from(u128::from(l) as u32)));
        }
        _ => unreachable!("bounds are of one family"),
    }
    probes
}

// ---- generated networks, written in every form the language allows ----

fn v4_bits() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => any::<u32>(),
        1 => prop::sample::select(vec![0, u32::MAX, 0x0a00_0000, 0x7f00_0001, 0xc0a8_0107]),
    ]
}

fn v6_bits() -> impl Strategy<Value = u128> {
    prop_oneof![
        3 => any::<u128>(),
        // Runs of zero groups, so `::` appears in many places.
        2 => (any::<u128>(), any::<u8>()).prop_map(|(b, zeros)| {
            (0..8).fold(b, |b, g| if zeros >> g & 1 == 1 { b & !(0xffff << (g * 16)) } else { b })
        }),
        1 => any::<u32>().prop_map(|v4| 0xffff_0000_0000 | u128::from(v4)),
        1 => any::<u32>().prop_map(u128::from),
        1 => prop::sample::select(vec![0, 1, u128::MAX, 0xfd00 << 112, 0xfe80 << 112]),
    ]
}

/// A network the language accepts, with the text that writes it.
fn accepted() -> impl Strategy<Value = (Net, String)> {
    let v4 = (v4_bits(), 0u8..=32, any::<bool>()).prop_map(|(bits, len, bare)| {
        let addr = Ipv4Addr::from(bits);
        if bare {
            (Net::V4(bits, 32), addr.to_string())
        } else {
            (Net::V4(bits, len), format!("{addr}/{len}"))
        }
    });
    let v6 = (v6_bits(), 0u8..=128, 0u8..4).prop_map(|(bits, len, form)| {
        let addr = Ipv6Addr::from(bits);
        let len = if form == 0 { 128 } else { len };
        let text = match form {
            0 => addr.to_string(),
            // Every group written out, upper case, leading zeros kept.
            1 => {
                let groups = addr.segments().map(|g| format!("{g:04X}"));
                format!("{}/{len}", groups.join(":"))
            }
            _ => format!("{addr}/{len}"),
        };
        let net = match unmapped(bits) {
            Some(v4) if len >= 96 => Net::V4(v4, len - 96),
            _ => Net::V6(bits, len),
        };
        (net, text)
    });
    let blanks = prop::sample::select(vec!["", "", "", " ", "\t", "\n ", "\u{a0}", "\u{3000}"]);
    (prop_oneof![v4, v6], blanks.clone(), blanks)
        .prop_map(|((net, text), before, after)| (net, format!("{before}{text}{after}")))
}

/// Near misses: an accepted entry with one to three edits among the
/// characters the language is made of and those it refuses.
fn near_miss() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "0", "00", "1", "9", "33", "129", "256", "/", "//", ".", ":", "::", "%", "%eth0", "%1",
        " ", "\t", "+", "-", "a", "f", "F", "g", "x", "e", "\u{a0}", "é", "١", "[", "]", "::ffff:",
    ]);
    let edit = (0u8..4, any::<prop::sample::Index>(), piece);
    (accepted(), prop::collection::vec(edit, 1..=3)).prop_map(|((_, text), edits)| {
        let mut chars: Vec<char> = text.chars().collect();
        for (kind, at, piece) in edits {
            let i = at.index(chars.len() + 1);
            match kind {
                0 => drop(chars.splice(i..i, piece.chars())),
                1 if i < chars.len() => drop(chars.remove(i)),
                2 if i < chars.len() => drop(chars.splice(i..=i, piece.chars())),
                _ => chars.extend(piece.chars()),
            }
        }
        chars.into_iter().collect()
    })
}

/// Targeted near misses: prefixes out of range or with leading zeros,
/// octets with leading zeros, zones, several slashes.
fn crafted() -> impl Strategy<Value = String> {
    let octet = prop_oneof![
        3 => (0u16..=255).prop_map(|o| o.to_string()),
        1 => (0u16..=300).prop_map(|o| format!("0{o}")),
        1 => (256u16..=999).prop_map(|o| o.to_string()),
    ];
    let prefix = prop_oneof![
        2 => (0u16..=140).prop_map(|p| p.to_string()),
        1 => (0u16..=140).prop_map(|p| format!("0{p}")),
        1 => (0u16..=140).prop_map(|p| format!("+{p}")),
        1 => Just(String::new()),
        1 => (129u32..=100_000).prop_map(|p| p.to_string()),
    ];
    let v4 = prop::collection::vec(octet, 3..=5).prop_map(|o| o.join("."));
    let v6 = (
        v6_bits(),
        prop::sample::select(vec!["", "%eth0", "%0", "%", "%25lo"]),
    )
        .prop_map(|(b, zone)| format!("{}{zone}", Ipv6Addr::from(b)));
    let addr = prop_oneof![v4.clone(), v6, v4.prop_map(|a| format!("::ffff:{a}"))];
    (addr, prop::collection::vec(prefix, 0..=2)).prop_map(|(addr, prefixes)| {
        let mut text = addr;
        for p in prefixes {
            text.push('/');
            text.push_str(&p);
        }
        text
    })
}

/// Anything: short strings of the characters around addresses, any text,
/// and long runs (the error's bound).
fn garbage() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[0-9a-fA-F:./% ]{0,24}",
        2 => "\\PC{0,12}",
        1 => ("[0-9./:]{200,600}", "\\PC{0,3}").prop_map(|(a, b)| a + &b),
    ]
}

fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => accepted().prop_map(|(_, text)| text),
        3 => near_miss(),
        2 => crafted(),
        1 => garbage(),
    ]
}

/// What the error must name: the trimmed entry, or its first 256 bytes
/// and a mark when it is longer.
fn check_named(err: &qh::tracking::InvalidNetwork, entry: &str) -> Result<(), TestCaseError> {
    let trimmed = entry.trim_matches(char::is_whitespace);
    let named = err.network();
    if trimmed.len() <= 256 {
        prop_assert_eq!(named, trimmed);
    } else {
        let mark = format!("… ({} bytes, cut)", trimmed.len());
        let kept = named.strip_suffix(&mark).unwrap_or("");
        prop_assert!((253..=256).contains(&kept.len()), "{:?}", named);
        prop_assert!(trimmed.starts_with(kept));
    }
    let message = err.to_string();
    let quoted = format!("`{}` is not an IP network", named.escape_debug());
    prop_assert!(message.starts_with(&quoted), "{}", message);
    Ok(())
}

/// A peer: a probe of a listed network (its bounds, just outside them,
/// the other family), an address inside it, or anywhere; an IPv4 peer in
/// its IPv4-mapped form half the time, as a dual-stack socket shows it.
fn peer_near(nets: Vec<Net>) -> impl Strategy<Value = IpAddr> {
    let near = (
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        any::<u128>(),
        any::<bool>(),
    )
        .prop_map(move |(net, probe, noise, mapped)| {
            let addr = if nets.is_empty() {
                IpAddr::V4(Ipv4Addr::from(noise as u32))
            } else {
                let net = nets[net.index(nets.len())];
                let probes = probes(net);
                match probe.index(probes.len() + 1) {
                    i if i < probes.len() => probes[i],
                    _ => match net {
                        Net::V4(bits, len) => {
                            IpAddr::V4(((bits & mask4(len)) | (noise as u32 & !mask4(len))).into())
                        }
                        Net::V6(bits, len) => {
                            IpAddr::V6(((bits & mask6(len)) | (noise & !mask6(len))).into())
                        }
                    },
                }
            };
            match addr {
                IpAddr::V4(a) if mapped => IpAddr::V6(a.to_ipv6_mapped()),
                a => a,
            }
        });
    let anywhere = prop_oneof![
        any::<u32>().prop_map(|a| IpAddr::V4(a.into())),
        v6_bits().prop_map(|a| IpAddr::V6(a.into())),
    ];
    prop_oneof![4 => near, 1 => anywhere]
}

/// Lists the language accepts (their texts), and a peer to ask about.
fn list_and_peer() -> impl Strategy<Value = (Vec<(Net, String)>, IpAddr)> {
    prop::collection::vec(accepted(), 0..=4).prop_flat_map(|list| {
        let nets = list.iter().map(|(net, _)| *net).collect();
        (Just(list), peer_near(nets))
    })
}

async fn ids() -> String {
    let id = qh::request_id().map_or("-".to_owned(), |id| id.to_string());
    let client = qh::context::client_request_id().map_or("-".to_owned(), |c| c.to_string());
    format!("{id} {client}")
}

proptest! {
    #[test]
    fn trust_accepts_exactly_the_documented_networks(entry in entry()) {
        let want = reference(&entry);
        match Trust::peers([&entry]) {
            Ok(trust) => {
                let net = want.ok_or_else(|| TestCaseError::fail(format!("accepted {entry:?}")))?;
                // The network accepted is the one written: its bounds are
                // in, what is just outside them and the other family out.
                for probe in probes(net) {
                    prop_assert_eq!(trust.admits(probe), member(&[net], probe), "{:?} {}", entry, probe);
                }
            }
            Err(err) => {
                prop_assert!(want.is_none(), "refused {:?} ({:?})", entry, want);
                check_named(&err, &entry)?;
            }
        }
    }

    #[test]
    fn trust_names_the_first_malformed_network(entries in prop::collection::vec(entry(), 0..=4)) {
        let first_bad = entries.iter().find(|e| reference(e).is_none());
        match (Trust::peers(&entries), first_bad) {
            (Ok(_), None) => {}
            (Err(err), Some(bad)) => check_named(&err, bad)?,
            (got, want) => {
                return Err(TestCaseError::fail(format!("{entries:?}: {got:?}, first bad {want:?}")));
            }
        }
    }

    #[test]
    fn trust_admits_exactly_the_members((list, peer) in list_and_peer()) {
        let trust = Trust::peers(list.iter().map(|(_, text)| text)).unwrap();
        let nets: Vec<Net> = list.iter().map(|(net, _)| *net).collect();
        prop_assert_eq!(trust.admits(peer), member(&nets, peer), "{:?} {}", list, peer);
        prop_assert!(Trust::everyone().admits(peer));
        prop_assert!(!Trust::nobody().admits(peer));
    }

    #[test]
    fn trust_keeps_the_ids_of_member_peers_only(
        (list, peer) in list_and_peer(),
        port in any::<u16>(),
        connected in prop::bool::weighted(0.9),
        id in id_bytes(),
    ) {
        let trust = Trust::peers(list.iter().map(|(_, text)| text)).unwrap();
        let nets: Vec<Net> = list.iter().map(|(net, _)| *net).collect();
        let mut app = Router::new()
            .route("/", get(ids))
            .layer(Tracking::new().trust_incoming(trust));
        if connected {
            app = app.layer(MockConnectInfo(SocketAddr::new(peer, port)));
        }
        let mut req = Request::get("/").body(Body::empty()).unwrap();
        let sent = String::from_utf8(id.clone()).ok().filter(|_| default_rule(&id, 128));
        if let Ok(value) = axum::http::HeaderValue::from_bytes(&id) {
            req.headers_mut().insert("x-request-id", value);
        }
        let res = block_on(app.oneshot(req)).unwrap();
        let echoed = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        let body = block_on(axum::body::to_bytes(res.into_body(), 4096)).unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        let trusted = connected && member(&nets, peer);
        match sent {
            Some(sent) if trusted => {
                prop_assert_eq!(&echoed, &sent);
                prop_assert_eq!(body, format!("{sent} -"));
            }
            Some(sent) => {
                // Replaced, and kept beside the server's ID, never echoed.
                prop_assert!(is_uuid(&echoed, 4), "{}", echoed);
                prop_assert_eq!(body, format!("{echoed} {sent}"));
            }
            None => {
                prop_assert!(is_uuid(&echoed, 4), "{}", echoed);
                prop_assert_eq!(body, format!("{echoed} -"));
            }
        }
    }
}

/// The reference agrees with the rustdoc's own examples.
#[test]
fn the_reference_reads_the_documented_examples() {
    let v4 = |a: [u8; 4], len| Some(Net::V4(u32::from_be_bytes(a), len));
    assert_eq!(reference("10.0.0.0/8"), v4([10, 0, 0, 0], 8));
    assert_eq!(reference(" 192.168.1.7 "), v4([192, 168, 1, 7], 32));
    assert_eq!(reference("::ffff:10.0.0.0/104"), v4([10, 0, 0, 0], 8));
    assert_eq!(reference("fd00::/8"), Some(Net::V6(0xfd00 << 112, 8)));
    for bad in [
        "010.0.0.0/8",
        "10.0.0.0/08",
        "10.0.0.0/33",
        "fe80::1%eth0",
        "1.2.3.4/8/8",
    ] {
        assert_eq!(reference(bad), None, "{bad}");
    }
    let nets = [reference("::/0").unwrap()];
    assert!(!member(&nets, "::ffff:10.1.2.3".parse().unwrap()));
    assert!(member(&nets, "fe80::1".parse().unwrap()));
}

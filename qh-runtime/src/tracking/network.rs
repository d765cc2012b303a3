//! The networks [`Trust::peers`](super::Trust::peers) reads, and whether a
//! peer is in one: a leaf parser, text in, [`IpNet`] out.

use std::fmt;
use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};

use crate::support::text::{cut, ECHO_LIMIT};

/// Parses one entry: an address as `std` reads it, alone (a network of
/// one) or followed by `/` and a prefix length.
///
/// The address is parsed by `std` rather than by `ipnet`, whose copy of an
/// older `std` parser takes in a block what `std` refuses alone: IPv4
/// octets with leading zeros (`010.0.0.0/8`; a leading zero reads as octal
/// elsewhere) and a `::` standing for no group at all.
pub(crate) fn parse(text: &str) -> Result<IpNet, InvalidNetwork> {
    let text = text.trim();
    let (addr, prefix) = match text.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (text, None),
    };
    addr.parse::<IpAddr>()
        .ok()
        .and_then(|addr| {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let len = prefix.map_or(Some(max), |p| prefix_len(p, max))?;
            IpNet::new(addr, len).ok()
        })
        .map(canonical)
        .ok_or_else(|| InvalidNetwork {
            network: cut(text, ECHO_LIMIT).into_owned(),
        })
}

/// A prefix length: decimal digits, no sign, no leading zero, at most `max`.
fn prefix_len(text: &str, max: u8) -> Option<u8> {
    let canonical = text == "0" || (!text.starts_with('0') && text.len() <= 3);
    if !canonical || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u8>().ok().filter(|&len| len <= max)
}

/// An IPv4-mapped IPv6 block (`::ffff:10.0.0.0/104`) is the IPv4 block it
/// maps (`10.0.0.0/8`), as a mapped peer is the IPv4 peer.
fn canonical(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, IpNet::V4),
            None => net,
        },
        _ => net,
    }
}

/// Whether `peer` is in one of `nets`, an IPv4-mapped IPv6 peer as the
/// IPv4 peer it is.
pub(crate) fn contains(nets: &[IpNet], peer: IpAddr) -> bool {
    let peer = peer.to_canonical();
    nets.iter().any(|net| net.contains(&peer))
}

/// A network given to [`Trust::peers`](super::Trust::peers) that is
/// neither an IP address nor a CIDR block.
///
/// # Examples
///
/// Trusted networks read from the environment, a typo reported at start-up:
///
/// ```
/// use qh::{tracking::InvalidNetwork, Tracking, Trust};
///
/// fn tracking(trusted: &str) -> Result<Tracking, InvalidNetwork> {
///     let peers = Trust::peers(trusted.split(','))?;
///     Ok(Tracking::new().trust_incoming(peers))
/// }
///
/// assert!(tracking("10.0.0.0/8, fd00::/8").is_ok());
/// let err = tracking("10.0.0.0/8, office-lan").unwrap_err();
/// assert_eq!(err.network(), "office-lan");
/// assert!(err.to_string().starts_with("`office-lan` is not an IP network"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidNetwork {
    network: String,
}

impl InvalidNetwork {
    /// The entry as given, whitespace around it trimmed (cut to 256 bytes).
    #[must_use]
    pub fn network(&self) -> &str {
        &self.network
    }
}

impl fmt::Display for InvalidNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an IP network: expected an address (`10.0.0.7`, `::1`) \
             or a CIDR block (`10.0.0.0/8`, `fd00::/8`)",
            self.network.escape_debug()
        )
    }
}

impl std::error::Error for InvalidNetwork {}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> String {
        parse(text).unwrap().to_string()
    }

    #[test]
    fn addresses_and_blocks() {
        assert_eq!(net("192.168.1.7"), "192.168.1.7/32");
        assert_eq!(net(" 10.0.0.0/8\t"), "10.0.0.0/8");
        assert_eq!(net("fd00::/8"), "fd00::/8");
        assert_eq!(net("::1"), "::1/128");
        assert_eq!(net("0.0.0.0/0"), "0.0.0.0/0");
    }

    #[test]
    fn mapped_blocks_are_ipv4() {
        assert_eq!(net("::ffff:10.0.0.0/104"), "10.0.0.0/8");
        assert_eq!(net("::ffff:10.1.2.3"), "10.1.2.3/32");
        // Wider than the mapped range: an IPv6 block.
        assert_eq!(net("::ffff:0:0/95"), "::ffff:0.0.0.0/95");
    }

    #[test]
    fn near_misses_are_refused() {
        for bad in [
            "",
            "/",
            "10.0.0.0/",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/08",
            "10.0.0.0/+8",
            "10.0.0.0/8/8",
            "010.0.0.0/8",
            "010.0.0.1",
            "10.0.0.0 /8",
            "fe80::1%eth0",
            "1.2.3",
            "10.0.0.0/0008",
            "::/0128",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_error_names_the_entry_bounded() {
        let err = parse("10.0.0.0/33").unwrap_err();
        assert_eq!(err.network(), "10.0.0.0/33");
        assert!(err
            .to_string()
            .starts_with("`10.0.0.0/33` is not an IP network"));
        let long = "x".repeat(10_000);
        assert!(parse(&long).unwrap_err().to_string().len() < 400);
    }
}

//! [`Trust`]: whose incoming request IDs are used. Envoy's model: the edge
//! replaces the IDs clients send, internal hops keep the ones their peers
//! sent.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::ConnectInfo;
use http::Extensions;
use ipnet::IpNet;

use super::network::{self, InvalidNetwork};

/// Whose valid incoming request IDs are used as the request's ID; anyone
/// else's request gets a new ID, with the client's valid value kept beside
/// it (`client_request_id`) and never echoed under the ID's header.
///
/// [`Tracking::trust_incoming`](crate::Tracking::trust_incoming) takes a
/// `Trust` or a `bool` (`true`: everyone, the default; `false`: nobody).
///
/// ```
/// use axum::{routing::get, Router};
/// use qh::{Tracking, Trust};
///
/// // IDs from the load balancers and the service mesh are kept; a client
/// // connecting from anywhere else gets a fresh one.
/// let trust = Trust::peers(["10.0.0.0/8", "fd00::/8", "192.168.1.7"])?;
/// let app: Router = Router::new()
///     .route("/", get(|| async { "ok" }))
///     .layer(Tracking::new().trust_incoming(trust));
/// // Serve with `into_make_service_with_connect_info::<SocketAddr>()`, so
/// // the peer's address is known.
/// # Ok::<(), qh::tracking::InvalidNetwork>(())
/// ```
///
/// The peer is the connection's address, from axum's
/// `ConnectInfo<SocketAddr>` (serve the router with
/// `into_make_service_with_connect_info::<SocketAddr>()`); a request without
/// it is not trusted (axum's `MockConnectInfo` stands in for it in tests,
/// as it does for the extractor). IPv4 and IPv6 are apart: an IPv4 client
/// a dual-stack socket shows as `::ffff:10.1.2.3` is the IPv4 peer
/// `10.1.2.3`, matched by IPv4 networks only (`0.0.0.0/0` holds every IPv4
/// peer, `::/0` none).
#[derive(Clone, Debug)]
pub struct Trust(Kind);

#[derive(Clone, Debug)]
enum Kind {
    Everyone,
    Nobody,
    Peers(Arc<[IpNet]>),
}

impl Trust {
    /// Every client's valid ID is used (the default).
    #[must_use]
    pub fn everyone() -> Self {
        Self(Kind::Everyone)
    }

    /// No incoming ID is used: every request gets a new one.
    #[must_use]
    pub fn nobody() -> Self {
        Self(Kind::Nobody)
    }

    /// Only IDs from peers in `networks` are used: each an address
    /// (`192.168.1.7`, `::1`) or a CIDR block (`10.0.0.0/8`, `fd00::/8`).
    ///
    /// An entry, whitespace around it ignored, is an address as
    /// [`IpAddr`]'s `FromStr` reads it (IPv4 as four decimal octets without
    /// leading zeros, IPv6 without a zone such as `%eth0`), alone or
    /// followed by `/` and a prefix length: decimal, no sign, no leading
    /// zero, at most 32 for IPv4 and 128 for IPv6. Bits past the prefix are
    /// ignored (`10.1.2.3/8` is `10.0.0.0/8`). An IPv4-mapped entry with a
    /// prefix of 96 or more is the IPv4 network it maps
    /// (`::ffff:10.0.0.0/104` is `10.0.0.0/8`).
    ///
    /// # Errors
    ///
    /// [`InvalidNetwork`], naming the first entry that is neither.
    pub fn peers<I>(networks: I) -> Result<Self, InvalidNetwork>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let nets = networks
            .into_iter()
            .map(|net| network::parse(net.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(Kind::Peers(nets.into())))
    }

    /// Whether a peer at `peer` may bring its own ID: the rule the layer
    /// applies to the connection's address, for code that wants the same
    /// answer elsewhere (an interceptor, a forwarded header).
    ///
    /// ```
    /// let trust = qh::Trust::peers(["10.0.0.0/8"])?;
    /// assert!(trust.admits("10.1.2.3".parse()?));
    /// assert!(trust.admits("::ffff:10.1.2.3".parse()?));
    /// assert!(!trust.admits("11.0.0.1".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn admits(&self, peer: IpAddr) -> bool {
        match &self.0 {
            Kind::Everyone => true,
            Kind::Nobody => false,
            Kind::Peers(nets) => network::contains(nets, peer),
        }
    }

    /// Whether the request whose extensions these are may bring its own ID.
    #[inline]
    pub(crate) fn admits_request(&self, extensions: &Extensions) -> bool {
        match &self.0 {
            Kind::Everyone => true,
            Kind::Nobody => false,
            Kind::Peers(_) => peer(extensions).is_some_and(|peer| self.admits(peer.ip())),
        }
    }
}

/// The connection's address as axum's `ConnectInfo` extractor finds it:
/// the real one, else a test's `MockConnectInfo`.
pub(crate) fn peer(extensions: &Extensions) -> Option<SocketAddr> {
    match extensions.get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => Some(*peer),
        None => extensions
            .get::<MockConnectInfo<SocketAddr>>()
            .map(|MockConnectInfo(peer)| *peer),
    }
}

impl From<bool> for Trust {
    fn from(trust: bool) -> Self {
        if trust {
            Self::everyone()
        } else {
            Self::nobody()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_peer(addr: &str) -> Extensions {
        let mut ext = Extensions::new();
        ext.insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
        ext
    }

    #[test]
    fn peers_match_by_network() {
        let trust = Trust::peers(["10.0.0.0/8", "fd00::/8", "192.168.1.7"]).unwrap();
        assert!(trust.admits_request(&with_peer("10.1.2.3:5000")));
        assert!(trust.admits_request(&with_peer("192.168.1.7:1")));
        assert!(!trust.admits_request(&with_peer("192.168.1.8:1")));
        assert!(trust.admits_request(&with_peer("[fd00::1]:80")));
        assert!(!trust.admits_request(&with_peer("[fe80::1]:80")));
        // An IPv4 client on a dual-stack socket.
        assert!(trust.admits_request(&with_peer("[::ffff:10.9.9.9]:80")));
        // IPv4 and IPv6 apart: `::/0` holds no IPv4 peer, mapped or not.
        let v6 = Trust::peers(["::/0"]).unwrap();
        assert!(!v6.admits_request(&with_peer("[::ffff:10.9.9.9]:80")));
        assert!(v6.admits_request(&with_peer("[fe80::1]:80")));
        // No connection info: not trusted.
        assert!(!trust.admits_request(&Extensions::new()));
    }

    #[test]
    fn a_malformed_network_is_named() {
        let err = Trust::peers(["10.0.0.0/8", "10.0.0.0/33"]).unwrap_err();
        assert_eq!(err.network(), "10.0.0.0/33");
        assert!(err
            .to_string()
            .starts_with("`10.0.0.0/33` is not an IP network"));
        assert!(Trust::peers(["nope"]).is_err());
        assert!(Trust::peers(Vec::<String>::new()).is_ok());
    }

    #[test]
    fn bools_are_everyone_or_nobody() {
        assert!(Trust::from(true).admits_request(&Extensions::new()));
        assert!(!Trust::from(false).admits_request(&with_peer("127.0.0.1:1")));
    }
}

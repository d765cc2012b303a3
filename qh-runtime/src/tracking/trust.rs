//! [`Trust`]: whose incoming request IDs are used. Envoy's model: the edge
//! replaces the IDs clients send, internal hops keep the ones their peers
//! sent.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::ConnectInfo;
use http::Extensions;
use ipnet::IpNet;

use crate::support::text::{cut, ECHO_LIMIT};

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
/// # Ok::<(), qh::InvalidNetwork>(())
/// ```
///
/// The peer is the connection's address, from axum's
/// `ConnectInfo<SocketAddr>` (serve the router with
/// `into_make_service_with_connect_info::<SocketAddr>()`); a request without
/// it is not trusted. IPv4 peers seen as IPv4-mapped IPv6 addresses
/// (`::ffff:10.1.2.3`) match IPv4 networks.
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
            .map(|net| parse_network(net.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(Kind::Peers(nets.into())))
    }

    /// Whether the request whose extensions these are may bring its own ID.
    #[inline]
    pub(crate) fn admits(&self, extensions: &Extensions) -> bool {
        match &self.0 {
            Kind::Everyone => true,
            Kind::Nobody => false,
            Kind::Peers(nets) => extensions
                .get::<ConnectInfo<SocketAddr>>()
                .is_some_and(|ConnectInfo(peer)| admits_peer(nets, peer.ip())),
        }
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

/// Whether `peer` is in one of `nets` (an IPv4-mapped IPv6 peer as IPv4).
fn admits_peer(nets: &[IpNet], peer: IpAddr) -> bool {
    let peer = peer.to_canonical();
    nets.iter().any(|net| net.contains(&peer))
}

/// An address is a network of one.
fn parse_network(text: &str) -> Result<IpNet, InvalidNetwork> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| InvalidNetwork {
            network: cut(text, ECHO_LIMIT).into_owned(),
        })
}

/// A network given to [`Trust::peers`] that is neither an IP address nor a
/// CIDR block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidNetwork {
    network: String,
}

impl InvalidNetwork {
    /// The entry as given (cut to 256 bytes).
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

    fn with_peer(addr: &str) -> Extensions {
        let mut ext = Extensions::new();
        ext.insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
        ext
    }

    #[test]
    fn peers_match_by_network() {
        let trust = Trust::peers(["10.0.0.0/8", "fd00::/8", "192.168.1.7"]).unwrap();
        assert!(trust.admits(&with_peer("10.1.2.3:5000")));
        assert!(trust.admits(&with_peer("192.168.1.7:1")));
        assert!(!trust.admits(&with_peer("192.168.1.8:1")));
        assert!(trust.admits(&with_peer("[fd00::1]:80")));
        assert!(!trust.admits(&with_peer("[fe80::1]:80")));
        // An IPv4 client on a dual-stack socket.
        assert!(trust.admits(&with_peer("[::ffff:10.9.9.9]:80")));
        // No connection info: not trusted.
        assert!(!trust.admits(&Extensions::new()));
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
        assert!(Trust::from(true).admits(&Extensions::new()));
        assert!(!Trust::from(false).admits(&with_peer("127.0.0.1:1")));
    }
}

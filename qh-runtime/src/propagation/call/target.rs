//! [`Target`]: where a call goes, and the `server.*` and `url.full` values
//! its client span reports from it.

use http::Uri;

use crate::support::text::cut;

/// The longest `url.full` recorded, in bytes: the URL is the app's own,
/// but a path built from user input could be long.
const MAX_URL: usize = 1024;

/// Where a call goes, as its client span reports it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    pub(crate) scheme: &'a str,
    /// The host as written in the URL (an IPv6 address in brackets).
    pub(crate) host: &'a str,
    /// The port given in the URL, if any.
    pub(crate) port: Option<u16>,
    pub(crate) path: &'a str,
}

impl<'a> Target<'a> {
    pub(super) fn of_uri(uri: &'a Uri) -> Self {
        Self {
            scheme: uri.scheme_str().unwrap_or("http"),
            host: uri.host().unwrap_or(""),
            port: uri.port_u16(),
            path: uri.path(),
        }
    }

    /// `server.address`: the host, an IPv6 address without its brackets.
    pub(super) fn address(&self) -> &'a str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }

    /// `server.port`: the URL's, else the scheme's default.
    pub(super) fn port(&self) -> u16 {
        self.port.unwrap_or(match self.scheme {
            "https" | "wss" => 443,
            _ => 80,
        })
    }

    /// `url.full` without the query, the fragment or any credentials.
    pub(super) fn url(&self) -> String {
        let mut url = format!("{}://{}", self.scheme, self.host);
        if let Some(port) = self.port {
            url.push(':');
            url.push_str(&port.to_string());
        }
        url.push_str(self.path);
        cut(&url, MAX_URL).into_owned()
    }
}

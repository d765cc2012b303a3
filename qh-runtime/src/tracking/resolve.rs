//! Resolving a request's tracking ID: the one place that decides it.
//!
//! The order, in [`for_request`]: (1) an ID already resolved for this
//! request (a [`Tracking`] layer stored a [`Resolved`] in the request's
//! extensions); else, with the configuration at hand, (2) the first
//! configured header holding exactly one valid value, if the request is
//! trusted ([`Trust`](super::Trust)), (3) a new ID from the generator. The layer, endpoints, the
//! derive, `RequestId`'s extractor, the 405 answer and errors all take the
//! ID from here; none reads the ambient task-local to decide it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use http::request::Parts;
use http::{Extensions, HeaderMap, HeaderName, HeaderValue};

use super::Tracking;
use crate::context::Resolved;
use crate::id::RequestId;
use crate::support::headers;

/// A resolution made now, with the value to echo: the request's own header
/// value for an incoming ID (shared, no copy), a new one for a generated ID.
pub(crate) struct Fresh {
    pub(crate) resolved: Resolved,
    pub(crate) echo: HeaderValue,
}

/// What [`for_request`] found.
pub(crate) enum Found<'a> {
    /// Resolved earlier for this request (by a `Tracking` layer, or an
    /// extractor that remembered it); whoever resolved it echoes it.
    Existing(&'a Resolved),
    /// Resolved now, with the defaults: the caller owns the echo.
    Fresh(Fresh),
}

/// The request's ID: rule (1), else rules (2)–(3) with the defaults, reading
/// `header` instead of `X-Request-ID` when an endpoint names one.
#[inline]
pub(crate) fn for_request<'a>(parts: &'a Parts, header: Option<&HeaderName>) -> Found<'a> {
    match parts.extensions.get::<Resolved>() {
        Some(resolved) => Found::Existing(resolved),
        None => Found::Fresh(resolve_defaults(&parts.headers, &parts.extensions, header)),
    }
}

/// Rules (2)–(3) with the default configuration, which cannot fail.
#[inline]
pub(crate) fn resolve_defaults(
    headers: &HeaderMap,
    extensions: &Extensions,
    header: Option<&HeaderName>,
) -> Fresh {
    let tracking = Tracking::defaults();
    let main = header.unwrap_or(tracking.header_name());
    match tracking.resolve_under(headers, extensions, main) {
        Ok(fresh) => fresh,
        // The defaults run no user code: only reachable if that changes.
        Err(failure) => failure.fresh,
    }
}

/// A custom generator or validator panicked: the request is answered 500,
/// under a UUID v4 made by qh.
pub(crate) struct Failure {
    pub(crate) fresh: Fresh,
    pub(crate) what: &'static str,
}

impl Tracking {
    /// Rules (2)–(3) with this configuration, for a request with these
    /// headers and extensions (where the peer's address is).
    pub(crate) fn resolve(
        &self,
        headers: &HeaderMap,
        extensions: &Extensions,
    ) -> Result<Fresh, Box<Failure>> {
        self.resolve_under(headers, extensions, &self.config.header)
    }

    /// [`resolve`](Self::resolve) with `main` as the first header read and
    /// the one a generated ID is echoed under (an endpoint's own header).
    #[inline]
    pub(crate) fn resolve_under(
        &self,
        headers: &HeaderMap,
        extensions: &Extensions,
        main: &HeaderName,
    ) -> Result<Fresh, Box<Failure>> {
        let rule = &self.config.rule;
        let mut found = None;
        for name in std::iter::once(main).chain(&self.config.fallbacks) {
            let Some(value) = headers::single(headers, name) else {
                continue;
            };
            let accepted = if rule.is_custom() {
                catch_unwind(AssertUnwindSafe(|| rule.accepts(value.as_bytes())))
                    .map_err(|_| self.failure(main, "the request ID validator panicked"))?
            } else {
                rule.accepts(value.as_bytes())
            };
            if accepted {
                found = Some((name, value));
                break;
            }
        }
        // Asked of every request: besides the ID, the peer's trust decides
        // what of its headers is forwarded (`TrackingContext` fields).
        let peer_trusted = self.config.trust.admits_request(extensions);
        // The trace is the peer's to choose under the same trust, unless
        // traces have a policy of their own.
        let trace_trusted = match &self.config.trace_trust {
            None => peer_trusted,
            Some(trust) => trust.admits_request(extensions),
        };
        let trusted = peer_trusted && (found.is_some() || self.config.id_from_traceparent);
        // The ID, the header it is echoed under, the client's untrusted ID,
        // the echo: the resolution is built once, in place.
        let (id, header, client, echo) = match found {
            Some((name, value)) if trusted => (
                RequestId::from_accepted(value.as_bytes()),
                name.clone(),
                None,
                value.clone(),
            ),
            None if trusted && self.config.id_from_traceparent => {
                let (id, echo) = match crate::trace_context::TraceContext::from_headers(headers) {
                    Some(tc) => {
                        let id = tc.request_id();
                        let echo = id.to_header_value();
                        (id, echo)
                    }
                    None => self.generate(main)?,
                };
                (id, main.clone(), None, echo)
            }
            found => {
                let client = found.map(|(_, value)| RequestId::from_accepted(value.as_bytes()));
                let (id, echo) = self.generate(main)?;
                (id, main.clone(), client, echo)
            }
        };
        Ok(Fresh {
            resolved: Resolved::new(id, header, client).with_trust(peer_trusted, trace_trusted),
            echo,
        })
    }

    /// Rule (3): a new ID, and its echo.
    fn generate(&self, main: &HeaderName) -> Result<(RequestId, HeaderValue), Box<Failure>> {
        let generator = &self.config.generator;
        let id = if generator.is_custom() {
            catch_unwind(AssertUnwindSafe(|| generator.generate()))
                .map_err(|_| self.failure(main, "the request ID generator panicked"))?
        } else {
            generator.generate()
        };
        let echo = id.to_header_value();
        Ok((id, echo))
    }

    fn failure(&self, main: &HeaderName, what: &'static str) -> Box<Failure> {
        tracing::error!("{what}; answering 500 under a UUID v4");
        let id = crate::id::IdGenerator::UuidV4.generate();
        Box::new(Failure {
            fresh: Fresh {
                echo: id.to_header_value(),
                resolved: Resolved::new(id, main.clone(), None),
            },
            what,
        })
    }
}

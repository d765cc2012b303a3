//! [`Resolved`]: the outcome of resolving one request's ID, as the store
//! and everything below the resolution read it.

use http::HeaderName;

use crate::id::RequestId;
use crate::tracking::Tracking;

/// The outcome of resolving one request's ID, stored in the request's
/// extensions by the [`Tracking`](crate::Tracking) layer, so that everything below it (other
/// middleware, handlers, qh endpoints) reads the same answer.
///
/// ```
/// use axum::{extract::Request, routing::get, Router};
///
/// async fn show(req: Request) -> String {
///     let resolved = req.extensions().get::<qh::tracking::Resolved>().unwrap();
///     format!("{} under {}", resolved.id(), resolved.header())
/// }
///
/// let app: Router = Router::new().route("/", get(show)).layer(qh::Tracking::new());
/// ```
#[derive(Clone)]
pub struct Resolved {
    id: RequestId,
    header: HeaderName,
    // Boxed: rare (untrusted incoming IDs only), and it keeps the state every
    // request carries small.
    client_id: Option<Box<RequestId>>,
    /// Whether the peer that sent the request is trusted (`Trust`), whether
    /// or not it sent an ID: what else it sent is forwarded by that too
    /// (`TrackingContext` headers).
    trusted: bool,
    /// Whether the peer's trace is continued (`Tracking::trust_traces`,
    /// by default the same answer as `trusted`): else its `traceparent`
    /// starts a new trace, linked to, and its `tracestate` is dropped.
    trace_trusted: bool,
    // The configuration of the `Tracking` layer that resolved it (none for
    // an endpoint's own resolution, or a context made by the app): what
    // reads the configuration the request came through asks there (the
    // served OpenAPI document, the shutdown and meters of its background
    // work and outbound calls).
    layer: Option<Tracking>,
}

impl Resolved {
    #[inline]
    pub(crate) fn new(id: RequestId, header: HeaderName, client_id: Option<RequestId>) -> Self {
        Self {
            id,
            header,
            client_id: client_id.map(Box::new),
            trusted: true,
            trace_trusted: true,
            layer: None,
        }
    }

    /// This resolution for a request whose peer is trusted or not, and
    /// whose trace is continued or not.
    #[inline]
    pub(crate) fn with_trust(mut self, trusted: bool, trace_trusted: bool) -> Self {
        self.trusted = trusted;
        self.trace_trusted = trace_trusted;
        self
    }

    /// Whether the request's incoming `traceparent` and `tracestate` are
    /// continued (see [`Tracking::trust_traces`](crate::Tracking::trust_traces)).
    pub(crate) fn trace_trusted(&self) -> bool {
        self.trace_trusted
    }

    /// Whether the request's peer is trusted (the layer's `Trust`); a
    /// context made by the app (`Context::new`) is.
    pub(crate) fn trusted(&self) -> bool {
        self.trusted
    }

    /// Marks it as made by the layer `tracking` configures.
    pub(crate) fn set_layer(&mut self, tracking: &Tracking) {
        self.layer = Some(tracking.clone());
    }

    /// The configuration of the [`Tracking`] layer that resolved it.
    #[inline]
    pub(crate) fn layer(&self) -> Option<&Tracking> {
        self.layer.as_ref()
    }

    /// The request's tracking ID.
    #[must_use]
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The header the ID was resolved under: where it is echoed, and what
    /// outbound calls send it as.
    #[must_use]
    pub fn header(&self) -> &HeaderName {
        &self.header
    }

    /// The client's own valid ID, kept beside the server's when incoming IDs
    /// are not trusted.
    #[must_use]
    pub fn client_id(&self) -> Option<&RequestId> {
        self.client_id.as_deref()
    }
}

// The layer's configuration is left out: it is the app's, not the
// request's.
impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("id", &self.id)
            .field("header", &self.header)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

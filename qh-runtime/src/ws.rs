//! WebSocket sessions that keep the upgrading request's context (the cargo
//! feature `ws`).
//!
//! axum runs a WebSocket session on a task of its own, so inside it
//! `qh::request_id()` is `None` and log lines carry no ID. This module's
//! [`WebSocketUpgrade`] is axum's extractor, with the same methods, whose
//! [`on_upgrade`](WebSocketUpgrade::on_upgrade) callback runs in the
//! upgrading request's context: `qh::request_id()` is that request's ID for
//! the whole session, log lines carry it, and the session runs in a
//! `websocket` span that follows from the request span and closes when the
//! session ends. The `101` answer echoes the ID like any other.
//!
//! ```
//! use axum::{routing::get, Router};
//! use qh::ws::{Message, WebSocket, WebSocketUpgrade};
//!
//! async fn chat(ws: WebSocketUpgrade) -> axum::response::Response {
//!     ws.on_upgrade(|mut socket: WebSocket| async move {
//!         while let Some(Ok(msg)) = socket.recv().await {
//!             let id = qh::request_id().unwrap(); // the upgrading request's
//!             tracing::info!("message");          // carries request_id
//!             let reply = format!("{id}: {}", msg.to_text().unwrap_or(""));
//!             if socket.send(Message::text(reply)).await.is_err() {
//!                 break;
//!             }
//!         }
//!     })
//! }
//!
//! let app: Router = Router::new().route("/chat", get(chat)).layer(qh::Tracking::new());
//! ```
//!
//! It also works as an `#[extract]` parameter of an endpoint.

use std::future::Future;

use axum::extract::ws;
use axum::extract::FromRequestParts;
use axum::response::Response;
use http::request::Parts;
use http::HeaderValue;
use tracing::{Instrument, Span};

// axum's own types, linked to axum's pages rather than copied here.
#[doc(no_inline)]
pub use axum::extract::ws::{
    CloseFrame, DefaultOnFailedUpgrade, Message, OnFailedUpgrade, Utf8Bytes, WebSocket,
};

use crate::context::Context;
use crate::error::Error;
use crate::tracking::resolve::{self, Found};

/// axum's `WebSocketUpgrade`, whose session keeps the request's context
/// (see the [module docs](self)).
///
/// # Examples
///
/// ```
/// use axum::{response::Response, routing::get, Router};
/// use qh::ws::{Message, WebSocketUpgrade};
///
/// /// GET /ticks: a message a second, each logged with the upgrading
/// /// request's ID.
/// async fn ticks(ws: WebSocketUpgrade) -> Response {
///     ws.max_message_size(64 * 1024).on_upgrade(|mut socket| async move {
///         for n in 0.. {
///             tracing::info!(n, "tick"); // carries request_id
///             if socket.send(Message::text(n.to_string())).await.is_err() {
///                 break;
///             }
///             tokio::time::sleep(std::time::Duration::from_secs(1)).await;
///         }
///     })
/// }
///
/// let app: Router = Router::new().route("/ticks", get(ticks)).layer(qh::Tracking::new());
/// ```
#[must_use]
pub struct WebSocketUpgrade<F = DefaultOnFailedUpgrade> {
    inner: ws::WebSocketUpgrade<F>,
    ctx: Context,
    /// The request span, which the session's span follows from.
    request_span: Span,
}

impl<F> std::fmt::Debug for WebSocketUpgrade<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketUpgrade")
            .field("inner", &self.inner)
            .field("request_id", self.ctx.id())
            .finish_non_exhaustive()
    }
}

/// The request's context: the current one (under the `Tracking` layer or in
/// an endpoint), else one made from the request's resolution.
fn request_context(parts: &Parts) -> Context {
    Context::current().unwrap_or_else(|| match resolve::for_request(parts, None) {
        Found::Existing(resolved) => Context::from_resolved(resolved.clone(), None),
        Found::Fresh(fresh) => Context::from_resolved(fresh.resolved, None),
    })
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade<DefaultOnFailedUpgrade> {
    /// axum's rejection (not a GET, no `Upgrade: websocket`, …) as a
    /// problem document with the request's ID.
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = request_context(parts);
        match ws::WebSocketUpgrade::from_request_parts(parts, state).await {
            Ok(inner) => Ok(Self {
                inner,
                ctx,
                request_span: Span::current(),
            }),
            Err(rejection) => {
                Err(Error::new(rejection.status(), rejection.body_text())
                    .request_id(ctx.id().clone()))
            }
        }
    }
}

impl<F> WebSocketUpgrade<F> {
    /// Read buffer capacity (axum's default 128 KiB).
    pub fn read_buffer_size(self, size: usize) -> Self {
        self.map(|inner| inner.read_buffer_size(size))
    }

    /// The target minimum size of the write buffer (axum's default 128 KiB).
    pub fn write_buffer_size(self, size: usize) -> Self {
        self.map(|inner| inner.write_buffer_size(size))
    }

    /// The maximum size of the write buffer (axum's default: unlimited).
    pub fn max_write_buffer_size(self, max: usize) -> Self {
        self.map(|inner| inner.max_write_buffer_size(max))
    }

    /// The maximum size of an incoming message (axum's default 64 MiB).
    pub fn max_message_size(self, max: usize) -> Self {
        self.map(|inner| inner.max_message_size(max))
    }

    /// The maximum size of a single incoming frame (axum's default 16 MiB).
    pub fn max_frame_size(self, max: usize) -> Self {
        self.map(|inner| inner.max_frame_size(max))
    }

    /// Whether to accept unmasked frames from the client (default `false`).
    pub fn accept_unmasked_frames(self, accept: bool) -> Self {
        self.map(|inner| inner.accept_unmasked_frames(accept))
    }

    /// The subprotocols the server supports, in order of preference.
    pub fn protocols<I>(self, protocols: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<std::borrow::Cow<'static, str>>,
    {
        self.map(|inner| inner.protocols(protocols))
    }

    /// The subprotocols the client asked for.
    pub fn requested_protocols(&self) -> impl Iterator<Item = &HeaderValue> {
        self.inner.requested_protocols()
    }

    /// Sets the subprotocol of the response.
    pub fn set_selected_protocol(&mut self, protocol: HeaderValue) {
        self.inner.set_selected_protocol(protocol);
    }

    /// The subprotocol of the response, if one was selected.
    pub fn selected_protocol(&self) -> Option<&HeaderValue> {
        self.inner.selected_protocol()
    }

    fn map(self, f: impl FnOnce(ws::WebSocketUpgrade<F>) -> ws::WebSocketUpgrade<F>) -> Self {
        Self {
            inner: f(self.inner),
            ..self
        }
    }

    /// What to do when the upgrade fails; `callback` runs in the request's
    /// context too.
    pub fn on_failed_upgrade<C: OnFailedUpgrade>(
        self,
        callback: C,
    ) -> WebSocketUpgrade<InRequest<C>> {
        let failed = InRequest {
            ctx: self.ctx.clone(),
            callback,
        };
        WebSocketUpgrade {
            inner: self.inner.on_failed_upgrade(failed),
            ctx: self.ctx,
            request_span: self.request_span,
        }
    }

    /// Completes the upgrade and runs `callback` with the socket, in the
    /// upgrading request's context and in a `websocket` span (field
    /// `request_id`) that follows from the request span and closes when the
    /// session ends.
    #[must_use = "to set up the WebSocket connection, this response must be returned"]
    pub fn on_upgrade<C, Fut>(self, callback: C) -> Response
    where
        C: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
        F: OnFailedUpgrade,
    {
        let Self {
            inner,
            ctx,
            request_span,
        } = self;
        let span = tracing::info_span!(parent: None, "websocket", request_id = %ctx.id());
        span.follows_from(&request_span);
        inner.on_upgrade(move |socket| {
            // The callback is called on the session's first poll, so it
            // runs in the context too, not only the future it returns.
            ctx.scope(async move { callback(socket).await })
                .instrument(span)
        })
    }
}

/// An [`OnFailedUpgrade`] callback run in the upgrading request's context.
///
/// # Examples
///
/// ```
/// use axum::response::Response;
/// use qh::ws::{InRequest, WebSocketUpgrade};
///
/// async fn chat(ws: WebSocketUpgrade) -> Response {
///     let ws: WebSocketUpgrade<InRequest<_>> = ws.on_failed_upgrade(|error: axum::Error| {
///         // Logged with the upgrading request's ID.
///         tracing::warn!(%error, "websocket upgrade failed");
///     });
///     ws.on_upgrade(|_socket| async {})
/// }
/// ```
#[derive(Debug)]
pub struct InRequest<C> {
    ctx: Context,
    callback: C,
}

impl<C: OnFailedUpgrade> OnFailedUpgrade for InRequest<C> {
    fn call(self, error: axum::Error) {
        let Self { ctx, callback } = self;
        ctx.sync_scope(|| callback.call(error));
    }
}

//! The errors qh makes about a request: a kind with a detail cut to a
//! bounded length, the place in the request it names, the request it
//! belongs to, and the answer of a caught panic.

use std::borrow::Cow;

use http::{HeaderName, StatusCode};

use super::{Error, ErrorKind, Location};
use crate::context::Resolved;
use crate::support::text::{cut, ECHO_LIMIT};

impl Error {
    /// An error qh made about the request; `detail` may quote the request,
    /// so it is cut to a bounded length.
    pub(crate) fn with_kind(
        kind: ErrorKind,
        status: StatusCode,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        let detail = detail.into();
        let detail = match cut(&detail, ECHO_LIMIT) {
            Cow::Borrowed(_) => detail,
            Cow::Owned(cut) => Cow::Owned(cut),
        };
        let mut error = Self::new(status, detail);
        error.0.kind = kind;
        error
    }

    /// Ties the error to a resolved request: its ID in the document, echoed
    /// under its header when no request wrapper will.
    pub(crate) fn with_resolved(mut self, resolved: &Resolved) -> Self {
        self.0.request = Some((resolved.id().clone(), resolved.header().clone()));
        self
    }

    pub(crate) fn at_header(mut self, name: &HeaderName) -> Self {
        self.0.location = Some(Location::Header(Cow::Owned(name.as_str().to_owned())));
        self
    }

    pub(crate) fn at_field(mut self, name: &'static str) -> Self {
        self.0.location = Some(Location::Field(Cow::Borrowed(name)));
        self
    }

    pub(crate) fn at_path(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.0.location = Some(Location::Path(name.into()));
        self
    }

    pub(crate) fn at_query(mut self, name: &'static str) -> Self {
        self.0.location = Some(Location::Query(Cow::Borrowed(name)));
        self
    }

    /// The 500 problem a caught panic answers; its message goes to the logs
    /// only.
    pub(crate) fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        Self::panic(crate::support::unwind::text(payload))
    }

    pub(crate) fn panic(message: Option<&str>) -> Self {
        // The panic message stays in the server's logs: it may hold internals.
        match message {
            Some(m) => tracing::error!(panic = %cut(m, 4 * ECHO_LIMIT), "request handler panicked"),
            None => tracing::error!("request handler panicked"),
        }
        Self::with_kind(
            ErrorKind::Panic,
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request handler panicked; the server logs have the details",
        )
    }
}

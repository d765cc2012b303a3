//! What a [`Tracking`] holds (its [`Config`], shared by clones until one
//! is changed), the shared defaults endpoints use without a layer, the
//! readers the layer's parts and the OpenAPI document use, and the setter
//! `Tracking::metrics` calls.

use std::sync::{Arc, LazyLock};

use http::HeaderName;

use super::span::SpanConfig;
use super::{Tracking, Trust};
use crate::context::meter::Meters;
use crate::context::shutdown::Shutdown;
use crate::id::validate::Rule;
use crate::id::IdGenerator;

#[derive(Clone, Debug)]
pub(super) struct Config {
    pub(super) header: HeaderName,
    pub(super) fallbacks: Vec<HeaderName>,
    pub(super) generator: IdGenerator,
    pub(super) trust: Trust,
    /// Whose traces are continued; `None`: the same as `trust`.
    pub(super) trace_trust: Option<Trust>,
    pub(super) rule: Rule,
    pub(super) id_from_traceparent: bool,
    pub(super) span: SpanConfig,
    pub(super) shutdown: Option<Shutdown>,
    pub(super) meters: Option<Meters>,
}

static DEFAULTS: LazyLock<Tracking> = LazyLock::new(Tracking::new);

impl Tracking {
    /// The shared default configuration, used by endpoints without a layer.
    pub(crate) fn defaults() -> &'static Self {
        &DEFAULTS
    }

    pub(super) fn config_mut(&mut self) -> &mut Config {
        Arc::make_mut(&mut self.config)
    }

    pub(crate) fn span_config(&self) -> SpanConfig {
        self.config.span
    }

    /// Where the layer's requests record their metrics, if anywhere.
    pub(crate) fn meters(&self) -> Option<&Meters> {
        self.config.meters.as_ref()
    }

    /// What `Tracking::metrics` (in `otel::metrics`, which builds the
    /// meters) calls: the layer's requests record their metrics through
    /// `meters`; `None`: record nothing.
    #[cfg(feature = "metrics")]
    pub(crate) fn set_meters(&mut self, meters: Option<Meters>) {
        self.config_mut().meters = meters;
    }

    /// The shutdown the layer's requests belong to (see
    /// [`shutdown`](Self::shutdown)).
    pub(crate) fn shutdown_handle(&self) -> Option<&Shutdown> {
        self.config.shutdown.as_ref()
    }

    /// The header IDs are read from and echoed under (configuration has
    /// no public getters: a request's header is `Resolved::header()`).
    pub(crate) fn header_name(&self) -> &HeaderName {
        &self.config.header
    }

    /// The rule incoming IDs are checked against (the OpenAPI document
    /// describes it).
    #[cfg(feature = "openapi")]
    pub(crate) fn rule(&self) -> &Rule {
        &self.config.rule
    }

    /// The fallback headers, in order (the OpenAPI document lists them).
    #[cfg(feature = "openapi")]
    pub(crate) fn fallback_names(&self) -> &[HeaderName] {
        &self.config.fallbacks
    }

    /// Whether new IDs come from a custom generator (the document cannot
    /// say their shape).
    #[cfg(feature = "openapi")]
    pub(crate) fn generates_custom(&self) -> bool {
        self.config.generator.is_custom()
    }
}

/// `name` as a header name, or a panic naming it (configuration, not
/// request input).
pub(super) fn parse_header_name(name: &str) -> HeaderName {
    match HeaderName::from_bytes(name.as_bytes()) {
        Ok(h) => h,
        Err(_) => panic!(
            "qh::Tracking: `{}` is not a valid header name",
            name.escape_debug()
        ),
    }
}

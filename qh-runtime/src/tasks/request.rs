//! The [`Tasks`] of a request: the runner layered on the router (else the
//! global one), asked who the request's caller is; and `Tasks` as an axum
//! extractor, which is how task endpoints and the `/tasks` routes get it.

use super::Tasks;

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Tasks {
    type Rejection = std::convert::Infallible;

    /// The `Tasks` in the request's extensions, else [`Tasks::global`].
    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

impl Tasks {
    /// The runner for a request: an `axum::Extension<Tasks>` layered on the
    /// router, else [`Tasks::global`]; its [owner hook](Tasks::owner), if
    /// any, asked who the request's caller is.
    ///
    /// ```
    /// let (parts, ()) = axum::http::Request::new(()).into_parts();
    /// let tasks = qh::tasks::Tasks::of(&parts);
    /// ```
    #[must_use]
    pub fn of(parts: &http::request::Parts) -> Self {
        parts
            .extensions
            .get::<Tasks>()
            .cloned()
            .unwrap_or_else(|| Self::global().clone())
            .asking(parts)
    }
}

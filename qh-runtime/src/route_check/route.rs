//! [`Route`]: one endpoint as the `qh::routes!` check sees it.

use crate::endpoint::Endpoint;

/// One endpoint listed in `qh::routes!`: its path as written there, its
/// method and its path template. A broken endpoint (the compile already
/// fails) has an empty path and clashes with nothing.
pub struct Route {
    /// The endpoint's path as listed: `users::list`.
    pub name: &'static str,
    /// `Endpoint::METHOD_STR`.
    pub method: &'static str,
    /// `Endpoint::PATH`.
    pub path: &'static str,
}

impl Route {
    /// Endpoint `E`, listed as `name`. A generic argument rather than
    /// `<E as Endpoint>::PATH`: a path that names a plain function is then
    /// reported as by `Routes::add::<E>` (E0747, not also E0573).
    #[must_use]
    pub const fn of<E: Endpoint>(name: &'static str) -> Self {
        Self {
            name,
            method: E::METHOD_STR,
            path: E::PATH,
        }
    }
}

//! Who a task belongs to and who may see it: a runner's owner hook, the
//! caller a request's [`Tasks`] handle carries, and the one visibility rule
//! every `/tasks` route applies.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use super::{SubmitError, TaskRecord, Tasks};

/// What [`Tasks::owner`] keeps.
pub(super) type OwnerHook = Arc<dyn Fn(&http::request::Parts) -> Option<String> + Send + Sync>;

/// Who asks, as a [`Tasks`] handle knows it.
#[derive(Clone, Debug, Default)]
pub(super) enum Caller {
    /// The handle was not made for a request ([`Tasks::of`]), or the
    /// runner had no owner hook then.
    #[default]
    NotAsked,
    /// The hook named this owner.
    Owner(Arc<str>),
    /// The hook found no owner for the request.
    Nobody,
}

/// Which tasks `GET /tasks/` may list for the asking request.
pub(super) enum Scope {
    /// No owner hook, and the listing turned on: every task.
    All,
    /// The caller's own tasks.
    Owner(String),
    /// An owner hook found no owner: the caller owns nothing.
    Nothing,
    /// No owner hook, and the listing not turned on (the default).
    Off,
}

impl Tasks {
    /// Scopes every task to the client that submitted it. `owner` names the
    /// caller of a request (from a verified token the app's auth layer put
    /// in the extensions, a session…); what it returns is stored with each
    /// task that request submits, and never shown.
    ///
    /// With a hook, every `/tasks` route answers a task of another owner
    /// exactly as an unknown one (`404` problem+json, after the same one
    /// store read), `GET /tasks/` lists the caller's own tasks only (its
    /// `request_id=` filter applies within them), and a request for which
    /// `owner` returns `None` (or an empty string) owns nothing: it sees no
    /// task, and a task endpoint refuses its submission with `401`
    /// problem+json ([`SubmitError::NoOwner`]) before the function runs, so
    /// anonymous clients cannot fill the store with work no one can read or
    /// cancel. (No `WWW-Authenticate` is sent: the scheme is the app's; its
    /// auth layer, in front, is where the challenge belongs.)
    ///
    /// The hook is asked when a handle is made for a request ([`Tasks::of`],
    /// i.e. the `Tasks` extractor, which task endpoints and the routes use).
    /// A task submitted through a handle not made for a request (kept in a
    /// struct, [`Tasks::global`] called directly) has no owner and is shown
    /// to no one; inside a request that is logged (WARN), as it is most
    /// likely an `Extension<Tasks>` where the `Tasks` extractor was meant.
    /// Applies to every clone of this runner; a later call replaces the
    /// hook.
    ///
    /// ```
    /// let tasks = qh::tasks::Tasks::memory().owner(|parts| {
    ///     // Whatever the app's auth layer verified, e.g. a user ID it
    ///     // stored in the extensions; here a header, for brevity.
    ///     parts.headers.get("x-user").and_then(|v| v.to_str().ok()).map(str::to_owned)
    /// });
    /// assert!(tasks.has_owner_hook());
    /// ```
    #[must_use]
    pub fn owner<F>(self, owner: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Option<String> + Send + Sync + 'static,
    {
        *self
            .inner
            .owner
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(owner));
        self
    }

    /// Whether an [`owner`](Self::owner) hook is set.
    #[must_use]
    pub fn has_owner_hook(&self) -> bool {
        self.hook().is_some()
    }

    /// Whether `GET /tasks/` is served without an owner hook (default
    /// `false`). Turned on, it lists every client's tasks, with their
    /// request IDs and results, to every client that reaches it: only for
    /// routes the app's own auth layer guards (an operator's view). Off, the
    /// listing answers `404` problem+json, as a route the app does not serve
    /// would: a `403` would tell clients something exists that some
    /// credentials might open, and none do. With an owner hook the listing
    /// is always served, scoped to the caller; this switch changes nothing
    /// then. Applies to every clone of this runner.
    ///
    /// ```
    /// let tasks = qh::tasks::Tasks::memory().listing(true);
    /// assert!(tasks.serves_listing());
    /// ```
    #[must_use]
    pub fn listing(self, on: bool) -> Self {
        self.inner.listing.store(on, Ordering::Relaxed);
        self
    }

    /// Whether [`listing`](Self::listing) is on.
    #[must_use]
    pub fn serves_listing(&self) -> bool {
        self.inner.listing.load(Ordering::Relaxed)
    }

    fn hook(&self) -> Option<OwnerHook> {
        self.inner
            .owner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// This handle, asking the owner hook (if any) about the request.
    pub(super) fn asking(mut self, parts: &http::request::Parts) -> Self {
        self.caller = match self.hook() {
            None => Caller::NotAsked,
            Some(hook) => match hook(parts).filter(|o| !o.is_empty()) {
                Some(owner) => Caller::Owner(Arc::from(owner)),
                None => Caller::Nobody,
            },
        };
        self
    }

    /// The owner a submission through this handle records, or its refusal.
    /// `in_request`: whether it is submitted inside a request.
    pub(super) fn submission_owner(&self, in_request: bool) -> Result<Option<String>, SubmitError> {
        match &self.caller {
            Caller::NotAsked => {
                if in_request && self.has_owner_hook() {
                    // Likely `Extension<Tasks>` where `Tasks` was meant.
                    tracing::warn!(
                        "task submitted through a `Tasks` not made for the request: it has no \
                         owner and no one can see it; extract `Tasks` or use `Tasks::of`"
                    );
                }
                Ok(None)
            }
            Caller::Owner(owner) => Ok(Some(owner.to_string())),
            Caller::Nobody => Err(SubmitError::NoOwner),
        }
    }

    /// Whether the asking request may see `record`: always without an owner
    /// hook; with one, only its owner, and an ownerless task no one.
    pub(super) fn sees(&self, record: &TaskRecord) -> bool {
        if !self.has_owner_hook() {
            return true;
        }
        match (&self.caller, &record.owner) {
            (Caller::Owner(caller), Some(owner)) => same(caller, owner),
            _ => false,
        }
    }

    /// What `GET /tasks/` may list for the asking request.
    pub(super) fn listing_scope(&self) -> Scope {
        match (self.has_owner_hook(), &self.caller) {
            (true, Caller::Owner(owner)) => Scope::Owner(owner.to_string()),
            (true, _) => Scope::Nothing,
            (false, _) if self.serves_listing() => Scope::All,
            (false, _) => Scope::Off,
        }
    }
}

/// Equal strings, compared in a time that depends on their lengths only:
/// how long a refusal takes says nothing about how much of someone else's
/// owner name a caller guessed.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn owners_compare_whole() {
        assert!(same("ada", "ada"));
        assert!(!same("ada", "adb"));
        assert!(!same("ada", "ad"));
        assert!(!same("", "a"));
    }
}

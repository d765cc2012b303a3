//! Who a task belongs to and who may see it: a runner's owner hook, the
//! caller a request's [`CallerTasks`] carries, and the one visibility rule
//! every `/tasks` route applies.

use std::sync::Arc;

use super::{CallerTasks, StoreError, SubmitError, TaskRecord};

/// An owner hook: who the caller of a request is.
pub(super) type OwnerFn = dyn Fn(&http::request::Parts) -> Option<String> + Send + Sync;

/// What [`RunnerBuilder::owner`](super::RunnerBuilder::owner) keeps.
pub(super) type OwnerHook = Arc<OwnerFn>;

/// Who asks, as a submission or a request's [`CallerTasks`] knows it.
#[derive(Clone, Debug, Default)]
pub(super) enum Caller {
    /// Submitted through the [`Runner`](super::Runner) itself, or the
    /// runner has no owner hook.
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

impl Caller {
    /// The caller of the request `parts`, as `hook` (if any) names it.
    pub(super) fn of(hook: Option<&OwnerHook>, parts: &http::request::Parts) -> Self {
        match hook {
            None => Self::NotAsked,
            Some(hook) => match hook(parts).filter(|o| !o.is_empty()) {
                Some(owner) => Self::Owner(Arc::from(owner)),
                None => Self::Nobody,
            },
        }
    }

    /// The owner a submission by this caller records, or its refusal.
    /// `hooked`: whether the runner has an owner hook; `in_request`:
    /// whether it is submitted inside a request.
    pub(super) fn submission_owner(
        &self,
        hooked: bool,
        in_request: bool,
    ) -> Result<Option<String>, SubmitError> {
        match self {
            Self::NotAsked => {
                if in_request && hooked {
                    // Likely the app's `Runner` where the request's
                    // `CallerTasks` was meant.
                    tracing::warn!(
                        "task submitted through the app's `Runner`, not the request's \
                         `CallerTasks`: it has no owner and no one can see it; extract \
                         `CallerTasks` or use `Runner::for_request`"
                    );
                }
                Ok(None)
            }
            Self::Owner(owner) => Ok(Some(owner.to_string())),
            Self::Nobody => Err(SubmitError::NoOwner),
        }
    }

    /// The owner's name, when the hook named one.
    pub(super) fn owner(&self) -> Option<&str> {
        match self {
            Self::Owner(owner) => Some(owner),
            Self::NotAsked | Self::Nobody => None,
        }
    }
}

/// Which records the asking request may read.
pub(super) enum Reads<'a> {
    /// Any (no owner hook).
    Any,
    /// Its owner's only.
    Owner(&'a str),
    /// None: an owner hook found no owner for it.
    Nothing,
}

impl CallerTasks {
    /// Which records the asking request may read: any without an owner
    /// hook; with one, its owner's only (an ownerless task no one's).
    pub(super) fn reads(&self) -> Reads<'_> {
        if self.runner().owner().is_none() {
            return Reads::Any;
        }
        match self.caller() {
            Caller::Owner(caller) => Reads::Owner(caller),
            Caller::NotAsked | Caller::Nobody => Reads::Nothing,
        }
    }

    /// The record of `task_id` if the asking request may read it, else
    /// `None` as for an unknown task: the store compares the owner before
    /// it reads the record, so the two cost the same.
    pub(super) async fn read(&self, task_id: &str) -> Result<Option<TaskRecord>, StoreError> {
        let store = self.runner().store();
        match self.reads() {
            Reads::Any => store.get(task_id).await,
            Reads::Owner(owner) => store.get_for(task_id, owner).await,
            Reads::Nothing => Ok(None),
        }
    }

    /// What `GET /tasks/` may list for the asking request.
    pub(super) fn listing_scope(&self) -> Scope {
        match (self.runner().owner().is_some(), self.caller()) {
            (true, Caller::Owner(owner)) => Scope::Owner(owner.to_string()),
            (true, _) => Scope::Nothing,
            (false, _) if self.runner().listing() => Scope::All,
            (false, _) => Scope::Off,
        }
    }
}

/// Equal strings, compared in a time that depends on their lengths only:
/// how long a refusal takes says nothing about how much of someone else's
/// owner name a caller guessed.
pub(crate) fn same(a: &str, b: &str) -> bool {
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

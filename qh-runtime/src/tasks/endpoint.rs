//! What `#[qh::endpoint(task)]` expansions call: the function's return
//! value turned into a [`TaskOutcome`] (chosen at compile time by an
//! autoref ladder, like `crate::endpoint::respond`; how those work:
//! `crate::support::autoref`). The submission is `tasks::replay`'s.

use std::cell::Cell;
use std::fmt::Display;
use std::marker::PhantomData;

use crate::endpoint::respond::{checks, Checks, Fine, Passes, FINE};
use crate::tasks::TaskOutcome;

/// Wraps a task function's return value to pick how it is stored (see
/// [`TaskResult`]).
pub struct TaskValue<T>(Cell<Option<T>>);

impl<T> TaskValue<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Self(Cell::new(Some(value)))
    }

    fn take(&self) -> Option<T> {
        self.0.take()
    }
}

fn json<T: serde::Serialize>(value: &T) -> TaskOutcome {
    serde_json::to_value(value).map_err(crate::tasks::TaskError::Serialize)
}

// Unreachable through the generated code, which takes the value once.
fn gone() -> TaskOutcome {
    Err(crate::tasks::TaskError::Failed(
        "the task's result was already taken".to_owned(),
    ))
}

/// First choice: `Result<T: Serialize, E: Display>` stores `Ok` as the
/// result and `Err` as the failure message. Called as
/// `(&&&&TaskValue::new(v))`, once for the checks and once for the outcome,
/// like [`Responder`](crate::endpoint::respond::Responder).
pub trait TaskResult {
    /// Nothing to report.
    fn __qh_checks(&self) -> Fine;
    /// The outcome.
    fn __qh_outcome(&self) -> TaskOutcome;
}

impl<T: serde::Serialize, E: Display> TaskResult for &&&TaskValue<Result<T, E>> {
    fn __qh_checks(&self) -> Fine {
        FINE
    }

    fn __qh_outcome(&self) -> TaskOutcome {
        match self.take() {
            Some(Ok(value)) => json(&value),
            Some(Err(e)) => Err(crate::tasks::TaskError::Failed(e.to_string())),
            None => gone(),
        }
    }
}

/// A `Result` whose `Ok` is JSON but whose `Err` has no message: `E` is
/// reported (never an `{"Err": …}` result).
pub trait TaskBadErr {
    /// The error type.
    type Err;
    /// `E`, for its [`TaskError`] check.
    fn __qh_checks(&self) -> Checks<Passes, Passes, Self::Err>;
    /// Not reached: the check fails to compile.
    fn __qh_outcome(&self) -> TaskOutcome;
}

impl<T: serde::Serialize, E> TaskBadErr for &&TaskValue<Result<T, E>> {
    type Err = E;

    fn __qh_checks(&self) -> Checks<Passes, Passes, E> {
        checks()
    }

    fn __qh_outcome(&self) -> TaskOutcome {
        gone()
    }
}

/// Any other `Result`: `T`, `E` or both are reported.
pub trait TaskBadResult {
    /// The `Ok` type.
    type Ok;
    /// The error type.
    type Err;
    /// `T` and `E`, for their [`TaskReturn`] and [`TaskError`] checks.
    fn __qh_checks(&self) -> Checks<Passes, Self::Ok, Self::Err>;
    /// Not reached: a check fails to compile.
    fn __qh_outcome(&self) -> TaskOutcome;
}

impl<T, E> TaskBadResult for &TaskValue<Result<T, E>> {
    type Ok = T;
    type Err = E;

    fn __qh_checks(&self) -> Checks<Passes, T, E> {
        checks()
    }

    fn __qh_outcome(&self) -> TaskOutcome {
        gone()
    }
}

/// Then: any `T: Serialize` is the result.
pub trait TaskJson {
    /// Nothing to report.
    fn __qh_checks(&self) -> Fine;
    /// The outcome.
    fn __qh_outcome(&self) -> TaskOutcome;
}

impl<T: serde::Serialize> TaskJson for &TaskValue<T> {
    fn __qh_checks(&self) -> Fine {
        FINE
    }

    fn __qh_outcome(&self) -> TaskOutcome {
        match self.take() {
            Some(value) => json(&value),
            None => gone(),
        }
    }
}

/// Last: a type that fits nothing, reported as a missing [`TaskReturn`] at
/// the return type.
pub trait TaskNone {
    /// The return type.
    type Value;
    /// `T`, for its [`TaskReturn`] check.
    fn __qh_checks(&self) -> Checks<Self::Value, Passes, Passes>;
    /// Not reached: the check fails to compile.
    fn __qh_outcome(&self) -> TaskOutcome;
}

impl<T> TaskNone for TaskValue<T> {
    type Value = T;

    fn __qh_checks(&self) -> Checks<T, Passes, Passes> {
        checks()
    }

    fn __qh_outcome(&self) -> TaskOutcome {
        gone()
    }
}

/// The return type of a task endpoint (or its `Ok` type), stored as the
/// task's JSON result. Exists for its compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a task endpoint",
    label = "a task's result is stored as JSON: the return type must implement `serde::Serialize`",
    note = "`Result<T, E>` stores `Ok(T)` as the result and `Err(E)` as the failure message, so `T: Serialize` and `E: Display`",
    note = "a task's result is read back as JSON from `/tasks/{{id}}/result`, so an `IntoResponse` type cannot be stored"
)]
pub trait TaskReturn {
    /// Called as `<_ as TaskReturn>::__qh_check(checks.0)`: the error, if
    /// any, is this path's, at the span the generated code gives it.
    #[inline]
    fn __qh_check(_: PhantomData<Self>) {}
}

#[diagnostic::do_not_recommend]
impl<T: serde::Serialize> TaskReturn for T {}

/// The error of a task endpoint's `Result`, stored as the failure message.
/// Exists for its compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of a task endpoint",
    label = "a failed task stores its error's message: `{Self}` must implement `std::fmt::Display`",
    note = "return `Result<T, String>`, `Result<T, qh::Error>`, or implement `Display` for `{Self}`"
)]
pub trait TaskError {
    /// Called as `<_ as TaskError>::__qh_check(checks.2)` (see
    /// [`TaskReturn`]).
    #[inline]
    fn __qh_check(_: PhantomData<Self>) {}
}

#[diagnostic::do_not_recommend]
impl<T: Display> TaskError for T {}

/// Runs a synchronous task function on tokio's blocking pool with the
/// request's context (as [`crate::spawn_blocking`]); a panic fails the task.
pub async fn blocking_outcome<F>(f: F) -> TaskOutcome
where
    F: FnOnce() -> TaskOutcome + Send + 'static,
{
    match crate::spawn_blocking(f).await {
        Ok(outcome) => outcome,
        Err(e) if e.is_panic() => {
            let payload = e.into_panic();
            let message =
                crate::support::unwind::text(&*payload).unwrap_or("non-string panic payload");
            tracing::error!(panic = %message, "task panicked");
            Err(crate::tasks::TaskError::Panicked(message.to_owned()))
        }
        Err(e) => Err(crate::tasks::TaskError::Interrupted(e)),
    }
}

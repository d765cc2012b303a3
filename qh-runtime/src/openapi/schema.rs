//! The schema of a type the expansion documents: [`Schema`] (utoipa's
//! `ToSchema`, in qh's words when missing), what an answer holds
//! ([`Shape`], which `crate::returns` decides), the list a type's named
//! schemas are collected into ([`NamedSchemas`]), and two small autoref
//! ladders (how those work: `crate::support::autoref`): the JSON of a
//! parameter's default ([`DefaultJson`]) and the elements of a tuple
//! ([`MaybeSchema`]).

use std::marker::PhantomData;

use utoipa::openapi::schema::Schema as UtoipaSchema;
use utoipa::openapi::RefOr;

/// The named schemas a documented type refers to, as they are collected
/// (an operation's, gathered later into the document's components,
/// utoipa's `Components`).
pub type NamedSchemas = Vec<(String, RefOr<UtoipaSchema>)>;

/// A type the document can describe: every `utoipa::ToSchema` type.
///
/// The generated code calls it as `<T as Schema>::…` at the user's type, so
/// a type without a schema is reported there, with this message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no OpenAPI schema",
    label = "documented by the `openapi` feature, so it must implement `utoipa::ToSchema`",
    note = "derive it: `#[derive(qh::openapi::utoipa::ToSchema)]` on `{Self}` (utoipa 6)",
    note = "the schemas of parameters and return values come from `utoipa::ToSchema`"
)]
pub trait Schema {
    /// The type's schema; the schemas it refers to are added to
    /// `components`.
    fn __qh_schema(components: &mut NamedSchemas) -> RefOr<UtoipaSchema>;

    /// The same, for the type a return kind documents
    /// (`crate::returns::Kind::__qh_document`).
    #[inline]
    fn __qh_schema_of(_: PhantomData<Self>, components: &mut NamedSchemas) -> RefOr<UtoipaSchema> {
        Self::__qh_schema(components)
    }
}

// Report `Schema` itself (with its message) rather than the `ToSchema`
// bound and its list of implementors.
#[diagnostic::do_not_recommend]
impl<T: utoipa::ToSchema> Schema for T {
    fn __qh_schema(components: &mut NamedSchemas) -> RefOr<UtoipaSchema> {
        T::schemas(components);
        T::schema()
    }
}

/// What a success answer holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// JSON of the named type's schema.
    Json,
    /// JSON `null` (a `()` return).
    Null,
    /// Whatever an `IntoResponse` value answers: no schema.
    Any,
}

/// A parameter's default value, as JSON when its type is `Serialize`
/// (an autoref ladder of two levels).
pub struct DefaultJson<'a, T>(pub &'a T);

/// The default of a `Serialize` type, as JSON.
pub trait DefaultSerialize {
    /// The JSON value.
    fn __qh_json(&self) -> Option<serde_json::Value>;
}

impl<T: serde::Serialize> DefaultSerialize for &&DefaultJson<'_, T> {
    fn __qh_json(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self.0).ok()
    }
}

/// Any other default: left out of the document.
pub trait DefaultOpaque {
    /// Nothing.
    fn __qh_json(&self) -> Option<serde_json::Value>;
}

impl<T> DefaultOpaque for &DefaultJson<'_, T> {
    fn __qh_json(&self) -> Option<serde_json::Value> {
        None
    }
}

/// A tuple's element, documented when it has a schema: a ladder of two
/// levels, so a tuple return (`(u32, u32)`, `(StatusCode, Json<T>)`) is
/// never an error.
pub struct MaybeSchema<T>(PhantomData<T>);

impl<T> MaybeSchema<T> {
    /// The ladder for element type `T`.
    #[must_use]
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for MaybeSchema<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// An element with a schema.
pub trait MaybeSchemaSome {
    /// Its schema.
    fn __qh_maybe(&self, components: &mut NamedSchemas) -> Option<RefOr<UtoipaSchema>>;
}

impl<T: utoipa::ToSchema> MaybeSchemaSome for &&MaybeSchema<T> {
    fn __qh_maybe(&self, components: &mut NamedSchemas) -> Option<RefOr<UtoipaSchema>> {
        Some(<T as Schema>::__qh_schema(components))
    }
}

/// An element without one: any value.
pub trait MaybeSchemaNone {
    /// Nothing.
    fn __qh_maybe(&self, components: &mut NamedSchemas) -> Option<RefOr<UtoipaSchema>>;
}

impl<T> MaybeSchemaNone for &MaybeSchema<T> {
    fn __qh_maybe(&self, _: &mut NamedSchemas) -> Option<RefOr<UtoipaSchema>> {
        None
    }
}

/// A tuple as JSON: an array of exactly these items.
#[must_use]
pub fn tuple(items: Vec<Option<RefOr<UtoipaSchema>>>) -> RefOr<UtoipaSchema> {
    let mut array = utoipa::openapi::schema::Array::default();
    array.items = utoipa::openapi::schema::ArrayItems::False;
    array.prefix_items = items
        .into_iter()
        .map(|item| item.map_or_else(utoipa::openapi::schema::empty, UtoipaSchema::from))
        .collect();
    RefOr::T(UtoipaSchema::Array(array))
}

/// A request ID is a string (the tracking header's rule applies). Through
/// utoipa's `ComposeSchema`, as its derive does, so `Option<RequestId>`
/// has a schema too.
impl utoipa::__dev::ComposeSchema for crate::RequestId {
    fn compose(_: Vec<RefOr<UtoipaSchema>>) -> RefOr<UtoipaSchema> {
        RefOr::T(UtoipaSchema::Object(
            utoipa::openapi::schema::Object::with_type(utoipa::openapi::schema::Type::String),
        ))
    }
}

impl utoipa::ToSchema for crate::RequestId {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("RequestId")
    }
}

/// What an endpoint's error type answers, as the document tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No error type (the return type is no `Result`).
    None,
    /// `qh::Error`: problem documents of any status.
    Problem,
    /// Another `IntoResponse` error: answers the document cannot describe.
    Other,
}

/// An endpoint's error type, asked what it answers (an autoref ladder of
/// three levels: none, `qh::Error`, any other).
pub struct ErrorType<E>(PhantomData<E>);

impl<E> ErrorType<E> {
    /// The ladder for the error type a return kind names.
    #[must_use]
    pub fn of(_: PhantomData<E>) -> Self {
        Self(PhantomData)
    }
}

/// No error type: implemented for `&&ErrorType<Passes>` in
/// `crate::returns`, beside `Passes`.
pub trait NoFailure {
    /// [`Failure::None`].
    fn __qh_failure(&self) -> Failure {
        Failure::None
    }
}

/// `qh::Error`: answers problem documents.
pub trait ProblemFailure {
    /// [`Failure::Problem`].
    fn __qh_failure(&self) -> Failure {
        Failure::Problem
    }
}

impl ProblemFailure for &ErrorType<crate::error::Error> {}

/// Any other error type: its answers are not described.
pub trait OtherFailure {
    /// [`Failure::Other`].
    fn __qh_failure(&self) -> Failure {
        Failure::Other
    }
}

impl<E> OtherFailure for ErrorType<E> {}

//! How qh picks behaviour by a type's traits at compile time without
//! specialization: **autoref ladders**. Read this before changing one.
//!
//! Method lookup tries the receiver as written, then with one `&` added,
//! then dereferenced once, and so on; the first step at which an impl
//! applies wins. A ladder is a wrapper type with one trait per level, each
//! implemented for the wrapper behind a different number of `&`, the most
//! specific behaviour on the most `&`s. Generated code calls the method on
//! the wrapper with one `&` more than the top level's `Self` type (the
//! methods take `&self`): `(&&&Wrapper::new(value)).__qh_method()` for a
//! top level on `&&Wrapper<T>`. The compiler walks down the levels and
//! stops at the first whose bounds the value's type meets. Because the
//! choice is made by method lookup on the concrete type, it sees through
//! aliases and generics the macro cannot read (a `type Tags = Vec<String>`
//! collects; an alias of `Result` is a `Result`).
//!
//! Rules every ladder here keeps:
//! - the receiver has one `&` more than the top level's `Self` (one too
//!   few and the level below is found first, by value, skipping the top;
//!   more only adds steps);
//! - two levels share a number of `&` only when no type meets both (else
//!   the call is ambiguous), and the top level is alone on its number, so
//!   a type rustc could not resolve meets one candidate, not two;
//! - levels that cannot be used (a return type that is neither `Serialize`
//!   nor `IntoResponse`) exist only to be chosen when a *check* fails: the
//!   check is a separate qualified-path call spanned at the user's type, so
//!   the error underlines that type, and their behaviour is never reached
//!   in a program that compiles;
//! - each ladder has a behaviour test that fails when a level is broken on
//!   purpose.
//!
//! The ladders: the one classification of an endpoint's return type
//! (`crate::returns`: what the answer, a task's outcome and the OpenAPI
//! document all follow), repeated query keys (`extract::repeat`: collect
//! or refuse the second value), the derive's context store (`derive`:
//! store a `Clone` value in the context, or nothing), and two in the
//! OpenAPI description (`openapi::schema`: a parameter's default as JSON
//! when it is `Serialize`, a tuple's elements with their schemas when they
//! have one).

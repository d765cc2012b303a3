//! How qh picks behaviour by a type's traits at compile time without
//! specialization: **autoref ladders**. Read this before changing one.
//!
//! Method lookup tries the receiver as written, then with one more `&`,
//! and so on; the first level whose impl applies wins. A ladder is a
//! wrapper type with one trait per level, each implemented for the wrapper
//! behind a different number of `&`, the most specific behaviour on the
//! most `&`s. Generated code calls the method on the wrapper with as many
//! `&` as the top level (`(&&&Wrapper::new(value)).__qh_method()`): the
//! compiler walks down the levels and stops at the first whose bounds the
//! value's type meets. Because the choice is made by method lookup on the
//! concrete type, it sees through aliases and generics the macro cannot
//! read (a `type Tags = Vec<String>` collects; an alias of `Result` is a
//! `Result`).
//!
//! Rules every ladder here keeps:
//! - the receiver has exactly as many `&` as the top level (one too many
//!   and lookup starts above the ladder, one too few and it skips the top);
//! - levels that cannot answer (a type that is neither `Serialize` nor
//!   `IntoResponse`) exist only to be chosen when a *check* fails: their
//!   bodies are never reached in a program that compiles, and the check is
//!   a separate qualified-path call spanned at the user's type, so the
//!   error underlines that type;
//! - each ladder has a behaviour test that fails when a level is broken on
//!   purpose.
//!
//! The ladders: the endpoint responder (`endpoint::respond`: `Result`,
//! `Serialize`, `IntoResponse`), the task responder (`tasks::endpoint`:
//! what a task endpoint records), repeated query keys (`extract::repeat`:
//! collect or refuse the second value), and the derive's context store
//! (`derive`: store a `Clone` value in the context, or nothing).

//! What the parsers' property tests share: token streams generated from a
//! vocabulary, mutations of valid inputs, well-shaped attributes,
//! functions and structs around random insides, and the checks every
//! rejection must pass.
//!
//! Short mode runs in `cargo test -p qh-macros` (256 cases a property);
//! long mode, a million cases per property, one at a time, is
//! `PROPTEST_CASES=1000000 timeout 3600 cargo test --release -p qh-macros
//! props -- --test-threads=1` (or `-- --exact <property>` for one).

mod checks;
mod shapes;
mod tokens;

use proptest::prelude::*;
use proptest::test_runner::RngAlgorithm;

pub use checks::{check_output, check_rejection, check_voice};
pub use shapes::{attribute, attribute_insides, function, structure};
pub use tokens::{class, mutated, random_stream, text};

/// Every property's configuration: proptest's defaults (so
/// `PROPTEST_CASES` still applies) with its XorShift generator. Its
/// default, ChaCha, is rebuilt from its seed at each fork of the runner,
/// and `prop_oneof!` forks one per alternative: with these recursive
/// strategies that was three quarters of a case's time.
pub fn config() -> ProptestConfig {
    ProptestConfig {
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

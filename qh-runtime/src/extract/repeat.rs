//! Repeated query keys (`?tag=a&tag=b`): a parameter whose type collects
//! (any collection that can be extended, like `Vec<T>` or `BTreeSet<T>`,
//! also behind an alias or an `Option`) takes every value; any other type
//! refuses the second one. Chosen by the real type, by an autoref ladder
//! (how those work: `crate::support::autoref`): the generated code calls
//! `(&&&Repeat::new(seen, value)).__qh_merge()`.

use std::cell::Cell;

/// A value read for a key that was already read, and the one before it.
pub struct Repeat<'a, T> {
    seen: Cell<Option<&'a mut T>>,
    value: Cell<Option<T>>,
}

impl<'a, T> Repeat<'a, T> {
    /// `value` read again for the key whose earlier value is `seen`.
    pub fn new(seen: &'a mut T, value: T) -> Self {
        Self {
            seen: Cell::new(Some(seen)),
            value: Cell::new(Some(value)),
        }
    }

    fn take(&self) -> Option<(&'a mut T, T)> {
        Some((self.seen.take()?, self.value.take()?))
    }
}

/// First choice: an `Option` of a collection (`Option<Vec<T>>`).
pub trait RepeatOption {
    /// Merges the values; `true` when they could be.
    fn __qh_merge(&self) -> bool;
}

impl<C: IntoIterator + Extend<C::Item>> RepeatOption for &&Repeat<'_, Option<C>> {
    fn __qh_merge(&self) -> bool {
        if let Some((seen, value)) = self.take() {
            match (seen, value) {
                (Some(seen), Some(value)) => seen.extend(value),
                (seen @ None, value) => *seen = value,
                (Some(_), None) => {}
            }
        }
        true
    }
}

/// Then a collection (`Vec<T>`, `BTreeSet<T>`, …).
pub trait RepeatCollection {
    /// Merges the values; `true` when they could be.
    fn __qh_merge(&self) -> bool;
}

impl<C: IntoIterator + Extend<C::Item>> RepeatCollection for &Repeat<'_, C> {
    fn __qh_merge(&self) -> bool {
        if let Some((seen, value)) = self.take() {
            seen.extend(value);
        }
        true
    }
}

/// Anything else holds one value: a second one is refused.
pub trait RepeatNone {
    /// `false`: the key appears more than once.
    fn __qh_merge(&self) -> bool;
}

impl<T> RepeatNone for Repeat<'_, T> {
    fn __qh_merge(&self) -> bool {
        false
    }
}

#[cfg(test)]
// Written as the generated code calls it.
#[allow(clippy::needless_borrow)]
mod tests {
    use std::collections::BTreeSet;

    use super::{Repeat, RepeatCollection as _, RepeatNone as _, RepeatOption as _};

    #[test]
    fn collections_collect_and_single_values_refuse() {
        let mut tags = vec!["a".to_owned()];
        assert!((&&&Repeat::new(&mut tags, vec!["b".to_owned()])).__qh_merge());
        assert_eq!(tags, ["a", "b"]);

        type Tags = BTreeSet<u32>;
        let mut set: Tags = BTreeSet::from([2]);
        assert!((&&&Repeat::new(&mut set, BTreeSet::from([1]))).__qh_merge());
        assert_eq!(set.into_iter().collect::<Vec<_>>(), [1, 2]);

        let mut maybe: Option<Vec<u8>> = None;
        assert!((&&&Repeat::new(&mut maybe, Some(vec![1]))).__qh_merge());
        assert!((&&&Repeat::new(&mut maybe, Some(vec![2]))).__qh_merge());
        assert_eq!(maybe, Some(vec![1, 2]));

        let mut one = "a".to_owned();
        assert!(!(&&&Repeat::new(&mut one, "b".to_owned())).__qh_merge());
        assert_eq!(one, "a");
        let mut n: Option<u32> = Some(1);
        assert!(!(&&&Repeat::new(&mut n, Some(2))).__qh_merge());
    }
}

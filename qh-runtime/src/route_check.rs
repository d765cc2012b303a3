//! Compile-time checks behind `qh::routes!` and the generated field sets:
//! `const fn`s, so a mistake fails the build instead of the first request.

/// Byte-wise string equality, usable in constants.
#[must_use]
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The position of `name` in `names`, for the generated field sets (whose
/// names may be removed by `#[cfg]`). `usize::MAX` when absent, which no
/// index equals.
#[must_use]
pub const fn field_index(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        if str_eq(names[i], name) {
            return i;
        }
        i += 1;
    }
    usize::MAX
}

/// Whether two endpoints answer the same method on the same path. Broken
/// endpoints (the compile already fails) have an empty path and clash with
/// nothing.
#[must_use]
pub const fn same_route(a: (&str, &str), b: (&str, &str)) -> bool {
    !a.1.is_empty() && str_eq(a.0, b.0) && str_eq(a.1, b.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_and_finds() {
        assert!(str_eq("/a", "/a") && !str_eq("/a", "/b") && !str_eq("/a", "/ab"));
        assert_eq!(field_index(&["a", "bb", "c"], "bb"), 1);
        assert_eq!(field_index(&["a"], "z"), usize::MAX);
        assert!(same_route(("GET", "/x"), ("GET", "/x")));
        assert!(!same_route(("GET", "/x"), ("POST", "/x")));
        assert!(!same_route(("POST", ""), ("POST", "")));
    }
}

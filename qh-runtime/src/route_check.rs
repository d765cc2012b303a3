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

/// Whether two path templates match the same requests with differently
/// named placeholders (`/users/{id}` and `/users/{user_id}`): axum's router
/// refuses the second, whatever the methods.
#[must_use]
pub const fn renamed_placeholders(a: &str, b: &str) -> bool {
    !a.is_empty() && !b.is_empty() && !str_eq(a, b) && matches!(overlap(a, b), Overlap::Same)
}

/// Whether one template has a parameter where the other, after the same
/// literal prefix, has a catch-all (`/f/{x}/y` and `/f/{*rest}`): axum's
/// router refuses the pair, whatever follows and whatever the methods.
#[must_use]
pub const fn parameter_beside_catch_all(a: &str, b: &str) -> bool {
    matches!(overlap(a, b), Overlap::ParameterBesideCatchAll)
}

/// How two path templates relate, read side by side.
enum Overlap {
    /// A literal differs, or one is longer.
    Apart,
    /// The same but for placeholder names.
    Same,
    /// After the same prefix, a parameter in one and a catch-all in the other.
    ParameterBesideCatchAll,
}

const fn overlap(a: &str, b: &str) -> Overlap {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b'{' && b[j] == b'{' {
            let wild_a = i + 1 < a.len() && a[i + 1] == b'*';
            let wild_b = j + 1 < b.len() && b[j + 1] == b'*';
            if wild_a != wild_b {
                return Overlap::ParameterBesideCatchAll;
            }
            while i < a.len() && a[i] != b'}' {
                i += 1;
            }
            while j < b.len() && b[j] != b'}' {
                j += 1;
            }
        } else if a[i] != b[j] {
            return Overlap::Apart;
        }
        i += 1;
        j += 1;
    }
    if i >= a.len() && j >= b.len() {
        Overlap::Same
    } else {
        Overlap::Apart
    }
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
        assert!(renamed_placeholders("/u/{id}/x", "/u/{user_id}/x"));
        assert!(renamed_placeholders("/f/{*a}", "/f/{*rest}"));
        assert!(!renamed_placeholders("/u/{id}", "/u/{id}"));
        assert!(!renamed_placeholders("/u/{id}", "/u/{*id}"));
        assert!(parameter_beside_catch_all("/u/{id}", "/u/{*id}"));
        assert!(!renamed_placeholders("/u/{id}", "/u/{id}/x"));
        assert!(!renamed_placeholders("/u/{id}", "/v/{id2}"));
        assert!(parameter_beside_catch_all("/f/{x}", "/f/{*rest}"));
        assert!(parameter_beside_catch_all("/f/{*rest}", "/f/{x}/y"));
        assert!(parameter_beside_catch_all("/u/{a}/b/{x}", "/u/{c}/b/{*x}"));
        assert!(!parameter_beside_catch_all("/f/a", "/f/{*rest}"));
        assert!(!parameter_beside_catch_all("/f/{*a}", "/f/{*b}"));
        assert!(!parameter_beside_catch_all("/f/{x}", "/g/{*rest}"));
        assert!(!parameter_beside_catch_all("/f/{x}", "/f/{y}"));
    }
}

//! Path templates read as token sequences (placeholders as one token,
//! whatever their names), and the routes sorted by them: what lets
//! [`check_routes`](super::check_routes) find every clash between
//! neighbours.

use super::route::Route;

/// A placeholder `{name}` read as one token, sorting after every byte.
pub(super) const PARAMETER: u16 = 0x100;
/// A catch-all `{*name}`, right after [`PARAMETER`].
pub(super) const CATCH_ALL: u16 = 0x101;

/// The token of `path` at byte `i`, and where the next one starts.
pub(super) const fn token(path: &[u8], i: usize) -> (u16, usize) {
    if path[i] != b'{' {
        return (path[i] as u16, i + 1);
    }
    let kind = if i + 1 < path.len() && path[i + 1] == b'*' {
        CATCH_ALL
    } else {
        PARAMETER
    };
    let mut end = i;
    while end < path.len() && path[end] != b'}' {
        end += 1;
    }
    (kind, end + 1)
}

/// Compares two paths by shape: -1, 0 or 1.
pub(super) const fn shape_cmp(a: &str, b: &str) -> i8 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let ((ta, next_i), (tb, next_j)) = (token(a, i), token(b, j));
        if ta != tb {
            return if ta < tb { -1 } else { 1 };
        }
        (i, j) = (next_i, next_j);
    }
    match (i < a.len(), j < b.len()) {
        (false, true) => -1,
        (true, false) => 1,
        _ => 0,
    }
}

/// Compares two strings byte-wise: -1, 0 or 1.
pub(super) const fn str_cmp(a: &str, b: &str) -> i8 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] { -1 } else { 1 };
        }
        i += 1;
    }
    if a.len() < b.len() {
        -1
    } else if a.len() > b.len() {
        1
    } else {
        0
    }
}

/// Whether route `a` sorts before route `b`: by shape, path, method, then
/// listing order.
pub(super) const fn before(routes: &[Route], a: usize, b: usize) -> bool {
    let (ra, rb) = (&routes[a], &routes[b]);
    let mut c = shape_cmp(ra.path, rb.path);
    if c == 0 {
        c = str_cmp(ra.path, rb.path);
    }
    if c == 0 {
        c = str_cmp(ra.method, rb.method);
    }
    c < 0 || (c == 0 && a < b)
}

/// The routes' indices in [`before`] order (a bottom-up merge sort).
pub(super) const fn sorted<const N: usize>(routes: &[Route]) -> [usize; N] {
    let mut order = [0; N];
    let mut i = 0;
    while i < N {
        order[i] = i;
        i += 1;
    }
    let mut scratch = [0; N];
    let mut width = 1;
    while width < N {
        let mut start = 0;
        while start < N {
            let mid = if start + width < N { start + width } else { N };
            let end = if start + 2 * width < N {
                start + 2 * width
            } else {
                N
            };
            let (mut l, mut r, mut out) = (start, mid, start);
            while out < end {
                let take_left = r >= end || (l < mid && before(routes, order[l], order[r]));
                if take_left {
                    scratch[out] = order[l];
                    l += 1;
                } else {
                    scratch[out] = order[r];
                    r += 1;
                }
                out += 1;
            }
            start = end;
        }
        (order, scratch) = (scratch, order);
        width *= 2;
    }
    order
}

/// The token position (counted in tokens) of `path`'s catch-all, if any.
pub(super) const fn catch_all_at(path: &str) -> Option<usize> {
    let path = path.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < path.len() {
        let (tok, next) = token(path, i);
        if tok == CATCH_ALL {
            return Some(n);
        }
        (i, n) = (next, n + 1);
    }
    None
}

/// Whether `path` has `catch_all`'s first `cut` tokens, then a parameter.
pub(super) const fn parameter_at(path: &str, catch_all: &str, cut: usize) -> bool {
    let (a, b) = (path.as_bytes(), catch_all.as_bytes());
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let ((ta, next_i), (tb, next_j)) = (token(a, i), token(b, j));
        if n == cut {
            return ta == PARAMETER;
        }
        if ta != tb {
            return false;
        }
        (i, j, n) = (next_i, next_j, n + 1);
    }
    false
}

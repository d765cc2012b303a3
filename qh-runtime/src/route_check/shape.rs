//! Path templates read as token sequences (placeholders as one token,
//! whatever their names), and the routes sorted by them: what lets
//! [`check_routes`](super::check_routes) find every clash between
//! neighbours.
//!
//! The check runs in rustc's const evaluator, where every step costs
//! thousands of the compiler's own instructions and it runs on every
//! `cargo check` of the crate that lists the routes. So each path is read
//! once, into a [`Key`] that compares in one step, and the paths
//! themselves are compared again only where the keys cannot tell.
//!
//! Escaped braces and non-ASCII paths never get here: the macro rejects
//! them (`qh-macros/src/endpoint/route.rs`).

use super::route::Route;

/// A placeholder `{name}` read as one token, sorting after every byte.
pub(super) const PARAMETER: u8 = 0xFE;
/// A catch-all `{*name}`, right after [`PARAMETER`].
pub(super) const CATCH_ALL: u8 = 0xFF;

/// The token of `path` at byte `i`, and where the next one starts. The
/// order of tokens is written here once: the end of a path is 0 (no token
/// has that code), a byte `b` is `b + 1` (UTF-8 keeps it below 0xF6), then
/// [`PARAMETER`] and [`CATCH_ALL`]; [`Key`] packs these codes as they are.
pub(super) const fn token(path: &[u8], i: usize) -> (u8, usize) {
    if path[i] != b'{' {
        return (path[i] + 1, i + 1);
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

/// Compares two paths by shape: -1, 0 or 1. Bytes outside placeholders
/// are compared as they are, without reading them as tokens.
pub(super) const fn shape_cmp(a: &str, b: &str) -> i8 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        if x != b'{' && y != b'{' {
            if x != y {
                return if x < y { -1 } else { 1 };
            }
            (i, j) = (i + 1, j + 1);
            continue;
        }
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

/// A path's shape packed for comparing in one step: its first 32 tokens
/// a byte each, their [`token`] codes (the end as 0), and where its
/// catch-all is.
#[derive(Clone, Copy)]
pub(super) struct Key {
    /// Tokens 0 to 15, the first in the highest byte.
    high: u128,
    /// Tokens 16 to 31.
    low: u128,
    /// Whether the path has at most 32 tokens, all of them in the key.
    whole: bool,
    /// The token position of the path's catch-all, if any.
    pub catch_all: Option<usize>,
}

impl Key {
    const EMPTY: Self = Self {
        high: 0,
        low: 0,
        whole: true,
        catch_all: None,
    };

    /// Reads `path` once.
    const fn of(path: &str) -> Self {
        let path = path.as_bytes();
        let (mut high, mut low, mut catch_all) = (0u128, 0u128, None);
        let (mut i, mut n) = (0, 0);
        while i < path.len() {
            let (tok, next) = token(path, i);
            i = next;
            if tok == CATCH_ALL && catch_all.is_none() {
                catch_all = Some(n);
            }
            let code = tok as u128;
            if n < 16 {
                high = high << 8 | code;
            } else if n < 32 {
                low = low << 8 | code;
            }
            n += 1;
        }
        // The first token in the highest byte, the end as zeros.
        if n > 0 && n < 16 {
            high <<= 8 * (16 - n);
        } else if n > 16 && n < 32 {
            low <<= 8 * (32 - n);
        }
        Self {
            high,
            low,
            whole: n <= 32,
            catch_all,
        }
    }
}

/// Every route's [`Key`], by listing order.
pub(super) const fn keys<const N: usize>(routes: &[Route]) -> [Key; N] {
    let mut keys = [Key::EMPTY; N];
    let mut i = 0;
    while i < N {
        keys[i] = Key::of(routes[i].path);
        i += 1;
    }
    keys
}

/// Compares routes `a` and `b` by shape, as [`shape_cmp`] does: by their
/// keys, and by their paths only when the keys are equal and do not hold
/// both paths whole.
pub(super) const fn route_shape_cmp(routes: &[Route], keys: &[Key], a: usize, b: usize) -> i8 {
    let (ka, kb) = (&keys[a], &keys[b]);
    if ka.high != kb.high {
        return if ka.high < kb.high { -1 } else { 1 };
    }
    if ka.low != kb.low {
        return if ka.low < kb.low { -1 } else { 1 };
    }
    if ka.whole && kb.whole {
        return 0;
    }
    shape_cmp(routes[a].path, routes[b].path)
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
pub(super) const fn before(routes: &[Route], keys: &[Key], a: usize, b: usize) -> bool {
    let (ra, rb) = (&routes[a], &routes[b]);
    let mut c = route_shape_cmp(routes, keys, a, b);
    if c == 0 {
        c = str_cmp(ra.path, rb.path);
    }
    if c == 0 {
        c = str_cmp(ra.method, rb.method);
    }
    c < 0 || (c == 0 && a < b)
}

/// The routes' indices in [`before`] order (a bottom-up merge sort).
pub(super) const fn sorted<const N: usize>(routes: &[Route], keys: &[Key]) -> [usize; N] {
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
                let take_left = r >= end || (l < mid && before(routes, keys, order[l], order[r]));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths past the 32 tokens a key holds are still told apart, and
    /// ordered as their plain tokens are.
    #[test]
    fn long_paths_compare_as_paths() {
        let long = "/api/v1/organizations/{org}/projects/{project}";
        let paths = [
            format!("{long}/a"),
            format!("{long}/{{x}}"),
            format!("{long}/{{*rest}}"),
            format!("{long}/{{y}}"),
            long.to_owned(),
            "/api/v1/{id}".to_owned(),
            "/api/v1/a".to_owned(),
            "/api".to_owned(),
            String::new(),
        ];
        let routes = get_routes(&paths);
        let keys: [Key; 9] = keys::<9>(&routes);
        for a in 0..routes.len() {
            for b in 0..routes.len() {
                let expected = plain(routes[a].path).cmp(&plain(routes[b].path)) as i8;
                let got = route_shape_cmp(&routes, &keys, a, b);
                assert_eq!(
                    got, expected,
                    "{} against {}",
                    routes[a].path, routes[b].path
                );
            }
        }
        // 22 bytes, `{org}`, 10 bytes, `{project}`, `/`: the 36th token.
        assert_eq!(keys[2].catch_all, Some(35));
    }

    /// A path's tokens, read the plain way for the tests, independent of
    /// [`token`]'s codes: a vector of these orders as the module says (the
    /// end, a shorter vector, first).
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
    enum Plain {
        Byte(u8),
        Parameter,
        CatchAll,
    }

    /// A `GET` route for each path (leaked: routes hold `'static` text).
    fn get_routes(paths: &[String]) -> Vec<Route> {
        paths
            .iter()
            .map(|path| Route {
                name: "",
                method: "GET",
                path: Box::leak(path.clone().into_boxed_str()),
            })
            .collect()
    }

    fn plain(path: &str) -> Vec<Plain> {
        let (mut tokens, mut rest) = (Vec::new(), path.as_bytes());
        while let Some((&first, tail)) = rest.split_first() {
            if first == b'{' {
                let close = rest.iter().position(|&c| c == b'}').unwrap();
                tokens.push(if tail.first() == Some(&b'*') {
                    Plain::CatchAll
                } else {
                    Plain::Parameter
                });
                rest = &rest[close + 1..];
            } else {
                tokens.push(Plain::Byte(first));
                rest = tail;
            }
        }
        tokens
    }

    /// Paths of 16, 17, 32, 33 and 40 tokens (and a few around them), and
    /// each with one token changed, at either side of the key's halves and
    /// of its end: keys order them as the plain tokens do, are equal only
    /// for equal shapes when they hold both paths whole, and leave to the
    /// paths only those apart past token 32.
    #[test]
    fn keys_order_as_plain_tokens() {
        let tokens = ["/", "a", "b", "z", "{x}", "{y}", "{*r}"];
        let mut paths = vec![String::new()];
        for len in [1, 15, 16, 17, 31, 32, 33, 40] {
            let base: Vec<&str> = (0..len).map(|i| ["/", "a", "b"][i % 3]).collect();
            paths.push(base.concat());
            for at in [0, 15, 16, 17, 20, 31, 32, 33, 39] {
                for token in tokens.iter().filter(|_| at < len) {
                    let mut changed = base.clone();
                    changed[at] = token;
                    paths.push(changed.concat());
                }
            }
        }
        paths.sort();
        paths.dedup();
        let routes = get_routes(&paths);
        let keys: Vec<Key> = paths.iter().map(|path| Key::of(path)).collect();
        let plains: Vec<Vec<Plain>> = paths.iter().map(|path| plain(path)).collect();
        let (mut low_decides, mut paths_decide) = (0, 0);
        for (a, pa) in plains.iter().enumerate() {
            let (ka, name) = (&keys[a], &paths[a]);
            assert_eq!(ka.whole, pa.len() <= 32, "{name}");
            let catch_all = pa.iter().position(|t| *t == Plain::CatchAll);
            assert_eq!(ka.catch_all, catch_all, "{name}");
            for (b, pb) in plains.iter().enumerate() {
                let (kb, expected) = (&keys[b], pa.cmp(pb));
                let context = format!("{name} against {}", paths[b]);
                let by_key = (ka.high, ka.low).cmp(&(kb.high, kb.low));
                if by_key.is_ne() {
                    assert_eq!(by_key, expected, "{context}");
                    low_decides += usize::from(ka.high == kb.high);
                } else if ka.whole && kb.whole {
                    assert!(expected.is_eq(), "{context}");
                } else {
                    assert_eq!(pa[..pa.len().min(32)], pb[..pb.len().min(32)], "{context}");
                    paths_decide += usize::from(expected.is_ne());
                }
                let got = route_shape_cmp(&routes, &keys, a, b);
                assert_eq!(got, expected as i8, "{context}");
                assert_eq!(shape_cmp(name, &paths[b]), expected as i8, "{context}");
            }
        }
        assert!(low_decides > 0 && paths_decide > 0);
    }
}

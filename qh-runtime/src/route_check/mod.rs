//! Compile-time checks behind `qh::routes!` and the generated field sets:
//! `const fn`s, so a mistake fails the build instead of the first request.
//!
//! `qh::routes!` hands [`check_routes`] one array of its endpoints, evaluated
//! once: the routes are sorted by their path's *shape* (the path with its
//! placeholder names erased), so every clash axum would refuse sits between
//! neighbours, and the check costs `n log n` comparisons, not one per pair.

mod route;
mod shape;

pub use route::Route;
use shape::{keys, parameter_at, route_shape_cmp, sorted};

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

/// Room for the message naming two endpoints; longer names are cut.
const MESSAGE_CAP: usize = 1024;

/// The first clash [`check_routes`] found, as the compile error's message.
pub struct Clash {
    bytes: [u8; MESSAGE_CAP],
    len: usize,
}

impl Clash {
    /// The message naming both endpoints, `None` when the routes are fine.
    #[must_use]
    pub const fn message(&self) -> Option<&str> {
        if self.len == 0 {
            return None;
        }
        match core::str::from_utf8(self.bytes.split_at(self.len).0) {
            Ok(message) => Some(message),
            Err(_) => Some("two endpoints of this `qh::routes!` clash"),
        }
    }

    const fn push(&mut self, text: &str) {
        let text = text.as_bytes();
        let mut i = 0;
        while i < text.len() && self.len < MESSAGE_CAP {
            self.bytes[self.len] = text[i];
            self.len += 1;
            i += 1;
        }
        // Never end inside a character.
        if i < text.len() {
            while self.len > 0 && self.bytes[self.len - 1] & 0xC0 == 0x80 {
                self.len -= 1;
            }
            if self.len > 0 && self.bytes[self.len - 1] >= 0xC0 {
                self.len -= 1;
            }
        }
    }
}

/// Why two endpoints cannot share one router.
#[derive(Clone, Copy)]
enum Kind {
    SameRoute,
    RenamedPlaceholders,
    ParameterBesideCatchAll,
}

/// A clash among the routes, if any: two endpoints serving the same method
/// and path, the same path with differently named placeholders
/// (`/users/{id}`, `/users/{user_id}`), or a parameter where another path,
/// after the same prefix, has a catch-all (`/f/{x}/y`, `/f/{*rest}`); axum
/// refuses the last two whatever the methods. Of the first two kinds the
/// earliest pair in listing order is found, and the earliest pair of all
/// found is named, earlier endpoint first. `N` is `routes.len()`.
#[must_use]
pub const fn check_routes<const N: usize>(routes: &[Route]) -> Clash {
    assert!(routes.len() == N, "`N` is the number of routes");
    let keys = keys::<N>(routes);
    let order = sorted::<N>(routes, &keys);
    // Whether each route in that order has its predecessor's shape: the
    // one comparison all three kinds of clash read.
    let mut same_shape = [false; N];
    let mut k = 1;
    while k < N {
        same_shape[k] = route_shape_cmp(routes, &keys, order[k - 1], order[k]) == 0;
        k += 1;
    }
    let mut found: Option<(usize, usize, Kind)> = None;
    // Equal routes are neighbours, in listing order: the first two of a
    // run are its earliest pair.
    k = 1;
    while k < N {
        let (i, j) = (order[k - 1], order[k]);
        let (a, b) = (&routes[i], &routes[j]);
        if !a.path.is_empty()
            && same_shape[k]
            && str_eq(a.path, b.path)
            && str_eq(a.method, b.method)
        {
            found = earlier(found, i, j, Kind::SameRoute);
        }
        k += 1;
    }
    // A group of one shape written two ways: its earliest route, and the
    // earliest written otherwise (a group of one has no other).
    let mut start = 0;
    while start < N {
        let mut end = start + 1;
        while end < N && same_shape[end] {
            end += 1;
        }
        if end - start > 1 && !routes[order[start]].path.is_empty() {
            let mut first = order[start];
            k = start + 1;
            while k < end {
                if order[k] < first {
                    first = order[k];
                }
                k += 1;
            }
            let mut other = usize::MAX;
            k = start;
            while k < end {
                if order[k] < other && !str_eq(routes[order[k]].path, routes[first].path) {
                    other = order[k];
                }
                k += 1;
            }
            if other != usize::MAX {
                found = earlier(found, first, other, Kind::RenamedPlaceholders);
            }
        }
        start = end;
    }
    // A catch-all's shape sorts right after the shapes with a parameter at
    // its place (nothing sorts between the two tokens), so the route just
    // before its group is the only one to look at.
    k = 1;
    while k < N {
        let (p, c) = (order[k - 1], order[k]);
        if let Some(cut) = keys[c].catch_all {
            if !same_shape[k] && parameter_at(routes[p].path, routes[c].path, cut) {
                found = earlier(found, p, c, Kind::ParameterBesideCatchAll);
            }
        }
        k += 1;
    }
    match found {
        None => Clash {
            bytes: [0; MESSAGE_CAP],
            len: 0,
        },
        Some((i, j, kind)) => message(routes[i].name, routes[j].name, kind),
    }
}

/// `found`, or the pair `(a, b)` (either order) when it comes earlier.
const fn earlier(
    found: Option<(usize, usize, Kind)>,
    a: usize,
    b: usize,
    kind: Kind,
) -> Option<(usize, usize, Kind)> {
    let (i, j) = if a < b { (a, b) } else { (b, a) };
    match found {
        Some((fi, fj, _)) if fi < i || (fi == i && fj < j) => found,
        _ => Some((i, j, kind)),
    }
}

const fn message(first: &str, second: &str, kind: Kind) -> Clash {
    let mut clash = Clash {
        bytes: [0; MESSAGE_CAP],
        len: 0,
    };
    clash.push("`");
    clash.push(first);
    clash.push("` and `");
    clash.push(second);
    clash.push(match kind {
        Kind::SameRoute => {
            "` serve the same method and path: give one of them another `path` or `method`"
        }
        Kind::RenamedPlaceholders => {
            "` have the same path with differently named placeholders, which axum cannot route: name them alike"
        }
        Kind::ParameterBesideCatchAll => {
            "` have a parameter and a catch-all at the same place in their paths, which axum cannot route: give one of them another literal segment"
        }
    });
    clash
}

#[cfg(test)]
mod tests;

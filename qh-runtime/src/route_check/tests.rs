//! The clashes `check_routes` reports, for short paths and for paths past
//! the 32 tokens a key holds.

use super::*;

const fn route(name: &'static str, method: &'static str, path: &'static str) -> Route {
    Route { name, method, path }
}

fn check(routes: &[Route]) -> Option<String> {
    // The const generic is only an array length: any bound works here.
    fn at<const N: usize>(routes: &[Route]) -> Option<String> {
        check_routes::<N>(routes).message().map(str::to_owned)
    }
    match routes.len() {
        2 => at::<2>(routes),
        3 => at::<3>(routes),
        4 => at::<4>(routes),
        n => panic!("no case for {n} routes"),
    }
}

#[test]
fn compares_and_finds() {
    assert!(str_eq("/a", "/a") && !str_eq("/a", "/b") && !str_eq("/a", "/ab"));
    assert_eq!(field_index(&["a", "bb", "c"], "bb"), 1);
    assert_eq!(field_index(&["a"], "z"), usize::MAX);
}

#[test]
fn names_the_pair_in_listing_order() {
    let same = check(&[
        route("a", "GET", "/x"),
        route("b", "GET", "/y"),
        route("c", "GET", "/x"),
    ]);
    assert_eq!(
        same.as_deref(),
        Some("`a` and `c` serve the same method and path: give one of them another `path` or `method`")
    );
    assert_eq!(
        check(&[route("a", "GET", "/x"), route("b", "POST", "/x")]),
        None
    );
    // Broken endpoints clash with nothing.
    assert_eq!(
        check(&[route("a", "POST", ""), route("b", "POST", "")]),
        None
    );
    let renamed = check(&[
        route("g", "GET", "/u/{user_id}/x"),
        route("d", "DELETE", "/u/{id}/x"),
    ]);
    assert!(renamed
        .unwrap()
        .starts_with("`g` and `d` have the same path with differently named"));
    let earliest = check(&[
        route("a", "GET", "/z"),
        route("b", "GET", "/y"),
        route("c", "GET", "/y"),
        route("d", "GET", "/z"),
    ]);
    assert!(earliest.unwrap().starts_with("`a` and `d` serve"));
}

#[test]
fn a_thousand_routes() {
    // Leaked: `Route` holds `'static` strings, as in `qh::routes!`.
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    // GET and POST on each of /r0/{id} .. /r499/{id}: no clash.
    let mut routes: Vec<Route> = (0..1000)
        .map(|i| {
            let method = if i % 2 == 0 { "GET" } else { "POST" };
            route(
                leak(format!("e{i}")),
                method,
                leak(format!("/r{}/{{id}}", i / 2)),
            )
        })
        .collect();
    assert_eq!(check_routes_dyn(&routes), None);
    routes.push(route("late", "PUT", "/r7/{key}"));
    routes.push(route("later", "POST", "/r9/{id}"));
    let clash = check_routes_dyn(&routes).unwrap();
    assert!(
        clash.starts_with("`e14` and `late` have the same path with differently named"),
        "{clash}"
    );
    routes.pop();
    routes.insert(3, route("dup", "GET", "/r400/{id}"));
    let clash = check_routes_dyn(&routes).unwrap();
    assert!(
        clash.starts_with("`dup` and `e800` serve the same method and path"),
        "{clash}"
    );
}

/// `check_routes` for a length known only at run time.
fn check_routes_dyn(routes: &[Route]) -> Option<String> {
    assert!(routes.len() <= 1024);
    let mut padded: Vec<Route> = routes
        .iter()
        .map(|r| route(r.name, r.method, r.path))
        .collect();
    // Broken endpoints (empty paths) clash with nothing: padding.
    padded.resize_with(1024, || route("", "", ""));
    check_routes::<1024>(&padded).message().map(str::to_owned)
}

#[test]
fn renamed_placeholders() {
    let clash = |a, b| check(&[route("a", "GET", a), route("b", "POST", b)]).is_some();
    assert!(clash("/u/{id}/x", "/u/{user_id}/x"));
    assert!(clash("/f/{*a}", "/f/{*rest}"));
    assert!(!clash("/u/{id}", "/u/{id}"));
    assert!(!clash("/u/{id}", "/u/{id}/x"));
    assert!(!clash("/u/{id}", "/v/{id2}"));
}

#[test]
fn parameter_beside_catch_all() {
    let clash = |a, b| {
        let message = check(&[route("a", "GET", a), route("b", "POST", b)]);
        message.is_some_and(|m| m.contains("a parameter and a catch-all"))
    };
    for (a, b) in [
        ("/u/{id}", "/u/{*id}"),
        ("/f/{x}", "/f/{*rest}"),
        ("/f/{*rest}", "/f/{x}/y"),
        ("/u/{a}/b/{x}", "/u/{c}/b/{*x}"),
    ] {
        assert!(clash(a, b) && clash(b, a), "{a} beside {b}");
    }
    for (a, b) in [
        ("/f/a", "/f/{*rest}"),
        ("/f/{*a}", "/f/{*b}"),
        ("/f/{x}", "/g/{*rest}"),
        ("/f/{x}", "/f/{y}"),
    ] {
        assert!(!clash(a, b) && !clash(b, a), "{a} apart from {b}");
    }
    // Another catch-all of the same shape sits between them.
    let three = check(&[
        route("p", "GET", "/f/{x}"),
        route("c", "GET", "/f/{*a}"),
        route("d", "PUT", "/f/{*a}"),
    ]);
    assert!(three
        .unwrap()
        .starts_with("`p` and `c` have a parameter and a catch-all"));
}

/// 34 tokens (15 bytes, `{org}`, 10 bytes, `{project}`, 7 bytes): what
/// follows it lies past the 32 tokens a key holds.
const LONG: &str = "/organizations/{org}/projects/{project}/items/";

/// Each clash between paths that differ only past token 32 is reported as
/// the same clash between short paths.
#[test]
fn long_paths_clash_as_short_ones() {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let long = |tail: &str| leak(format!("{LONG}{tail}"));
    let short = |tail: &str| leak(format!("/i/{tail}"));
    let cases = [
        // Placeholders named differently at the same place.
        [("a", "GET", "{id}/tags"), ("b", "DELETE", "{item_id}/tags")],
        // A parameter beside a catch-all.
        [("a", "GET", "{id}/tags"), ("b", "POST", "{*rest}")],
        [("a", "POST", "{*rest}"), ("b", "GET", "{id}/tags")],
        // The same route twice.
        [("a", "GET", "{id}/tags"), ("b", "GET", "{id}/tags")],
    ];
    for [(n1, m1, t1), (n2, m2, t2)] in cases {
        let expected = check(&[route(n1, m1, short(t1)), route(n2, m2, short(t2))]);
        assert!(expected.is_some(), "{t1} against {t2}");
        let got = check(&[route(n1, m1, long(t1)), route(n2, m2, long(t2))]);
        assert_eq!(got, expected, "{t1} against {t2}");
    }
    // Apart only past token 32: no clash.
    assert_eq!(
        check(&[
            route("a", "GET", long("{id}/tags")),
            route("b", "GET", long("{id}/notes")),
        ]),
        None
    );
}

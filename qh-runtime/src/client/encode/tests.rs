//! Arguments as URL text, checked value by value.

use super::*;
use std::collections::BTreeMap;

#[derive(serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
}

#[derive(serde::Serialize)]
struct Filter {
    q: String,
    limit: Option<u32>,
    tag: Vec<String>,
    color: Color,
}

#[test]
fn scalars_options_and_lists() {
    assert_eq!(texts(&5u8).unwrap(), ["5"]);
    assert_eq!(texts(&-1.5f64).unwrap(), ["-1.5"]);
    assert_eq!(texts(&true).unwrap(), ["true"]);
    assert_eq!(texts("a b").unwrap(), ["a b"]);
    assert_eq!(texts(&Color::Red).unwrap(), ["red"]);
    assert!(texts(&None::<u8>).unwrap().is_empty());
    assert_eq!(texts(&Some(3)).unwrap(), ["3"]);
    assert_eq!(texts(&vec!["x", "y"]).unwrap(), ["x", "y"]);
    assert_eq!(texts(&Some(vec![1, 2])).unwrap(), ["1", "2"]);
    assert!(texts(&vec![vec![1]]).is_err());
    let err = texts(&BTreeMap::from([("a", 1)])).unwrap_err();
    assert!(err.to_string().starts_with("a map cannot be"), "{err}");
}

#[test]
fn a_flattened_query_is_its_fields() {
    let filter = Filter {
        q: "x".into(),
        limit: None,
        tag: vec!["a".into(), "b".into()],
        color: Color::Red,
    };
    let got = pairs(&filter).unwrap();
    let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        got,
        [("q", "x"), ("tag", "a"), ("tag", "b"), ("color", "red")]
    );
    assert!(pairs(&1).is_err());
}

#[test]
fn path_segments_are_percent_encoded() {
    assert_eq!(path_segment("a b/c?é", false), "a%20b%2Fc%3F%C3%A9");
    assert_eq!(path_segment("dir/file.txt", true), "dir/file.txt");
    assert_eq!(path_segment("{id}", false), "%7Bid%7D");
}

//! Cross-checks [`Path::select`] against `serde_json_path`, an RFC 9535 implementation, on
//! generated documents and paths from the part of the grammar where Jayway (which AWS runs)
//! and RFC 9535 agree.
//!
//! Left out on purpose, because the two standards disagree there:
//! - slices `[a:b]` with a negative bound: Jayway does not normalise a negative end and
//!   walks a negative start index by index (`[1:-1]` is empty in Jayway), while RFC 9535
//!   normalises both. `[a:]` and `[:b]` agree, negative bounds included, and are generated;
//! - filters: Jayway applies a filter on an object to the object itself, RFC 9535 to its
//!   members, and their comparison rules differ across types;
//! - slice steps, which this module rejects (Jayway ignores them).

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::Path;

/// Small documents over a few keys, so that generated paths often match something.
fn document() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..10).prop_map(Value::from),
        "[a-c]{0,2}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-c]", inner), 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn name() -> impl Strategy<Value = String> {
    "[a-c]".prop_map(String::from)
}

fn index() -> impl Strategy<Value = i64> {
    -5i64..6
}

/// One segment from the shared grammar.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        name().prop_map(|n| format!(".{n}")),
        name().prop_map(|n| format!("['{n}']")),
        (name(), name()).prop_map(|(a, b)| format!("['{a}','{b}']")),
        index().prop_map(|i| format!("[{i}]")),
        (index(), index()).prop_map(|(a, b)| format!("[{a},{b}]")),
        index().prop_map(|a| format!("[{a}:]")),
        index().prop_map(|b| format!("[:{b}]")),
        (0i64..6, 0i64..6).prop_map(|(a, b)| format!("[{a}:{b}]")),
        Just(".*".to_owned()),
        Just("[*]".to_owned()),
        name().prop_map(|n| format!("..{n}")),
        Just("..*".to_owned()),
        index().prop_map(|i| format!("..[{i}]")),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(segment(), 0..5).prop_map(|segments| format!("${}", segments.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn selects_the_same_nodes_as_rfc_9535(doc in document(), text in path()) {
        let ours = Path::parse(&text).unwrap().select(&doc);
        let theirs = serde_json_path::JsonPath::parse(&text).unwrap().query(&doc).all();
        // Same nodes, not just equal values: compare addresses.
        let addresses = |nodes: &[&Value]| nodes.iter().map(|n| *n as *const Value).collect::<Vec<_>>();
        prop_assert_eq!(addresses(&ours), addresses(&theirs), "path {} on {}", text, doc);
    }
}

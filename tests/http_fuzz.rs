//! The JSON masker never panics, whatever the upstream sends: arbitrary bytes, and
//! arbitrary JSON documents (which must come out valid JSON, or be refused).

mod common;

use proptest::prelude::*;
use tuomin::http::json::{MaskError, mask_json, mask_json_tree, mask_ndjson};
use tuomin::http::plan::MaskPlan;

fn plan() -> MaskPlan {
    let dir = common::PolicyDir::new();
    let path = dir.write(
        r#"
[json_keys]
name = "name"
cvv = "cvv"
mobile = "mobile"
card_no = "card_number"
n = "internal_id"

[consumers.vendor]
scenario = "outsourced"
key_scope = "vendor"

[http]
listen = "127.0.0.1:0"
[[http.routes]]
name = "r"
path = "/r"
upstream = "http://127.0.0.1:9"
c3 = "remove"
unclassified = "pass"
unclassified_pass_reason = "fuzzing"
fields = { "$..deep[*].x" = "name", "$..list[1]" = "cvv" }
"#,
    );
    let policy = tuomin::config::load(&path).unwrap();
    let route = &policy.http.as_ref().unwrap().routes[0];
    MaskPlan::build(&policy, "vendor", route)
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let key = prop::sample::select(vec![
        "name", "cvv", "mobile", "card_no", "n", "deep", "x", "list", "other",
    ]);
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[0-9]{0,20}".prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(|kv| {
                serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_the_masker(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let plan = plan();
        let _ = mask_json(&plan, &bytes);
        let _ = mask_ndjson(&plan, &bytes);
    }

    #[test]
    fn the_streaming_masker_agrees_with_the_tree_masker(doc in json_value(), pretty in any::<bool>()) {
        let plan = plan();
        let bytes = if pretty { serde_json::to_vec_pretty(&doc) } else { serde_json::to_vec(&doc) }.unwrap();
        match (mask_json(&plan, &bytes), mask_json_tree(&plan, &bytes)) {
            (Ok((stream, rs)), Ok((tree, rt))) => {
                let a: serde_json::Value = serde_json::from_slice(&stream).unwrap();
                let b: serde_json::Value = serde_json::from_slice(&tree).unwrap();
                prop_assert_eq!(a, b);
                if !pretty {
                    // serde_json wrote the input, so its escapes are the tree masker's:
                    // byte for byte the same output.
                    prop_assert_eq!(&stream, &tree);
                }
                prop_assert_eq!(rs.records, rt.records);
                prop_assert_eq!(rs.fields, rt.fields);
            }
            (Err(MaskError::Refused { path: p1, .. }), Err(MaskError::Refused { path: p2, .. })) => {
                prop_assert_eq!(p1, p2);
            }
            (Err(MaskError::Transform { path: p1, .. }), Err(MaskError::Transform { path: p2, .. })) => {
                prop_assert_eq!(p1, p2);
            }
            (a, b) => prop_assert!(false, "stream {:?} vs tree {:?}", a.map(|x| x.0.len()), b.map(|x| x.0.len())),
        }
    }

    #[test]
    fn the_streaming_masker_drops_insignificant_whitespace(doc in json_value()) {
        let plan = plan();
        let compact = serde_json::to_vec(&doc).unwrap();
        let pretty = serde_json::to_vec_pretty(&doc).unwrap();
        match (mask_json(&plan, &compact), mask_json(&plan, &pretty)) {
            (Ok((a, ra)), Ok((b, rb))) => {
                prop_assert_eq!(a, b);
                prop_assert_eq!(ra.records, rb.records);
                prop_assert_eq!(ra.fields, rb.fields);
            }
            (Err(a), Err(b)) => {
                let (a, b) = (a.to_string(), b.to_string());
                prop_assert_eq!(a.split(" at byte").next(), b.split(" at byte").next());
            }
            (a, b) => prop_assert!(false, "compact {:?} vs pretty {:?}", a.map(|x| x.0.len()), b.map(|x| x.0.len())),
        }
    }

    #[test]
    fn arbitrary_documents_come_out_as_json_without_c3(doc in json_value()) {
        let plan = plan();
        let bytes = serde_json::to_vec(&doc).unwrap();
        if let Ok((out, _)) = mask_json(&plan, &bytes) {
            let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
            prop_assert!(!back.to_string().contains("\"cvv\""));
        }
    }
}

//! Pinned pseudonyms of the format-preserving transforms: a fixed master key, scope
//! and field give these exact outputs. Pseudonyms must stay the same across versions
//! (joins, lookups and downstream test data depend on them), so an optimisation of
//! FF1 or of a format cipher that changes one byte fails here. Each output also
//! reverses to its input where the transform is reversible.

use tuomin::keys::{FieldKeys, KeyId, MasterKey};
use tuomin::transform::{Context, TransformSpec};

const CTX: Context<'static> = Context { subject: None };

/// (transform, params, input, pinned output, reverses to the input).
const CASES: &[(&str, &str, &str, &str, bool)] = &[
    (
        "fpe_cn_id",
        "",
        "110101199003074477",
        "110101205409212612",
        true,
    ),
    (
        "fpe_cn_id",
        "",
        "11010519491231002X",
        "110105206802092768",
        true,
    ),
    (
        "fpe_cn_id",
        "",
        "11010519491231002x",
        "110105206802092768",
        false,
    ),
    (
        "fpe_cn_id",
        "",
        "440305200002291232",
        "440305194108179371",
        true,
    ),
    ("fpe_cn_id", "", "110105491231002", "110105600411018", true),
    (
        "fpe_cn_id",
        "region = \"city\"",
        "110101199003074477",
        "110100205409212616",
        false,
    ),
    ("fpe_mobile", "", "13812345678", "13839074924", true),
    ("fpe_mobile", "", "19900000000", "19999155339", true),
    (
        "fpe_mobile",
        "keep_prefix = 5",
        "15900001111",
        "15900027391",
        true,
    ),
    (
        "fpe_email",
        "",
        "zhang.san_01+news@bank.example.cn",
        "6v1oo.frp_dw+gca8@bank.example.cn",
        true,
    ),
    ("fpe_email", "", "Li.Si@QQ.com", "ph.tf@QQ.com", false),
    ("fpe_email", "", "wangwu@163.com", "lst51z@163.com", true),
    ("fpe_email", "", "a.b@qq.com", "v.3@qq.com", false),
    (
        "fpe_email",
        "",
        "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1@qq.com",
        "5ygvh51sgyqtg0oob74dei6wz52g5lz2li19gn5s8m7i93446u45@qq.com",
        false,
    ),
    (
        "fpe_email",
        "domain = \"replace\"",
        "wangwu@163.com",
        "lst51z@example.com",
        false,
    ),
    (
        "fpe_card",
        "",
        "6222020200112233446",
        "6222027821325584680",
        true,
    ),
    (
        "fpe_uscc",
        "",
        "91350100M000100Y43",
        "9135010011JDHYBH2J",
        true,
    ),
    (
        "fpe_account",
        "keep_first = 4",
        "6217000010012345678",
        "6217486483266694251",
        true,
    ),
    (
        "ff1",
        "alphabet = \"alnum\"\nmin_length = 8",
        "AB-12cd34EF",
        "20-EmFwZx1w",
        true,
    ),
];

#[test]
fn fpe_pseudonyms_are_pinned_and_reverse() {
    let master = MasterKey::from_bytes(KeyId(1), [7; 32]);
    let mut failures = Vec::new();
    for &(name, params, input, pinned, reverses) in CASES {
        let table: toml::Table = toml::from_str(params).unwrap();
        let spec = TransformSpec::from_parts(name, Some(&table)).unwrap();
        let t = spec
            .build(FieldKeys::new(&master, "qa", "public.t.c"))
            .unwrap();
        let out = t.apply(input, &CTX).unwrap().unwrap();
        if out != pinned {
            failures.push(format!(
                "({name:?}, {params:?}, {input:?}, {out:?}, {reverses}),"
            ));
        }
        if reverses {
            assert_eq!(t.reverse(&out, &CTX).unwrap(), input, "{name} {input}");
        }
    }
    assert!(
        failures.is_empty(),
        "changed pseudonyms:\n{}",
        failures.join("\n")
    );
}

//! Per-value cost of each transform, built through the registry as the gateway builds
//! them. `nonfpe_benches` covers tokens, masks, fakes, generalization, noise and date
//! shift; the FPE transforms have their own group.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tuomin::keys::{FieldKeys, KeyId, MasterKey};
use tuomin::transform::{Context, TransformSpec};

/// (transform, params, input, subject) for each non-FPE transform.
const NONFPE_CASES: &[(&str, &str, &str, Option<&str>)] = &[
    ("token", "", "13812345678", None),
    (
        "token",
        "format = \"digits\"\nlength = 18",
        "110105194912310021",
        None,
    ),
    (
        "mask",
        "keep_first = 6\nkeep_last = 4",
        "6222021234567890123",
        None,
    ),
    ("mask_name", "", "欧阳娜娜", None),
    ("mask_address", "", "广东省深圳市南山区科苑路15号", None),
    ("fake_name", "", "张三丰", None),
    (
        "fake_address",
        "keep_province = true",
        "北京市朝阳区建国路88号",
        None,
    ),
    ("generalize_number", "bucket = 1000", "12345.67", None),
    (
        "generalize_date",
        "to = \"month\"",
        "2024-03-15 13:45:09+08",
        None,
    ),
    ("noise", "relative = 0.05", "12345.67", Some("customer-42")),
    (
        "date_shift",
        "max_days = 30",
        "2024-03-15 13:45:09+08",
        Some("customer-42"),
    ),
];

fn nonfpe_benches(c: &mut Criterion) {
    let master = MasterKey::from_bytes(KeyId(1), [1; 32]);
    let keys = FieldKeys::new(&master, "bench", "public.t.c");
    for &(name, params, input, subject) in NONFPE_CASES {
        let table: toml::Table = params.parse().expect("bench params are valid TOML");
        let spec = TransformSpec::from_parts(name, Some(&table)).expect("bench spec is valid");
        let transform = spec.build(keys).expect("bench transform builds");
        let ctx = Context { subject };
        let id = if params.is_empty() {
            name.to_owned()
        } else {
            format!("{name} {}", params.replace('\n', ", "))
        };
        c.bench_function(&id, |b| {
            b.iter(|| transform.apply(black_box(input), black_box(&ctx)))
        });
    }
}

criterion_group!(nonfpe, nonfpe_benches);
criterion_main!(nonfpe);

//! Per-value cost of each transform (`apply`), built once as the gateway builds them.
//! `fpe_benches` covers the FF1-based transforms; other families get their own
//! functions and groups.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tuomin::keys::{FieldKeys, KeyId, MasterKey};
use tuomin::transform::{Context, TransformSpec};

fn fpe_benches(c: &mut Criterion) {
    let master = MasterKey::from_bytes(KeyId(1), [7; 32]);
    let keys = FieldKeys::new(&master, "qa", "public.bench.value");
    let ctx = Context::default();
    let cases = [
        ("fpe_card", "", "6222020200112233446"),
        ("fpe_cn_id", "", "110101199003074477"),
        ("fpe_mobile", "", "13812345678"),
        ("fpe_uscc", "", "91350100M000100Y43"),
        ("fpe_uscc", "keep_region = false", "91350100M000100Y43"),
        ("fpe_email", "", "zhang.san_01@bank.example.cn"),
        ("fpe_account", "keep_first = 4", "6217000010012345678"),
        ("ff1", "alphabet = \"alnum\"\nmin_length = 8", "AB-12cd34EF"),
    ];
    let mut group = c.benchmark_group("fpe_apply");
    for (name, params, input) in cases {
        let table: toml::Table = toml::from_str(params).expect("bench params are TOML");
        let spec = TransformSpec::from_parts(name, Some(&table)).expect("bench spec is valid");
        let t = spec.build(keys).expect("bench transform builds");
        let label = if params.is_empty() {
            name.to_owned()
        } else {
            format!("{name}({})", params.replace('\n', ","))
        };
        group.bench_function(label, |b| b.iter(|| t.apply(black_box(input), &ctx)));
    }
    group.finish();
}

criterion_group!(fpe, fpe_benches);
criterion_main!(fpe);

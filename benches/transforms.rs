//! Per-value cost of each transform (`apply`), built once through the registry as the
//! gateways build them: one group for the FF1-based transforms, one for the others
//! (tokens, masks, fakes, generalization, noise, date shift); and the pseudonym memo's
//! hit (`memo_hit`), on a working set small enough for the CPU caches and on one like
//! `benches/pg_load.sh`'s (three fields of 20,000 customers, read in random order),
//! where a hit costs what its reads from memory cost.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tuomin::demo::values;
use tuomin::keys::{FieldKeys, KeyId, MasterKey};
use tuomin::transform::{Context, TransformSpec};

/// (transform, params, input, subject).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const FPE_CASES: &[Case] = &[
    ("fpe_card", "", "6222020200112233446", None),
    ("fpe_cn_id", "", "110101199003074477", None),
    ("fpe_mobile", "", "13812345678", None),
    ("fpe_uscc", "", "91350100M000100Y43", None),
    (
        "fpe_uscc",
        "keep_region = false",
        "91350100M000100Y43",
        None,
    ),
    ("fpe_email", "", "zhang.san_01@bank.example.cn", None),
    ("fpe_account", "keep_first = 4", "6217000010012345678", None),
    (
        "ff1",
        "alphabet = \"alnum\"\nmin_length = 8",
        "AB-12cd34EF",
        None,
    ),
];

const NONFPE_CASES: &[Case] = &[
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

fn bench_cases(c: &mut Criterion, group: &str, cases: &[Case]) {
    let master = MasterKey::from_bytes(KeyId(1), [7; 32]);
    let keys = FieldKeys::new(&master, "qa", "public.bench.value");
    let mut group = c.benchmark_group(group);
    for &(name, params, input, subject) in cases {
        let table: toml::Table = params.parse().expect("bench params are TOML");
        let spec = TransformSpec::from_parts(name, Some(&table)).expect("bench spec is valid");
        let transform = spec.build(keys).expect("bench transform builds");
        let ctx = Context { subject };
        let label = if params.is_empty() {
            name.to_owned()
        } else {
            format!("{name}({})", params.replace('\n', ", "))
        };
        group.bench_function(label, |b| {
            b.iter(|| transform.apply(black_box(input), black_box(&ctx)))
        });
    }
    group.finish();
}

fn fpe_benches(c: &mut Criterion) {
    bench_cases(c, "fpe_apply", FPE_CASES);
}

fn nonfpe_benches(c: &mut Criterion) {
    bench_cases(c, "nonfpe_apply", NONFPE_CASES);
}

/// Three memoized FPE fields, each filled with `values` inputs, then read again in a
/// fixed pseudo-random order through `recall_into` (the PostgreSQL gateway's hit).
fn memo_benches(c: &mut Criterion) {
    let master = MasterKey::from_bytes(KeyId(1), [7; 32]);
    let mut group = c.benchmark_group("memo_hit");
    for values in [1_000usize, 20_000] {
        let fields: Vec<_> = [
            ("fpe_mobile", "public.customers.mobile"),
            ("fpe_cn_id", "public.customers.id_number"),
            ("fpe_card", "public.cards.card_no"),
        ]
        .iter()
        .map(|(name, field)| {
            TransformSpec::from_parts(name, None)
                .and_then(|spec| spec.build_memoized(FieldKeys::new(&master, "qa", field), 65_536))
                .expect("bench transform builds")
        })
        .collect();
        // The demo bank's generators: valid check digits, as in the benchmark database.
        let mut rng = StdRng::seed_from_u64(7);
        let inputs: Vec<[String; 3]> = (0..values)
            .map(|_| {
                let district = values::district(&mut rng).code;
                let birth = values::birth_day(&mut rng);
                [
                    values::mobile(&mut rng),
                    values::id_number(&mut rng, district, birth, false),
                    values::card_number(&mut rng),
                ]
            })
            .collect();
        let ctx = Context { subject: None };
        for row in &inputs {
            for (transform, input) in fields.iter().zip(row) {
                transform.apply(input, &ctx).expect("demo values are valid");
            }
        }
        let mut order: Vec<usize> = (0..values).collect();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let mut out = String::with_capacity(64);
        let mut next = 0;
        group.bench_function(format!("{values}_values_x3_fields"), |b| {
            b.iter(|| {
                let row = &inputs[order[next % values]];
                next += 1;
                for (transform, input) in fields.iter().zip(row) {
                    out.clear();
                    black_box(transform.recall_into(black_box(input.as_bytes()), &mut out));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(fpe, fpe_benches);
criterion_group!(nonfpe, nonfpe_benches);
criterion_group!(memo, memo_benches);
criterion_main!(fpe, nonfpe, memo);

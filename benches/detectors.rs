//! Per-value cost of the detectors (`discovery::detectors::detect`) on the shapes of
//! value a scan or an egress scan meets: clean values (ids, amounts, timestamps, short
//! words — the common case on the way out), whole sensitive values, and free text with
//! and without a hit; and of the egress scan of one value, masking included.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tuomin::discovery::detectors::{Detected, detect};
use tuomin::discovery::egress::EgressScanner;
use tuomin::keys::{FieldKeys, KeyId, MasterKey};
use tuomin::policy::{Decision, RuleOrigin};
use tuomin::transform::TransformSpec;

const CASES: &[(&str, &str)] = &[
    ("clean/id", "1234567"),
    ("clean/amount", "-4999.00"),
    ("clean/timestamp", "2024-06-01 12:30:45+08"),
    ("clean/uuid", "550e8400-e29b-41d4-a716-446655440000"),
    ("clean/word", "工资"),
    ("clean/company", "深圳市华信科技有限公司"),
    ("whole/card", "6222020200112233446"),
    ("whole/id_number", "11010519491231002X"),
    ("whole/mobile", "13812345678"),
    ("whole/email", "zhang.san_01@bank.example.cn"),
    ("whole/name", "欧阳娜娜"),
    (
        "whole/address",
        "广东省深圳市南山区人民路127号3栋2单元501室",
    ),
    ("text/memo_card", "还款至卡号6222020200112233446"),
    ("text/memo_mobile", "请回电13812345678确认"),
    (
        "text/clean_200",
        "客户来电咨询理财产品的赎回规则，已告知需在交易日下午三点前提交申请，\
         资金将在两个工作日内到账。客户表示理解，并询问了手续费标准，已按产品说明书解答。",
    ),
];

fn detector_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("detect");
    for (label, value) in CASES {
        group.bench_function(*label, |b| b.iter(|| detect(black_box(value))));
    }
    group.finish();
}

fn egress_benches(c: &mut Criterion) {
    let key = MasterKey::from_bytes(KeyId(1), [7; 32]);
    let mask = |params: &str| {
        let table: toml::Table = params.parse().expect("params");
        let spec = TransformSpec::from_parts("mask", Some(&table)).expect("spec");
        Decision::Transform {
            transform: spec
                .build(FieldKeys::new(&key, "bench", "scan"))
                .expect("build"),
            origin: RuleOrigin::Unclassified,
        }
    };
    let decisions = vec![
        (Detected::CardNumber, mask("keep_first = 6\nkeep_last = 4")),
        (Detected::Mobile, mask("keep_first = 3\nkeep_last = 4")),
    ];
    let scanner = EgressScanner::new("bench", Default::default(), decisions);
    let mut group = c.benchmark_group("egress_scan");
    for (label, value) in [
        ("clean/amount", "-4999.00"),
        ("clean/word", "工资"),
        ("text/memo_card", "还款至卡号6222020200112233446"),
    ] {
        group.bench_function(label, |b| {
            b.iter(|| scanner.scan_value("bench.memo", black_box(value)))
        });
    }
    group.finish();
}

criterion_group!(benches, detector_benches, egress_benches);
criterion_main!(benches);

//! FF1 on 16-digit decimals: ours (`tuomin::transform::ff1`) against the stock `fpe`
//! crate's `FlexibleNumeralString` path, same key, tweak and inputs. The outputs are
//! checked equal before timing.

use std::hint::black_box;

use aes::Aes256;
use criterion::{Criterion, criterion_group, criterion_main};
use fpe::ff1::{FF1, FlexibleNumeralString};
use tuomin::transform::ff1::{Domain, Ff1};

const KEY: [u8; 32] = [0x42; 32];
const TWEAK: &[u8] = b"public.cards.card_no";

fn inputs() -> Vec<[u8; 16]> {
    (0..64u64)
        .map(|i| {
            let n = 6_222_020_200_112_233u64.wrapping_add(i * 7_919_000_013) % 10u64.pow(16);
            let mut x = [0u8; 16];
            for (slot, c) in x.iter_mut().zip(format!("{n:016}").bytes()) {
                *slot = c - b'0';
            }
            x
        })
        .collect()
}

fn ff1_16_digits(c: &mut Criterion) {
    let ours = Ff1::new(&KEY);
    let dom = Domain::new(10, 16).expect("16 decimal digits is a valid FF1 domain");
    let stock = FF1::<Aes256>::new(&KEY, 10).expect("radix 10 is valid");
    let inputs = inputs();
    for x in &inputs {
        let mut mine = *x;
        ours.encrypt(&dom, TWEAK, &mut mine).expect("valid input");
        let theirs: Vec<u16> = stock
            .encrypt(
                TWEAK,
                &FlexibleNumeralString::from(x.iter().map(|&n| u16::from(n)).collect::<Vec<_>>()),
            )
            .expect("valid input")
            .into();
        assert_eq!(
            mine.iter().map(|&n| u16::from(n)).collect::<Vec<_>>(),
            theirs
        );
    }

    let mut group = c.benchmark_group("ff1_encrypt_16_digits");
    group.bench_function("tuomin", |b| {
        let mut i = 0;
        b.iter(|| {
            let mut x = inputs[i % inputs.len()];
            i += 1;
            ours.encrypt(&dom, black_box(TWEAK), black_box(&mut x))
                .expect("valid input");
            x
        })
    });
    let stock_inputs: Vec<Vec<u16>> = inputs
        .iter()
        .map(|x| x.iter().map(|&n| u16::from(n)).collect())
        .collect();
    group.bench_function("fpe_crate", |b| {
        let mut i = 0;
        b.iter(|| {
            let x = FlexibleNumeralString::from(stock_inputs[i % stock_inputs.len()].clone());
            i += 1;
            stock
                .encrypt(black_box(TWEAK), black_box(&x))
                .expect("valid input")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("ff1_decrypt_16_digits");
    group.bench_function("tuomin", |b| {
        let mut i = 0;
        b.iter(|| {
            let mut x = inputs[i % inputs.len()];
            i += 1;
            ours.decrypt(&dom, black_box(TWEAK), black_box(&mut x))
                .expect("valid input");
            x
        })
    });
    group.bench_function("fpe_crate", |b| {
        let mut i = 0;
        b.iter(|| {
            let x = FlexibleNumeralString::from(stock_inputs[i % stock_inputs.len()].clone());
            i += 1;
            stock
                .decrypt(black_box(TWEAK), black_box(&x))
                .expect("valid input")
        })
    });
    group.finish();
}

criterion_group!(benches, ff1_16_digits);
criterion_main!(benches);

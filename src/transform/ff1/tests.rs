//! Tests of the FF1 cipher: NIST sample vectors, the stock `fpe` crate as oracle,
//! round trips, cycle-walking and the domain limits.

use aes::cipher::KeyInit;
use aes::cipher::consts::U16;
use aes::{Aes128, Aes192, Aes256};
use fpe::ff1::{FF1, FlexibleNumeralString};
use proptest::prelude::*;

use super::*;

const KEY256: [u8; 32] = [
    0x2B, 0x7E, 0x15, 0x16, 0x28, 0xAE, 0xD2, 0xA6, 0xAB, 0xF7, 0x15, 0x88, 0x09, 0xCF, 0x4F, 0x3C,
    0xEF, 0x43, 0x59, 0xD8, 0xD5, 0x80, 0xAA, 0x4F, 0x7F, 0x03, 0x6D, 0x6F, 0x04, 0xFC, 0x6A, 0x94,
];
const TWEAK_DIGITS: &[u8] = &[0x39, 0x38, 0x37, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31, 0x30];
const TWEAK_ALNUM: &[u8] = &[
    0x37, 0x37, 0x37, 0x37, 0x70, 0x71, 0x72, 0x73, 0x37, 0x37, 0x37,
];

/// Numerals of a string over `0-9a-z`.
fn ns(text: &str) -> Vec<u8> {
    text.bytes()
        .map(|c| match c {
            b'0'..=b'9' => c - b'0',
            _ => c - b'a' + 10,
        })
        .collect()
}

fn check_sample<C: BlockCipherEncrypt<BlockSize = U16>>(
    ff1: &Ff1Cipher<C>,
    radix: u32,
    tweak: &[u8],
    pt: &str,
    ct: &str,
) {
    let dom = Domain::new(radix, pt.len()).unwrap();
    let mut x = ns(pt);
    ff1.encrypt(&dom, tweak, &mut x).unwrap();
    assert_eq!(x, ns(ct), "encrypt {pt}");
    ff1.decrypt(&dom, tweak, &mut x).unwrap();
    assert_eq!(x, ns(pt), "decrypt {ct}");
}

fn aes128() -> Ff1Cipher<Aes128> {
    Ff1Cipher::from_cipher(Aes128::new_from_slice(&KEY256[..16]).unwrap())
}

fn aes192() -> Ff1Cipher<Aes192> {
    Ff1Cipher::from_cipher(Aes192::new_from_slice(&KEY256[..24]).unwrap())
}

const PT10: &str = "0123456789";
const PT36: &str = "0123456789abcdefghi";

#[test]
fn nist_samples_1_to_3_with_aes_128_pass() {
    check_sample(&aes128(), 10, &[], PT10, "2433477484");
    check_sample(&aes128(), 10, TWEAK_DIGITS, PT10, "6124200773");
    check_sample(&aes128(), 36, TWEAK_ALNUM, PT36, "a9tv40mll9kdu509eum");
}

#[test]
fn nist_samples_4_to_6_with_aes_192_pass() {
    check_sample(&aes192(), 10, &[], PT10, "2830668132");
    check_sample(&aes192(), 10, TWEAK_DIGITS, PT10, "2496655549");
    check_sample(&aes192(), 36, TWEAK_ALNUM, PT36, "xbj3kv35jrawxv32ysr");
}

#[test]
fn nist_samples_7_to_9_with_aes_256_pass() {
    let ff1 = Ff1::new(&KEY256);
    check_sample(&ff1, 10, &[], PT10, "6657667009");
    check_sample(&ff1, 10, TWEAK_DIGITS, PT10, "1001623463");
    check_sample(&ff1, 36, TWEAK_ALNUM, PT36, "xs8a0azh2avyalyzuwd");
}

#[test]
fn domain_below_one_million_is_refused() {
    assert!(matches!(
        Domain::new(10, 5),
        Err(TransformError::DomainTooSmall { .. })
    ));
    assert!(Domain::new(10, 6).is_ok());
    assert!(matches!(
        Domain::new(36, 3),
        Err(TransformError::DomainTooSmall { .. })
    ));
    assert!(Domain::new(36, 4).is_ok());
    assert!(Domain::new(2, 20).is_ok());
    assert!(Domain::new(2, 19).is_err());
}

#[test]
fn maximum_lengths_are_76_digits_48_base36_and_42_base62() {
    assert_eq!(Domain::max_len(10), 76);
    assert_eq!(Domain::max_len(36), 48);
    assert_eq!(Domain::max_len(62), 42);
    assert!(Domain::new(10, 76).is_ok());
    assert!(matches!(
        Domain::new(10, 77),
        Err(TransformError::Malformed { .. })
    ));
    assert!(Domain::new(62, 43).is_err());
}

#[test]
fn radix_outside_2_to_62_is_refused() {
    assert!(Domain::new(1, 30).is_err());
    assert!(Domain::new(63, 10).is_err());
}

#[test]
fn numerals_outside_the_radix_are_refused() {
    let dom = Domain::new(10, 8).unwrap();
    let mut x = vec![1, 2, 3, 4, 5, 6, 7, 10];
    assert!(Ff1::new(&KEY256).encrypt(&dom, b"", &mut x).is_err());
    let mut short = vec![1, 2, 3];
    assert!(Ff1::new(&KEY256).encrypt(&dom, b"", &mut short).is_err());
}

#[test]
fn cycle_walking_stays_below_the_bound_and_reverses() {
    let ff1 = Ff1::new(&KEY256);
    let dom = Domain::new(10, 8).unwrap();
    let bound = 36_524_500;
    for x in [0u128, 1, 12_345_678, bound - 1] {
        let y = ff1.encrypt_below(&dom, b"t", x, bound).unwrap();
        assert!(y < bound);
        assert_eq!(ff1.decrypt_below(&dom, b"t", y, bound).unwrap(), x);
    }
    assert!(ff1.encrypt_below(&dom, b"t", bound, bound).is_err());
    assert!(ff1.encrypt_below(&dom, b"t", 1, 100_000_001).is_err());
}

#[test]
fn integer_api_matches_numeral_api() {
    let ff1 = Ff1::new(&KEY256);
    let dom = Domain::new(10, 16).unwrap();
    let mut x = ns("6222020200112233");
    let int = ff1
        .encrypt_int(&dom, b"bin", 6_222_020_200_112_233)
        .unwrap();
    ff1.encrypt(&dom, b"bin", &mut x).unwrap();
    let as_int = x.iter().fold(0u128, |acc, &n| acc * 10 + u128::from(n));
    assert_eq!(int, as_int);
}

/// The stock crate's output for the same key, radix, tweak and numerals.
fn oracle(key: &[u8; 32], radix: u32, tweak: &[u8], x: &[u8], dir: Direction) -> Vec<u8> {
    let ff1 = FF1::<Aes256>::new(key, radix).unwrap();
    let input = FlexibleNumeralString::from(x.iter().map(|&n| u16::from(n)).collect::<Vec<_>>());
    let out = match dir {
        Direction::Encrypt => ff1.encrypt(tweak, &input),
        Direction::Decrypt => ff1.decrypt(tweak, &input),
    };
    Vec::<u16>::from(out.unwrap())
        .into_iter()
        .map(|n| n as u8)
        .collect()
}

fn numerals(radix: u32, len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0..radix as u8, len)
}

proptest! {
    #[test]
    fn sixteen_digit_outputs_equal_the_stock_fpe_crate(
        key in any::<[u8; 32]>(),
        tweak in prop::collection::vec(any::<u8>(), 0..40),
        x in numerals(10, 16..=16),
    ) {
        let dom = Domain::new(10, 16).unwrap();
        let mut ours = x.clone();
        Ff1::new(&key).encrypt(&dom, &tweak, &mut ours).unwrap();
        prop_assert_eq!(&ours, &oracle(&key, 10, &tweak, &x, Direction::Encrypt));
        let mut back = ours.clone();
        Ff1::new(&key).decrypt(&dom, &tweak, &mut back).unwrap();
        prop_assert_eq!(back, x);
    }

    #[test]
    fn any_radix_and_length_equals_the_stock_fpe_crate(
        key in any::<[u8; 32]>(),
        tweak in prop::collection::vec(any::<u8>(), 0..24),
        (radix, x) in (2u32..=62).prop_flat_map(|r| (Just(r), numerals(r, 20..=Domain::max_len(r)))),
    ) {
        let dom = Domain::new(radix, x.len()).unwrap();
        let mut ours = x.clone();
        Ff1::new(&key).encrypt(&dom, &tweak, &mut ours).unwrap();
        prop_assert_eq!(&ours, &oracle(&key, radix, &tweak, &x, Direction::Encrypt));
        let mut dec = x.clone();
        Ff1::new(&key).decrypt(&dom, &tweak, &mut dec).unwrap();
        prop_assert_eq!(dec, oracle(&key, radix, &tweak, &x, Direction::Decrypt));
    }

    #[test]
    fn registered_shapes_give_the_outputs_of_the_stock_fpe_crate(
        key in any::<[u8; 32]>(),
        tweak in prop::collection::vec(any::<u8>(), 0..40),
        (radix, x) in (2u32..=62).prop_flat_map(|r| {
            let min = (1..).find(|&n| domain_size(r, n) >= MIN_DOMAIN).unwrap_or(20);
            (Just(r), numerals(r, min..=Domain::max_len(r)))
        }),
    ) {
        let dom = Domain::new(radix, x.len()).unwrap();
        let ff1 = Ff1::new(&key)
            .with_shape(&Domain::new(radix, Domain::max_len(radix)).unwrap(), tweak.len())
            .with_shape(&dom, tweak.len());
        let mut ours = x.clone();
        ff1.encrypt(&dom, &tweak, &mut ours).unwrap();
        prop_assert_eq!(&ours, &oracle(&key, radix, &tweak, &x, Direction::Encrypt));
        ff1.decrypt(&dom, &tweak, &mut ours).unwrap();
        prop_assert_eq!(ours, x);
    }

    #[test]
    fn decrypt_of_encrypt_is_identity(
        key in any::<[u8; 32]>(),
        tweak in prop::collection::vec(any::<u8>(), 0..40),
        x in numerals(36, 4..=48),
    ) {
        let dom = Domain::new(36, x.len()).unwrap();
        let ff1 = Ff1::new(&key);
        let mut y = x.clone();
        ff1.encrypt(&dom, &tweak, &mut y).unwrap();
        ff1.decrypt(&dom, &tweak, &mut y).unwrap();
        prop_assert_eq!(y, x);
    }
}

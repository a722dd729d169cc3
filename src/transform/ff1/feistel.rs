//! The inside of one FF1 call: the CBC-MAC prefix, the ten Feistel rounds and the
//! modular arithmetic on `u128` halves, run by the block cipher's backend so that
//! every AES block of the call shares one backend session.
//!
//! Blocks are held as big-endian `u128`s: the PRF input of a round is the constant
//! tail of `Q` (tweak bytes and padding) with the round number and `NUM_b(B)` added
//! at its end, so building it is two XORs and a shift, with no byte copying.

use aes::cipher::consts::U16;
use aes::cipher::{Array, BlockCipherEncBackend, BlockCipherEncClosure, BlockSizeUser, InOut};

use super::{Direction, Domain};

/// The CBC-MAC state after `P ‖ T ‖ 0^pad` minus its last partial block or two,
/// which are `tail` (big-endian, the round number and `NUM(B)` still to add at the
/// end of `tail.1`); `two` when the tail spans two blocks.
pub(super) struct Prefix {
    state: u128,
    tail: (u128, u128),
    two: bool,
}

/// One FF1 call, run by the block cipher's backend (see the module comment).
pub(super) struct Job<'a> {
    pub(super) dir: Direction,
    pub(super) dom: &'a Domain,
    pub(super) tweak: &'a [u8],
    /// Cycle-walk until the value (A·radix^v + B) is below this.
    pub(super) bound: Option<u128>,
    /// E(P) for this key, domain and tweak length, when computed beforehand.
    pub(super) p_mac: Option<[u8; 16]>,
    /// In: the halves (A, B) of the input; out: those of the output.
    pub(super) halves: &'a mut (u128, u128),
}

impl BlockSizeUser for Job<'_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for Job<'_> {
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let enc = |block: u128| {
            let mut bytes: Array<u8, U16> = block.to_be_bytes().into();
            backend.encrypt_block(InOut::from(&mut bytes));
            u128::from_be_bytes(bytes.into())
        };
        let p_mac = match self.p_mac {
            Some(p) => u128::from_be_bytes(p),
            None => enc(p_block(self.dom, self.tweak.len())),
        };
        let pre = prefix(&enc, p_mac, self.dom, self.tweak);
        let (mut a, mut b) = *self.halves;
        loop {
            (a, b) = rounds(&enc, self.dir, self.dom, &pre, a, b);
            // The walk ends: the input lies on its own cycle of the permutation.
            match self.bound {
                Some(bound) if a * self.dom.mod_v + b >= bound => continue,
                _ => break,
            }
        }
        *self.halves = (a, b);
    }
}

/// The block P of NIST step 5 (big-endian), for `t` bytes of tweak.
pub(super) fn p_block(dom: &Domain, t: usize) -> u128 {
    let mut p = [0u8; 16];
    p[..3].copy_from_slice(&[1, 2, 1]);
    p[3..6].copy_from_slice(&dom.radix.to_be_bytes()[1..]);
    p[6] = 10;
    p[7] = (dom.u % 256) as u8;
    p[8..12].copy_from_slice(&(dom.len as u32).to_be_bytes());
    p[12..16].copy_from_slice(&(t as u32).to_be_bytes());
    u128::from_be_bytes(p)
}

/// CBC-MAC over the constant part of the PRF input (NIST steps 5 and 6i), from
/// `p_mac` = E(P).
fn prefix<E: Fn(u128) -> u128>(enc: &E, p_mac: u128, dom: &Domain, tweak: &[u8]) -> Prefix {
    // Q = T ‖ 0^pad ‖ [i] ‖ NUM_b(B); `fixed` is the length of T ‖ 0^pad.
    let t = tweak.len();
    let pad = (16 - (t + dom.b + 1) % 16) % 16;
    let fixed = t + pad;
    let block_at = |at: usize| {
        let mut block = [0u8; 16];
        if let Some(bytes) = tweak.get(at..) {
            let n = bytes.len().min(16);
            block[..n].copy_from_slice(&bytes[..n]);
        }
        u128::from_be_bytes(block)
    };
    let full = fixed / 16;
    let mut state = p_mac;
    for k in 0..full {
        state = enc(state ^ block_at(16 * k));
    }
    // The rest of T (zero-padded) starts the tail; the tail is 16 or 32 bytes.
    let tail_start = fixed % 16;
    let rest = block_at(16 * full) & mask_high(tail_start);
    let two = tail_start + 1 + dom.b > 16;
    let tail = if two { (rest, 0) } else { (0, rest) };
    Prefix { state, tail, two }
}

/// A mask of the first `n` bytes (n < 16) of a big-endian block.
fn mask_high(n: usize) -> u128 {
    if n == 0 { 0 } else { !(u128::MAX >> (8 * n)) }
}

/// The ten Feistel rounds on the halves `a` (u numerals) and `b` (v numerals).
fn rounds<E: Fn(u128) -> u128>(
    enc: &E,
    dir: Direction,
    dom: &Domain,
    pre: &Prefix,
    mut a: u128,
    mut b: u128,
) -> (u128, u128) {
    for k in 0..10u8 {
        let i = match dir {
            Direction::Encrypt => k,
            Direction::Decrypt => 9 - k,
        };
        let (m, wrap) = if i % 2 == 0 {
            (dom.mod_u, dom.wrap_u)
        } else {
            (dom.mod_v, dom.wrap_v)
        };
        match dir {
            Direction::Encrypt => {
                let y = round_value(enc, dom, pre, i, b, m, wrap);
                let c = add_mod(a, y, m);
                a = b;
                b = c;
            }
            Direction::Decrypt => {
                let y = round_value(enc, dom, pre, i, a, m, wrap);
                let c = sub_mod(b, y, m);
                b = a;
                a = c;
            }
        }
    }
    (a, b)
}

/// y mod radix^m, where y = NUM(S) and S the first d bytes of the PRF output
/// extended as in NIST steps 6ii–6iv.
fn round_value<E: Fn(u128) -> u128>(
    enc: &E,
    dom: &Domain,
    pre: &Prefix,
    i: u8,
    x: u128,
    m: u128,
    wrap: u128,
) -> u128 {
    // [i]_1 ‖ NUM_b(x) at the end of the tail; x < 256^b, b ≤ 16.
    let (hi, lo) = if dom.b < 16 {
        (0, (u128::from(i) << (8 * dom.b)) | x)
    } else {
        (u128::from(i), x)
    };
    let r = if pre.two {
        let first = enc(pre.state ^ pre.tail.0 ^ hi);
        enc(first ^ pre.tail.1 ^ lo)
    } else {
        enc(pre.state ^ pre.tail.1 ^ lo)
    };
    if dom.d <= 16 {
        let y = r >> (8 * (16 - dom.d));
        return match (u64::try_from(y), u64::try_from(m)) {
            (Ok(y), Ok(m)) => u128::from(y % m),
            _ => y % m,
        };
    }
    // d = 20: S = R ‖ first 4 bytes of E(R ⊕ [1]_16); y has 160 bits.
    let s2 = enc(r ^ 1);
    let hi = (r >> 96) as u32;
    let lo = (r << 32) | (s2 >> 96);
    add_mod(mul_mod_u32(hi, wrap, m), lo % m, m)
}

/// (a + b) mod m for a, b < m.
fn add_mod(a: u128, b: u128, m: u128) -> u128 {
    let (s, carry) = a.overflowing_add(b);
    if carry || s >= m {
        s.wrapping_sub(m)
    } else {
        s
    }
}

/// (a − b) mod m for a, b < m.
fn sub_mod(a: u128, b: u128, m: u128) -> u128 {
    if a >= b { a - b } else { a + (m - b) }
}

/// (k · r) mod m for r < m, by doubling and adding.
fn mul_mod_u32(k: u32, r: u128, m: u128) -> u128 {
    let mut acc = 0u128;
    for bit in (0..32).rev() {
        acc = add_mod(acc, acc, m);
        if (k >> bit) & 1 == 1 {
            acc = add_mod(acc, r, m);
        }
    }
    acc
}

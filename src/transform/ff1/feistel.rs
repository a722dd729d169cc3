//! The inside of one FF1 call: the CBC-MAC prefix, the ten Feistel rounds and the
//! modular arithmetic on `u128` halves, run by the block cipher's backend so that
//! every AES block of the call shares one backend session.

use aes::cipher::consts::U16;
use aes::cipher::{Array, BlockCipherEncBackend, BlockCipherEncClosure, BlockSizeUser, InOut};

use super::{Direction, Domain};

/// The CBC-MAC state after `P ‖ T ‖ 0^pad` minus its last partial block, which waits
/// in `tail` for the round number and `NUM(B)`.
struct Prefix {
    state: [u8; 16],
    tail: [u8; 32],
    tail_start: usize,
    tail_len: usize,
}

/// One FF1 call, run by the block cipher's backend (see the module comment).
pub(super) struct Job<'a> {
    pub(super) dir: Direction,
    pub(super) dom: &'a Domain,
    pub(super) tweak: &'a [u8],
    /// Cycle-walk until the value (A·radix^v + B) is below this.
    pub(super) bound: Option<u128>,
    /// In: the halves (A, B) of the input; out: those of the output.
    pub(super) halves: &'a mut (u128, u128),
}

impl BlockSizeUser for Job<'_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for Job<'_> {
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let enc = |block: &mut [u8; 16]| {
            let block: &mut Array<u8, U16> = block.into();
            backend.encrypt_block(InOut::from(block));
        };
        let pre = prefix(&enc, self.dom, self.tweak);
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

/// CBC-MAC over the constant part of the PRF input (NIST steps 5 and 6i).
fn prefix<E: Fn(&mut [u8; 16])>(enc: &E, dom: &Domain, tweak: &[u8]) -> Prefix {
    let t = tweak.len();
    let mut state = [0u8; 16];
    state[..3].copy_from_slice(&[1, 2, 1]);
    state[3..6].copy_from_slice(&dom.radix.to_be_bytes()[1..]);
    state[6] = 10;
    state[7] = (dom.u % 256) as u8;
    state[8..12].copy_from_slice(&(dom.len as u32).to_be_bytes());
    state[12..16].copy_from_slice(&(t as u32).to_be_bytes());
    enc(&mut state);

    // Q = T ‖ 0^pad ‖ [i] ‖ NUM_b(B); `fixed` is the length of T ‖ 0^pad.
    let pad = (16 - (t + dom.b + 1) % 16) % 16;
    let fixed = t + pad;
    let byte = |j: usize| tweak.get(j).copied().unwrap_or(0);
    let full = fixed / 16;
    for k in 0..full {
        for (j, s) in state.iter_mut().enumerate() {
            *s ^= byte(16 * k + j);
        }
        enc(&mut state);
    }
    let mut tail = [0u8; 32];
    let tail_start = fixed % 16;
    for (j, slot) in tail[..tail_start].iter_mut().enumerate() {
        *slot = byte(16 * full + j);
    }
    Prefix {
        state,
        tail,
        tail_start,
        tail_len: tail_start + 1 + dom.b,
    }
}

/// The ten Feistel rounds on the halves `a` (u numerals) and `b` (v numerals).
fn rounds<E: Fn(&mut [u8; 16])>(
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
fn round_value<E: Fn(&mut [u8; 16])>(
    enc: &E,
    dom: &Domain,
    pre: &Prefix,
    i: u8,
    x: u128,
    m: u128,
    wrap: u128,
) -> u128 {
    let mut tail = pre.tail;
    tail[pre.tail_start] = i;
    let at = pre.tail_start + 1;
    tail[at..at + dom.b].copy_from_slice(&x.to_be_bytes()[16 - dom.b..]);
    let mut r = pre.state;
    for chunk in tail[..pre.tail_len].chunks_exact(16) {
        for (s, t) in r.iter_mut().zip(chunk) {
            *s ^= t;
        }
        enc(&mut r);
    }
    if dom.d <= 16 {
        let mut be = [0u8; 16];
        be[16 - dom.d..].copy_from_slice(&r[..dom.d]);
        let y = u128::from_be_bytes(be);
        return match (u64::try_from(y), u64::try_from(m)) {
            (Ok(y), Ok(m)) => u128::from(y % m),
            _ => y % m,
        };
    }
    // d = 20: S = R ‖ first 4 bytes of E(R ⊕ [1]_16); y has 160 bits.
    let mut s2 = r;
    s2[15] ^= 1;
    enc(&mut s2);
    let hi = u32::from_be_bytes([r[0], r[1], r[2], r[3]]);
    let mut lo = [0u8; 16];
    lo[..12].copy_from_slice(&r[4..]);
    lo[12..].copy_from_slice(&s2[..4]);
    add_mod(mul_mod_u32(hi, wrap, m), u128::from_be_bytes(lo) % m, m)
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

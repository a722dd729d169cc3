//! PostgreSQL's lexical byte classes, for the two statement scanners that read text
//! byte by byte: the allowlist's lexer (`pg::sqltext::lexer`) and the gate's
//! [`shape`](super::shape). One table load per byte instead of a chain of range tests:
//! on a simple-protocol point select the tests were ~40 % of both scanners'
//! instructions (`benches/pg.md`). Only the classes are shared; each scanner keeps
//! its own rules, so a mistake in one still does not fool the other.

/// May start a bare word: ASCII letters, `_`, and any non-ASCII byte (PostgreSQL's
/// `ident_start`).
const START: u8 = 1;
/// May continue a bare word: what may start one, digits and `$` (`ident_cont`).
const PART: u8 = 2;
/// An upper-case ASCII letter or a non-ASCII byte: a word holding one is not known to
/// be in lower case already.
const FOLD: u8 = 4;
/// ASCII white space as [`u8::is_ascii_whitespace`] reads it.
const SPACE: u8 = 8;

static CLASSES: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let start = c.is_ascii_alphabetic() || c == b'_' || c >= 0x80;
        let mut class = 0;
        if start {
            class |= START | PART;
        }
        if c.is_ascii_digit() || c == b'$' {
            class |= PART;
        }
        if c.is_ascii_uppercase() || c >= 0x80 {
            class |= FOLD;
        }
        if c.is_ascii_whitespace() {
            class |= SPACE;
        }
        t[b] = class;
        b += 1;
    }
    t
}

/// Whether `b` may start a bare word.
#[inline]
pub fn starts_word(b: u8) -> bool {
    CLASSES[usize::from(b)] & START != 0
}

/// Whether `b` may continue a bare word.
#[inline]
pub fn continues_word(b: u8) -> bool {
    CLASSES[usize::from(b)] & PART != 0
}

/// Whether `b` is white space between tokens.
#[inline]
pub fn is_space(b: u8) -> bool {
    CLASSES[usize::from(b)] & SPACE != 0
}

/// The end of the bare word starting at `start` (the first byte that cannot continue
/// it), and whether the word holds an upper-case or non-ASCII byte (so that its
/// lower-case form may differ from the text).
#[inline]
pub fn word_end(bytes: &[u8], start: usize) -> (usize, bool) {
    let rest = bytes.get(start..).unwrap_or_default();
    let mut seen = 0u8;
    // The byte that ends the word is folded into `seen` too: it cannot continue a
    // word, so it is neither upper case nor non-ASCII (every FOLD byte is a PART byte).
    let len = rest
        .iter()
        .position(|&b| {
            let class = CLASSES[usize::from(b)];
            seen |= class;
            class & PART == 0
        })
        .unwrap_or(rest.len());
    (start + len, seen & FOLD != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_classed_as_postgresql_reads_them() {
        // (byte, starts a word, continues one, white space)
        for (b, start, part, space) in [
            (b'a', true, true, false),
            (b'Z', true, true, false),
            (b'_', true, true, false),
            (0x80, true, true, false),
            (0xff, true, true, false),
            (b'7', false, true, false),
            (b'$', false, true, false),
            (b' ', false, false, true),
            (b'\t', false, false, true),
            (b'\n', false, false, true),
            (b'\r', false, false, true),
            (0x0c, false, false, true),
            (b'-', false, false, false),
            (b'"', false, false, false),
            (b'\'', false, false, false),
            (b'.', false, false, false),
            (0, false, false, false),
        ] {
            assert_eq!(
                (starts_word(b), continues_word(b), is_space(b)),
                (start, part, space),
                "{b:#x}"
            );
        }
        // What `word_end` relies on: a byte that may need folding continues a word.
        for b in 0..=255u8 {
            let class = CLASSES[usize::from(b)];
            assert!(
                class & FOLD == 0 || class & PART != 0,
                "{b:#x}: FOLD without PART"
            );
        }
    }

    #[test]
    fn a_word_ends_at_the_first_byte_that_cannot_continue_it() {
        assert_eq!(word_end(b"select a", 0), (6, false));
        assert_eq!(word_end(b"x$1_b9;", 0), (6, false));
        assert_eq!(word_end(b"SELECT", 0), (6, true));
        assert_eq!(word_end("ü(".as_bytes(), 0), (2, true));
        assert_eq!(word_end(b"ab", 2), (2, false));
        assert_eq!(word_end(b"a b", 1), (1, false));
    }
}

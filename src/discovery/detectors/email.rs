//! E-mail addresses: `local@domain.tld`, the local part over letters, digits and
//! `._%+-`, the domain over dot-separated labels with an alphabetic top-level label of
//! two letters or more (so `user@localhost` and `a@b.c` are not taken).

use super::{Confidence, Detected, Hit};

/// Whether the whole value is an e-mail address.
pub(super) fn whole(text: &str) -> Option<Confidence> {
    let at = text.find('@')?;
    let span = around(text.as_bytes(), at)?;
    (span == (0, text.len())).then_some(Confidence::High)
}

/// Finds e-mail addresses inside text.
pub(super) fn find(text: &str, hits: &mut Vec<Hit>) {
    let b = text.as_bytes();
    for (at, _) in text.match_indices('@') {
        if let Some((start, end)) = around(b, at) {
            hits.push(Hit::new(Detected::Email, start, end, Confidence::High));
        }
    }
}

fn local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn domain_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-')
}

/// The span of the address whose `@` is at `at`.
fn around(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut start = at;
    while start > 0 && local_char(b[start - 1]) {
        start -= 1;
    }
    while start < at && b[start] == b'.' {
        start += 1;
    }
    let mut end = at + 1;
    while end < b.len() && domain_char(b[end]) {
        end += 1;
    }
    while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
        end -= 1;
    }
    let local = &b[start..at];
    let domain = &b[at + 1..end];
    if local.is_empty() || local.len() > 64 || !domain_valid(domain) {
        return None;
    }
    Some((start, end))
}

fn domain_valid(domain: &[u8]) -> bool {
    let labels: Vec<&[u8]> = domain.split(|&c| c == b'.').collect();
    let Some(tld) = labels.last() else {
        return false;
    };
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.len() <= 63 && l[0] != b'-')
        && tld.len() >= 2
        && tld.iter().all(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_are_whole_values() {
        assert!(whole("zhang.san_01@bank.example.cn").is_some());
        assert!(whole("abc123@example.com").is_some());
    }

    #[test]
    fn hosts_without_a_real_top_level_label_are_not_addresses() {
        assert!(whole("user@localhost").is_none());
        assert!(whole("a@b.c").is_none());
        assert!(whole("@example.com").is_none());
        assert!(whole("x@1.2.3.4").is_none());
    }
}

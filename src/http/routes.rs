//! Routes: method + path pattern (`/api/customers/{id}`) → the route's index. A path
//! that no route matches is answered 404 by tuomin itself, never by an upstream.
//!
//! Paths that an upstream might normalise differently from us (`..`, `//`, encoded
//! slashes or dots, backslashes) are refused before matching, so a route cannot be
//! reached under another route's name.

use std::fmt;

/// One segment of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// A parsed path pattern.
#[derive(Clone, PartialEq, Eq)]
pub struct RoutePattern {
    segments: Vec<Segment>,
    text: String,
}

impl fmt::Debug for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The parameters of a matched path, in pattern order: (name, raw segment).
pub type Params<'a> = Vec<(&'a str, &'a str)>;

impl RoutePattern {
    /// Parses `/api/customers/{id}`.
    pub fn parse(text: &str) -> Result<RoutePattern, String> {
        let rest = text.strip_prefix('/').ok_or("a path starts with `/`")?;
        let mut segments = Vec::new();
        for seg in rest.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let valid =
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(format!("bad parameter {{{name}}}"));
                }
                if segments
                    .iter()
                    .any(|s| matches!(s, Segment::Param(n) if n == name))
                {
                    return Err(format!("parameter {{{name}}} appears twice"));
                }
                segments.push(Segment::Param(name.to_owned()));
            } else if seg.contains(['{', '}', '?', '#', '%']) || seg == ".." || seg == "." {
                return Err(format!("segment {seg} is not a literal or a {{param}}"));
            } else {
                segments.push(Segment::Literal(seg.to_owned()));
            }
        }
        Ok(RoutePattern {
            segments,
            text: text.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn has_param(&self, name: &str) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::Param(n) if n == name))
    }

    /// The parameters when `path` matches.
    pub fn matches<'a>(&'a self, path: &'a str) -> Option<Params<'a>> {
        let rest = path.strip_prefix('/')?;
        let mut params = Vec::new();
        let mut parts = rest.split('/');
        for seg in &self.segments {
            let part = parts.next()?;
            match seg {
                Segment::Literal(l) if l == part => {}
                Segment::Literal(_) => return None,
                Segment::Param(_) if part.is_empty() => return None,
                Segment::Param(name) => params.push((name.as_str(), part)),
            }
        }
        parts.next().is_none().then_some(params)
    }

    /// The path with the raw segment of parameter `name` replaced by `value`
    /// (already percent-encoded).
    pub fn rebuild(&self, path: &str, name: &str, value: &str) -> String {
        let parts = path.trim_start_matches('/').split('/');
        let mut out = String::with_capacity(path.len() + value.len());
        for (seg, part) in self.segments.iter().zip(parts) {
            out.push('/');
            match seg {
                Segment::Param(n) if n == name => out.push_str(value),
                _ => out.push_str(part),
            }
        }
        out
    }
}

/// Why a request path is refused before routing.
pub fn unsafe_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.windows(2).any(|w| w == b"//")
        || bytes.contains(&b'\\')
        || bytes.windows(3).any(encoded_separator)
        || path.split('/').any(|s| s == ".." || s == ".")
}

/// `%2f`, `%5c`, `%2e` or `%00`, in either case.
fn encoded_separator(w: &[u8]) -> bool {
    matches!(
        (w[0], w[1], w[2].to_ascii_lowercase()),
        (b'%', b'2', b'f' | b'e') | (b'%', b'5', b'c') | (b'%', b'0', b'0')
    )
}

/// Percent-decodes a query name or value (`+` is a space there); `None` when not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    decode(text, true)
}

/// Percent-decodes a path segment (`+` is itself there); `None` when not UTF-8.
pub fn percent_decode_segment(text: &str) -> Option<String> {
    decode(text, false)
}

fn decode(text: &str, plus_is_space: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'%' => return None,
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The first version, which lower-cased a copy of the path: the reference.
    fn unsafe_path_reference(path: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        lower.contains("//")
            || lower.contains('\\')
            || lower.contains("%2f")
            || lower.contains("%5c")
            || lower.contains("%2e")
            || lower.contains("%00")
            || lower.split('/').any(|s| s == ".." || s == ".")
    }

    fn path_pieces() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "/", ".", "..", "%", "2", "5", "0", "f", "E", "c", "a", "\\", "é", "%2f", "%2E", "%5C",
            "%00", "%2", "%0",
        ]);
        prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn unsafe_path_agrees_with_its_reference(path in path_pieces()) {
            prop_assert_eq!(unsafe_path(&path), unsafe_path_reference(&path));
        }
    }

    #[test]
    fn pattern_captures_its_parameters() {
        let p = RoutePattern::parse("/api/customers/{id}/cards").unwrap();
        assert_eq!(
            p.matches("/api/customers/42/cards"),
            Some(vec![("id", "42")])
        );
        assert_eq!(p.matches("/api/customers/42"), None);
        assert_eq!(p.matches("/api/customers//cards"), None);
        assert_eq!(p.matches("/api/customers/42/cards/x"), None);
    }

    #[test]
    fn rebuild_replaces_only_the_named_segment() {
        let p = RoutePattern::parse("/api/cards/{card_no}").unwrap();
        assert_eq!(
            p.rebuild("/api/cards/123", "card_no", "999"),
            "/api/cards/999"
        );
    }

    #[test]
    fn traversal_and_encoded_separators_are_unsafe() {
        for bad in [
            "/api/../admin",
            "/api/%2e%2e/x",
            "/api/a%2Fb",
            "/api//x",
            "/a\\b",
        ] {
            assert!(unsafe_path(bad), "{bad}");
        }
        assert!(!unsafe_path("/api/customers/1"));
    }

    #[test]
    fn percent_coding_round_trips() {
        let s = "a b/ç%";
        assert_eq!(percent_decode(&percent_encode(s)).as_deref(), Some(s));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("a+b").as_deref(), Some("a b"));
        assert_eq!(percent_decode_segment("a+b").as_deref(), Some("a+b"));
    }
}

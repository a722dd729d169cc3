//! The streaming masker: one pass over the body's bytes, copying what passes as it
//! came (key order, number text, escapes) and re-encoding only the values a rule
//! changes. No tree is built and no key is copied, which is what keeps the gateway
//! near proxy speed. The syntax is checked as strictly as a parser would (fail closed:
//! malformed input is refused, never half-copied).
//!
//! The tree masker in [`super::json`] is its reference: same rules, same refusals, the
//! same output up to insignificant whitespace (a property test holds them together).

use std::borrow::Cow;

use super::json::{MaskError, Report, apply_text, note, transformed};
use super::jsonpath::{Elem, display};
use super::plan::{MaskPlan, Rule};
use crate::config::http::C3Mode;
use crate::policy::Decision;

const MAX_DEPTH: usize = 128;

/// Masks one JSON document; the masked bytes, and the report updated.
pub fn mask(plan: &MaskPlan, src: &[u8], report: &mut Report) -> Result<Vec<u8>, MaskError> {
    let mut s = Stream {
        plan,
        src,
        pos: 0,
        out: Vec::with_capacity(src.len() + 64),
        path: Vec::new(),
        report,
        records: None,
        root_object: false,
    };
    s.ws();
    s.root_object = s.peek() == Some(b'{');
    if s.peek() == Some(b'n') {
        s.records = Some(0);
    }
    s.value(None, None)?;
    s.ws();
    if s.pos != src.len() {
        return Err(s.malformed("trailing characters after the document"));
    }
    let records = s.records.unwrap_or(1);
    s.report.records += records;
    Ok(s.out)
}

struct Stream<'p, 'a, 'r> {
    plan: &'p MaskPlan,
    src: &'a [u8],
    pos: usize,
    out: Vec<u8>,
    path: Vec<Elem<'a>>,
    report: &'r mut Report,
    /// Records in the response (see `json::count_records`), once known.
    records: Option<u64>,
    root_object: bool,
}

impl<'p, 'a> Stream<'p, 'a, '_> {
    fn malformed(&self, what: &str) -> MaskError {
        MaskError::Malformed(format!("{what} at byte {}", self.pos))
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), MaskError> {
        self.ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.malformed(&format!("expected `{}`", byte as char)))
        }
    }

    /// One value at the current path, under `rule` (its own or inherited).
    fn value(&mut self, rule: Option<&'p Rule>, key: Option<&str>) -> Result<(), MaskError> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(rule),
            Some(b'[') => self.array(rule, key),
            Some(b'"') => {
                let raw = self.string()?;
                self.leaf(rule, raw, Kind::String)
            }
            Some(b'-' | b'0'..=b'9') => {
                let raw = self.number()?;
                self.leaf(rule, raw, Kind::Number)
            }
            Some(b't' | b'f') => {
                let raw = self.literal()?;
                self.leaf(rule, raw, Kind::Bool)
            }
            Some(b'n') => {
                let raw = self.literal()?;
                self.out.extend_from_slice(raw);
                Ok(())
            }
            _ => Err(self.malformed("expected a value")),
        }
    }

    fn enter(&mut self) -> Result<(), MaskError> {
        if self.path.len() >= MAX_DEPTH {
            return Err(self.malformed("nesting deeper than 128 levels"));
        }
        self.pos += 1;
        Ok(())
    }

    fn object(&mut self, inherited: Option<&'p Rule>) -> Result<(), MaskError> {
        self.enter()?;
        self.out.push(b'{');
        let mut emitted = false;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.out.push(b'}');
            return Ok(());
        }
        loop {
            self.ws();
            let raw_key = self.string()?;
            let key = decode_key(raw_key).ok_or_else(|| self.malformed("bad key"))?;
            self.expect(b':')?;
            self.path.push(Elem::Key(key));
            let key_str = match self.path.last() {
                Some(Elem::Key(k)) => k.clone(),
                _ => Cow::Borrowed(""),
            };
            let own = self.plan.rule_at(&self.path, Some(&key_str)).map(|r| &**r);
            if self.refused(own)? {
                self.skip()?;
            } else {
                if emitted {
                    self.out.push(b',');
                }
                emitted = true;
                self.out.extend_from_slice(raw_key);
                self.out.push(b':');
                self.value(own.or(inherited), Some(&key_str))?;
            }
            self.path.pop();
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.out.push(b'}');
                    return Ok(());
                }
                _ => return Err(self.malformed("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, inherited: Option<&'p Rule>, key: Option<&str>) -> Result<(), MaskError> {
        self.enter()?;
        self.out.push(b'[');
        let depth = self.path.len();
        let mut emitted = false;
        let mut count = 0u64;
        let mut returned = 0u64;
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.path.push(Elem::Index(count as usize));
                let own = self.plan.rule_at(&self.path, key).map(|r| &**r);
                if self.refused(own)? {
                    self.skip()?;
                } else {
                    if emitted {
                        self.out.push(b',');
                    }
                    emitted = true;
                    self.value(own.or(inherited), key)?;
                    returned += 1;
                }
                self.path.pop();
                count += 1;
                self.ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.malformed("expected `,` or `]`")),
                }
            }
        }
        self.out.push(b']');
        // `count_records`: a top-level array, or the first array member of a top-level
        // object.
        let counts = depth == 0 || (depth == 1 && self.root_object);
        if counts && self.records.is_none() {
            self.records = Some(returned);
        }
        Ok(())
    }

    /// Whether the node whose own rule is `own` is removed (`Ok(true)`), kept
    /// (`Ok(false)`), or refuses the response.
    fn refused(&mut self, own: Option<&'p Rule>) -> Result<bool, MaskError> {
        let Some(
            rule @ Rule {
                decision: Decision::Refuse(refusal),
                ..
            },
        ) = own
        else {
            return Ok(false);
        };
        if rule.never_leaves() && self.plan.c3 == C3Mode::Remove {
            note(self.report, rule, "removed");
            return Ok(true);
        }
        Err(MaskError::Refused {
            path: display(&self.path),
            rule: refusal.origin.to_string(),
            message: refusal.message.clone(),
        })
    }

    fn leaf(&mut self, rule: Option<&'p Rule>, raw: &'a [u8], kind: Kind) -> Result<(), MaskError> {
        let rule = rule.unwrap_or(&self.plan.unclassified);
        let transform = match &rule.decision {
            Decision::Pass { .. } => {
                note(self.report, rule, "pass");
                self.out.extend_from_slice(raw);
                return Ok(());
            }
            Decision::Refuse(refusal) => {
                return Err(MaskError::Refused {
                    path: display(&self.path),
                    rule: refusal.origin.to_string(),
                    message: refusal.message.clone(),
                });
            }
            Decision::Transform { transform, .. } => transform,
        };
        let text: Cow<'_, str> = match kind {
            Kind::String => decode_string(raw).ok_or_else(|| self.malformed("bad string"))?,
            Kind::Number | Kind::Bool => {
                Cow::Borrowed(std::str::from_utf8(raw).map_err(|_| self.malformed("bad token"))?)
            }
        };
        let output = apply_text(transform.as_ref(), &text, None, &self.path, rule)?;
        match output {
            None => self.out.extend_from_slice(b"null"),
            Some(out) if kind == Kind::String => write_string(&mut self.out, &out),
            Some(out) if is_number(out.as_bytes()) || out == "true" || out == "false" => {
                self.out.extend_from_slice(out.as_bytes())
            }
            Some(out) => write_string(&mut self.out, &out),
        }
        transformed(self.report, rule, transform.name());
        Ok(())
    }

    /// Skips one value, checking its syntax, writing nothing.
    fn skip(&mut self) -> Result<(), MaskError> {
        self.ws();
        match self.peek() {
            Some(open @ (b'{' | b'[')) => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.enter()?;
                self.path.push(Elem::Index(0));
                self.ws();
                if self.peek() == Some(close) {
                    self.pos += 1;
                    self.path.pop();
                    return Ok(());
                }
                loop {
                    if open == b'{' {
                        self.ws();
                        self.string()?;
                        self.expect(b':')?;
                    }
                    self.skip()?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(c) if c == close => {
                            self.pos += 1;
                            self.path.pop();
                            return Ok(());
                        }
                        _ => return Err(self.malformed("expected `,` or a closing bracket")),
                    }
                }
            }
            Some(b'"') => self.string().map(drop),
            Some(b'-' | b'0'..=b'9') => self.number().map(drop),
            Some(b't' | b'f' | b'n') => self.literal().map(drop),
            _ => Err(self.malformed("expected a value")),
        }
    }

    /// A string token, quotes included.
    fn string(&mut self) -> Result<&'a [u8], MaskError> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.malformed("expected a string"));
        }
        self.pos += 1;
        loop {
            match self.peek() {
                None => return Err(self.malformed("unterminated string")),
                Some(b'"') => break,
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                        Some(b'u') => {
                            let hex = self.src.get(self.pos + 1..self.pos + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(self.malformed("bad \\u escape"));
                            }
                            self.pos += 4;
                        }
                        _ => return Err(self.malformed("bad escape")),
                    }
                }
                Some(0..=0x1f) => return Err(self.malformed("control character in a string")),
                Some(_) => {}
            }
            self.pos += 1;
        }
        self.pos += 1;
        let raw = &self.src[start..self.pos];
        std::str::from_utf8(raw).map_err(|_| self.malformed("invalid UTF-8"))?;
        Ok(raw)
    }

    fn number(&mut self) -> Result<&'a [u8], MaskError> {
        let start = self.pos;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        let raw = &self.src[start..self.pos];
        if is_number(raw) {
            Ok(raw)
        } else {
            Err(self.malformed("bad number"))
        }
    }

    fn literal(&mut self) -> Result<&'a [u8], MaskError> {
        for word in [&b"true"[..], b"false", b"null"] {
            if self.src[self.pos..].starts_with(word) {
                self.pos += word.len();
                return Ok(word);
            }
        }
        Err(self.malformed("expected true, false or null"))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Number,
    Bool,
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
pub fn is_number(s: &[u8]) -> bool {
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while s.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if s.get(i) == Some(&b'-') {
        i += 1;
    }
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if let Some(b'e' | b'E') = s.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = s.get(i) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == s.len()
}

fn decode_key(raw: &[u8]) -> Option<Cow<'_, str>> {
    decode_string(raw)
}

/// The text of a string token (quotes included); borrowed unless it has escapes.
fn decode_string(raw: &[u8]) -> Option<Cow<'_, str>> {
    let inner = raw.get(1..raw.len().checked_sub(1)?)?;
    if !inner.contains(&b'\\') {
        return std::str::from_utf8(inner).ok().map(Cow::Borrowed);
    }
    serde_json::from_slice::<String>(raw).ok().map(Cow::Owned)
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    // Writing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_number_grammar_is_exact() {
        for ok in [
            "0",
            "-0",
            "12",
            "1.5",
            "1e5",
            "1E+5",
            "-1.25e-3",
            "123456789012345678901234567890",
        ] {
            assert!(is_number(ok.as_bytes()), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "+1", "1..2", "1-2", "0x10"] {
            assert!(!is_number(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn keys_with_escapes_are_decoded() {
        assert_eq!(decode_string(br#""a\u0062c""#).as_deref(), Some("abc"));
        assert_eq!(decode_string(br#""plain""#).as_deref(), Some("plain"));
    }
}

//! The streaming masker: one pass over the body's bytes, copying what passes as it
//! came (key order, number text, escapes) and re-encoding only the values a rule
//! changes. No tree is built and no key is copied, which is what keeps the gateway
//! near proxy speed. The syntax is checked as strictly as a parser would (fail closed:
//! malformed input is refused, never half-copied).
//!
//! What passes is copied in spans: the bytes from `mark` up to the current position
//! are owed to the output, and are written out only when something breaks the span —
//! whitespace (which is dropped), a value a rule changes, a member that is removed. A
//! compact document with five masked fields is copied in about six pieces.
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

/// Bytes that end the plain run of a string: the quote, the backslash, controls.
static STRING_STOPS: [bool; 256] = string_stops();

const fn string_stops() -> [bool; 256] {
    let mut stops = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        stops[b] = true;
        b += 1;
    }
    stops[b'"' as usize] = true;
    stops[b'\\' as usize] = true;
    stops
}

/// Masks one JSON document; the masked bytes, and the report updated.
pub fn mask(plan: &MaskPlan, src: &[u8], report: &mut Report) -> Result<Vec<u8>, MaskError> {
    // One UTF-8 check of the whole body: outside strings only ASCII is accepted, so
    // this is every string checked, and keys are then slices of `text`.
    let text = std::str::from_utf8(src)
        .map_err(|e| MaskError::Malformed(format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
    report.expect_rules(plan.rule_count());
    let mut s = Stream {
        plan,
        text,
        src,
        pos: 0,
        mark: 0,
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
    s.flush_to(s.pos);
    let records = s.records.unwrap_or(1);
    s.report.records += records;
    Ok(s.out)
}

struct Stream<'p, 'a, 'r> {
    plan: &'p MaskPlan,
    /// The body, checked UTF-8; `src` is its bytes.
    text: &'a str,
    src: &'a [u8],
    pos: usize,
    /// Start of the bytes owed to `out` (everything from here to `pos` passes as is).
    mark: usize,
    out: Vec<u8>,
    path: Vec<Elem<'a>>,
    report: &'r mut Report,
    /// Records in the response (see `json::count_records`), once known.
    records: Option<u64>,
    root_object: bool,
}

/// A string token: its bytes, quotes included, and whether it holds escapes.
#[derive(Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    escaped: bool,
}

impl<'p, 'a> Stream<'p, 'a, '_> {
    fn malformed(&self, what: &str) -> MaskError {
        MaskError::Malformed(format!("{what} at byte {}", self.pos))
    }

    /// Writes the bytes owed up to `end`.
    fn flush_to(&mut self, end: usize) {
        if let Some(span) = self.src.get(self.mark..end) {
            self.out.extend_from_slice(span);
        }
        self.mark = end;
    }

    /// Skips whitespace, dropping it from the output.
    fn ws(&mut self) {
        let start = self.pos;
        self.skip_ws();
        if self.pos > start {
            self.flush_to(start);
            self.mark = self.pos;
        }
    }

    /// Skips whitespace inside a value that is not copied.
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), MaskError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.malformed(&format!("expected `{}`", byte as char)))
        }
    }

    /// One value at the current path, under `rule` (its own or inherited); `key_rule`
    /// is the key-name rule of its key, which also applies to an array's elements.
    fn value(
        &mut self,
        rule: Option<&'p Rule>,
        key_rule: Option<&'p Rule>,
    ) -> Result<(), MaskError> {
        self.ws();
        let start = self.pos;
        match self.peek() {
            Some(b'{') => self.object(rule),
            Some(b'[') => self.array(rule, key_rule),
            Some(b'"') => {
                let token = self.string()?;
                self.leaf(rule, start, Kind::String(token.escaped))
            }
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                self.leaf(rule, start, Kind::Number)
            }
            Some(b't' | b'f') => {
                self.literal()?;
                self.leaf(rule, start, Kind::Bool)
            }
            Some(b'n') => self.literal(),
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
        let mut emitted = false;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            let member = self.pos;
            let token = self.string()?;
            let key = self.key(token)?;
            let key_rule = self.plan.key_rule(&key);
            // `:` is checked before the member may be removed, as a parser would.
            self.skip_ws();
            self.expect(b':')?;
            self.path.push(Elem::Key(key));
            let own = self.plan.rule_with(&self.path, key_rule);
            if self.refused(own)? {
                self.remove(member, emitted)?;
            } else {
                emitted = true;
                // Whitespace around `:` is dropped like any other.
                self.flush_gap(token.end);
                self.value(own.or(inherited), key_rule)?;
            }
            self.path.pop();
            self.ws();
            match self.peek() {
                Some(b',') => self.separator(emitted),
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.malformed("expected `,` or `}`")),
            }
        }
    }

    fn array(
        &mut self,
        inherited: Option<&'p Rule>,
        key_rule: Option<&'p Rule>,
    ) -> Result<(), MaskError> {
        self.enter()?;
        let depth = self.path.len();
        let mut emitted = false;
        let mut count = 0u64;
        let mut returned = 0u64;
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                let element = self.pos;
                self.path.push(Elem::Index(count as usize));
                let own = self.plan.rule_with(&self.path, key_rule);
                if self.refused(own)? {
                    self.remove(element, emitted)?;
                } else {
                    emitted = true;
                    self.value(own.or(inherited), key_rule)?;
                    returned += 1;
                }
                self.path.pop();
                count += 1;
                self.ws();
                match self.peek() {
                    Some(b',') => self.separator(emitted),
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.malformed("expected `,` or `]`")),
                }
            }
        }
        // `count_records`: a top-level array, or the first array member of a top-level
        // object.
        let counts = depth == 0 || (depth == 1 && self.root_object);
        if counts && self.records.is_none() {
            self.records = Some(returned);
        }
        Ok(())
    }

    /// Passes a `,`: kept when a member or element was written before it, else
    /// dropped (what came before was removed).
    fn separator(&mut self, emitted: bool) {
        if !emitted {
            self.flush_to(self.pos);
            self.mark = self.pos + 1;
        }
        self.pos += 1;
    }

    /// A member (from its key) or element starting at `start` is removed: nothing of
    /// it is written, nor the `,` that would have preceded it.
    fn remove(&mut self, start: usize, emitted: bool) -> Result<(), MaskError> {
        self.flush_to(start);
        if emitted && self.out.last() == Some(&b',') {
            self.out.pop();
        }
        self.skip()?;
        self.mark = self.pos;
        Ok(())
    }

    /// Writes a member's key and `:` when whitespace was dropped between them.
    fn flush_gap(&mut self, key_end: usize) {
        if self.pos == key_end + 1 {
            return;
        }
        self.flush_to(key_end);
        self.out.push(b':');
        self.mark = self.pos;
    }

    /// The text of a key: a slice of the body, or decoded when it has escapes.
    fn key(&self, token: Token) -> Result<Cow<'a, str>, MaskError> {
        let decoded = if token.escaped {
            self.src
                .get(token.start..token.end)
                .and_then(decode_escaped)
                .map(Cow::Owned)
        } else {
            self.text
                .get(token.start + 1..token.end - 1)
                .map(Cow::Borrowed)
        };
        decoded.ok_or_else(|| self.malformed("bad key"))
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
            note(self.report, rule);
            return Ok(true);
        }
        Err(MaskError::Refused {
            path: display(&self.path),
            rule: refusal.origin.to_string(),
            message: refusal.message.clone(),
        })
    }

    /// A scalar from `start` to the current position, under `rule`.
    fn leaf(&mut self, rule: Option<&'p Rule>, start: usize, kind: Kind) -> Result<(), MaskError> {
        let rule = rule.unwrap_or(&self.plan.unclassified);
        let transform = match &rule.decision {
            Decision::Pass { .. } => {
                note(self.report, rule);
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
        let end = self.pos;
        let text: Option<Cow<'_, str>> = match kind {
            Kind::String(false) => self.text.get(start + 1..end - 1).map(Cow::Borrowed),
            Kind::String(true) => self
                .src
                .get(start..end)
                .and_then(decode_escaped)
                .map(Cow::Owned),
            Kind::Number | Kind::Bool => self.text.get(start..end).map(Cow::Borrowed),
        };
        let text = text.ok_or_else(|| self.malformed("bad string"))?;
        let output = apply_text(transform.as_ref(), &text, None, &self.path, rule)?;
        self.flush_to(start);
        match output {
            None => self.out.extend_from_slice(b"null"),
            Some(out) if matches!(kind, Kind::String(_)) => write_string(&mut self.out, &out),
            Some(out) if is_number(out.as_bytes()) || out == "true" || out == "false" => {
                self.out.extend_from_slice(out.as_bytes())
            }
            Some(out) => write_string(&mut self.out, &out),
        }
        self.mark = end;
        transformed(self.report, rule, transform.name());
        Ok(())
    }

    /// Skips one value, checking its syntax, writing nothing.
    fn skip(&mut self) -> Result<(), MaskError> {
        self.skip_ws();
        match self.peek() {
            Some(open @ (b'{' | b'[')) => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.enter()?;
                self.path.push(Elem::Index(0));
                self.skip_ws();
                if self.peek() == Some(close) {
                    self.pos += 1;
                    self.path.pop();
                    return Ok(());
                }
                loop {
                    if open == b'{' {
                        self.skip_ws();
                        self.string()?;
                        self.skip_ws();
                        self.expect(b':')?;
                    }
                    self.skip()?;
                    self.skip_ws();
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
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't' | b'f' | b'n') => self.literal(),
            _ => Err(self.malformed("expected a value")),
        }
    }

    /// A string token, quotes included.
    fn string(&mut self) -> Result<Token, MaskError> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.malformed("expected a string"));
        }
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            while let Some(&b) = self.src.get(i) {
                if STRING_STOPS[usize::from(b)] {
                    break;
                }
                i += 1;
            }
            match self.src.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    match self.src.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                        Some(b'u') => {
                            let hex = self.src.get(i + 2..i + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                self.pos = i + 1;
                                return Err(self.malformed("bad \\u escape"));
                            }
                            i += 6;
                        }
                        _ => {
                            self.pos = i + 1;
                            return Err(self.malformed("bad escape"));
                        }
                    }
                }
                Some(_) => {
                    self.pos = i;
                    return Err(self.malformed("control character in a string"));
                }
                None => {
                    self.pos = i;
                    return Err(self.malformed("unterminated string"));
                }
            }
        }
        self.pos = i + 1;
        Ok(Token {
            start,
            end: self.pos,
            escaped,
        })
    }

    fn number(&mut self) -> Result<(), MaskError> {
        let start = self.pos;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        if is_number(&self.src[start..self.pos]) {
            Ok(())
        } else {
            Err(self.malformed("bad number"))
        }
    }

    fn literal(&mut self) -> Result<(), MaskError> {
        for word in [&b"true"[..], b"false", b"null"] {
            if self.src[self.pos..].starts_with(word) {
                self.pos += word.len();
                return Ok(());
            }
        }
        Err(self.malformed("expected true, false or null"))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A string; `true` when it holds escapes.
    String(bool),
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

/// The text of a string token (quotes included) that holds escapes.
fn decode_escaped(raw: &[u8]) -> Option<String> {
    serde_json::from_slice::<String>(raw).ok()
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
        assert_eq!(decode_escaped(br#""a\u0062c""#).as_deref(), Some("abc"));
        assert_eq!(decode_escaped(br#""\ud800""#), None);
    }
}

//! The subset of JSONPath the policy accepts for field rules and body lookups, and
//! matching a concrete location in a document against it.
//!
//! Accepted: `$`, `.key`, `['key']` / `["key"]`, `[N]`, `[*]`, `.*`, and `..key`
//! (the key at any depth). Anything else (filters, slices, unions, `..*`) is refused
//! at load: a rule the gateway cannot apply exactly must not load (fail closed).

use std::borrow::Cow;
use std::fmt;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
    /// `[*]`: any array element.
    AnyIndex,
    /// `.*`: any object member.
    AnyKey,
    /// `..key`: the key at any depth below.
    Descend(String),
}

/// A parsed path.
#[derive(Clone, PartialEq, Eq)]
pub struct JsonPath {
    steps: Vec<Step>,
    text: String,
}

impl fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One element of a concrete location in a document (keys borrowed where they can be).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    Key(Cow<'a, str>),
    Index(usize),
}

impl JsonPath {
    /// Parses `text`; the error says what is not supported.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let rest = text
            .strip_prefix('$')
            .ok_or("a JSON path starts with `$`")?;
        let mut steps = Vec::new();
        let mut rest = rest;
        while !rest.is_empty() {
            let (step, tail) = next_step(rest)?;
            steps.push(step);
            rest = tail;
        }
        Ok(JsonPath {
            steps,
            text: text.to_owned(),
        })
    }

    /// The path as written in the policy.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// True when the path names one place (no wildcard, no descent).
    pub fn is_concrete(&self) -> bool {
        self.steps
            .iter()
            .all(|s| matches!(s, Step::Key(_) | Step::Index(_)))
    }

    /// Whether the concrete location `path` is one this path names.
    pub fn matches(&self, path: &[Elem<'_>]) -> bool {
        matches_steps(&self.steps, path)
    }
}

fn matches_steps(steps: &[Step], path: &[Elem<'_>]) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        return path.is_empty();
    };
    if let Step::Descend(key) = step {
        return (0..path.len()).any(|j| {
            matches!(&path[j], Elem::Key(k) if k.as_ref() == key.as_str())
                && matches_steps(rest, &path[j + 1..])
        });
    }
    let Some((elem, tail)) = path.split_first() else {
        return false;
    };
    let here = match (step, elem) {
        (Step::Key(k), Elem::Key(e)) => k.as_str() == e.as_ref(),
        (Step::Index(i), Elem::Index(e)) => i == e,
        (Step::AnyIndex, Elem::Index(_)) | (Step::AnyKey, Elem::Key(_)) => true,
        _ => false,
    };
    here && matches_steps(rest, tail)
}

const UNSUPPORTED: &str =
    "unsupported JSON path syntax (supported: .key, ['key'], [N], [*], .*, ..key)";

fn next_step(rest: &str) -> Result<(Step, &str), String> {
    if let Some(tail) = rest.strip_prefix("..") {
        let (name, tail) = ident(tail)?;
        if name == "*" {
            return Err(format!("`..*` is not supported; {UNSUPPORTED}"));
        }
        return Ok((Step::Descend(name), tail));
    }
    if let Some(tail) = rest.strip_prefix('.') {
        let (name, tail) = ident(tail)?;
        let step = if name == "*" {
            Step::AnyKey
        } else {
            Step::Key(name)
        };
        return Ok((step, tail));
    }
    if let Some(tail) = rest.strip_prefix('[') {
        let end = tail.find(']').ok_or("unclosed `[`")?;
        let inner = &tail[..end];
        let after = &tail[end + 1..];
        return bracket(inner).map(|s| (s, after));
    }
    Err(UNSUPPORTED.to_owned())
}

fn ident(text: &str) -> Result<(String, &str), String> {
    if let Some(tail) = text.strip_prefix('*') {
        return Ok(("*".into(), tail));
    }
    let end = text.find(['.', '[']).unwrap_or(text.len());
    let name = &text[..end];
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '$');
    if !valid {
        return Err(UNSUPPORTED.to_owned());
    }
    Ok((name.to_owned(), &text[end..]))
}

fn bracket(inner: &str) -> Result<Step, String> {
    if inner == "*" {
        return Ok(Step::AnyIndex);
    }
    if let Ok(i) = inner.parse::<usize>() {
        return Ok(Step::Index(i));
    }
    let quoted = inner
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
    match quoted {
        Some(key) if !key.contains(['\'', '"', '\\']) => Ok(Step::Key(key.to_owned())),
        _ => Err(UNSUPPORTED.to_owned()),
    }
}

/// Writes a concrete location the way the policy writes paths: `$.data[0].cvv`.
pub fn display(path: &[Elem<'_>]) -> String {
    let mut out = String::from("$");
    for elem in path {
        match elem {
            Elem::Key(k) if k.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                out.push('.');
                out.push_str(k);
            }
            Elem::Key(k) => {
                out.push_str("['");
                out.push_str(&k.replace('\'', "\\'"));
                out.push_str("']");
            }
            Elem::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Elem<'_> {
        Elem::Key(s.into())
    }

    #[test]
    fn wildcard_index_matches_every_element() {
        let p = JsonPath::parse("$.data[*].card_no").unwrap();
        assert!(p.matches(&[k("data"), Elem::Index(3), k("card_no")]));
        assert!(!p.matches(&[k("data"), k("x"), k("card_no")]));
        assert!(!p.matches(&[k("data"), Elem::Index(3)]));
    }

    #[test]
    fn descent_matches_the_key_at_any_depth() {
        let p = JsonPath::parse("$..id_number").unwrap();
        assert!(p.matches(&[k("id_number")]));
        assert!(p.matches(&[k("a"), Elem::Index(0), k("b"), k("id_number")]));
        assert!(!p.matches(&[k("id_number"), k("x")]));
    }

    #[test]
    fn quoted_keys_and_indexes_parse() {
        let p = JsonPath::parse("$['a b'][2].c").unwrap();
        assert!(p.matches(&[k("a b"), Elem::Index(2), k("c")]));
        assert!(p.is_concrete());
    }

    #[test]
    fn filters_slices_and_unions_are_refused() {
        for bad in [
            "$.a[?(@.x)]",
            "$.a[0:2]",
            "$.a[0,1]",
            "$..*",
            "data.x",
            "$.a b",
            "$.",
        ] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_writes_paths_the_policy_way() {
        assert_eq!(
            display(&[k("data"), Elem::Index(0), k("cvv")]),
            "$.data[0].cvv"
        );
        assert_eq!(display(&[k("a b")]), "$['a b']");
    }
}

//! Masked-value lookup on requests: a pseudonym the consumer received comes back in a
//! path segment, a query parameter or a JSON body field declared by the route, and is
//! replaced by the real value before the request goes upstream — when the consumer's
//! transform for that field is reversible. Anything else is answered 400 (403 when the
//! field is refused to the consumer), and nothing is forwarded.

use bytes::Bytes;
use serde_json::Value;

use super::error::GatewayError;
use super::json::MaskError;
use super::jsonpath::{Elem, Step};
use super::routes::{Params, percent_decode, percent_decode_segment, percent_encode};
use crate::config::http::{Lookup, LookupAt, RouteConfig};
use crate::policy::{Decision, Policy};
use crate::transform::{Context, TransformError};

/// The request's path, query and body after lookups.
pub struct Rewritten {
    pub path: String,
    pub query: Option<String>,
    pub body: Bytes,
}

/// Applies every lookup of `route` for `consumer`.
pub fn rewrite(
    policy: &Policy,
    consumer: &str,
    route: &RouteConfig,
    params: &Params<'_>,
    path: &str,
    query: Option<&str>,
    body: Bytes,
) -> Result<Rewritten, GatewayError> {
    let mut out = Rewritten {
        path: path.to_owned(),
        query: query.map(str::to_owned),
        body,
    };
    for lookup in &route.lookups {
        match &lookup.at {
            LookupAt::Segment(name) => {
                let Some((_, raw)) = params.iter().find(|(n, _)| n == name) else {
                    continue;
                };
                let value = percent_decode_segment(raw)
                    .ok_or_else(|| bad(format!("path segment {{{name}}} is not valid UTF-8")))?;
                let real = reverse(
                    policy,
                    consumer,
                    lookup,
                    &value,
                    &format!("segment {{{name}}}"),
                )?;
                out.path = route
                    .pattern
                    .rebuild(&out.path, name, &percent_encode(&real));
            }
            LookupAt::Query(name) => {
                if let Some(q) = &out.query {
                    out.query = Some(rewrite_query(policy, consumer, lookup, q, name)?);
                }
            }
            LookupAt::Body(path) => {
                out.body = rewrite_body(policy, consumer, lookup, &out.body, path.steps())?;
            }
        }
    }
    Ok(out)
}

fn bad(message: String) -> GatewayError {
    GatewayError::BadLookup(message)
}

fn reverse(
    policy: &Policy,
    consumer: &str,
    lookup: &Lookup,
    value: &str,
    place: &str,
) -> Result<String, GatewayError> {
    let source = format!("{}.{}", lookup.table, lookup.column);
    match policy.decide(consumer, &lookup.table, &lookup.column) {
        Decision::Pass { .. } => Ok(value.to_owned()),
        Decision::Refuse(r) => Err(GatewayError::Masking(MaskError::Refused {
            path: place.to_owned(),
            rule: r.origin.to_string(),
            message: r.message,
        })),
        Decision::Transform { transform, .. } => transform
            .reverse(value, &Context::default())
            .map_err(|e| match e {
                TransformError::NotReversible(name) => bad(format!(
                    "{place}: {source} is masked for you with {name}, which cannot be looked up"
                )),
                _ => bad(format!(
                    "{place}: the value is not a pseudonym of {source} issued to you"
                )),
            }),
    }
}

fn rewrite_query(
    policy: &Policy,
    consumer: &str,
    lookup: &Lookup,
    query: &str,
    name: &str,
) -> Result<String, GatewayError> {
    let mut parts = Vec::new();
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if percent_decode(k).as_deref() == Some(name) {
            let value = percent_decode(v)
                .ok_or_else(|| bad(format!("query parameter {name} is not valid UTF-8")))?;
            let real = reverse(policy, consumer, lookup, &value, &format!("query {name}"))?;
            parts.push(format!("{k}={}", percent_encode(&real)));
        } else {
            parts.push(pair.to_owned());
        }
    }
    Ok(parts.join("&"))
}

fn rewrite_body(
    policy: &Policy,
    consumer: &str,
    lookup: &Lookup,
    body: &Bytes,
    steps: &[Step],
) -> Result<Bytes, GatewayError> {
    if body.is_empty() {
        return Ok(body.clone());
    }
    let mut doc: Value = serde_json::from_slice(body)
        .map_err(|_| bad("the request body is not valid JSON".into()))?;
    let mut path = Vec::new();
    let Some(slot) = find(&mut doc, steps, &mut path) else {
        return Ok(body.clone());
    };
    let place = format!("body {}", super::jsonpath::display(&path));
    *slot = match &*slot {
        Value::String(s) => Value::String(reverse(policy, consumer, lookup, s, &place)?),
        Value::Number(n) => {
            let real = reverse(policy, consumer, lookup, &n.to_string(), &place)?;
            real.parse::<serde_json::Number>()
                .map(Value::Number)
                .unwrap_or(Value::String(real))
        }
        Value::Null => Value::Null,
        _ => return Err(bad(format!("{place} must be a string or a number"))),
    };
    serde_json::to_vec(&doc)
        .map(Bytes::from)
        .map_err(|_| bad("the request body could not be rewritten".into()))
}

fn find<'v>(
    doc: &'v mut Value,
    steps: &[Step],
    path: &mut Vec<Elem<'static>>,
) -> Option<&'v mut Value> {
    let mut here = doc;
    for step in steps {
        here = match (step, here) {
            (Step::Key(k), Value::Object(map)) => {
                path.push(Elem::Key(k.clone().into()));
                map.get_mut(k)?
            }
            (Step::Index(i), Value::Array(items)) => {
                path.push(Elem::Index(*i));
                items.get_mut(*i)?
            }
            _ => return None,
        };
    }
    Some(here)
}

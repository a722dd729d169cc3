//! Bodies: reading under a size cap, and decoding `Content-Encoding` (gzip, deflate,
//! br, zstd; several in a row) under a cap on the decoded size, so a decompression
//! bomb is refused after at most `cap` bytes of output. Masked bodies go back to the
//! client uncompressed, with their own Content-Length and without the upstream's
//! Content-Encoding and ETag.

use std::io::Read;

use bytes::Bytes;
use http_body_util::BodyExt;

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the body exceeds the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the decompressed body exceeds the limit of {limit} bytes (decompression bomb?)")]
    Bomb { limit: usize },
    #[error("the body's content encoding {0} is not supported")]
    UnknownEncoding(String),
    #[error("the body could not be decoded as {0}")]
    Corrupt(&'static str),
    #[error("the body could not be read: {0}")]
    Read(String),
}

/// Reads a whole body, refusing it past `limit` bytes.
pub async fn collect<B>(body: B, limit: usize) -> Result<Bytes, BodyError>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let limited = http_body_util::Limited::new(body, limit);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(BodyError::TooLarge { limit })
        }
        Err(e) => Err(BodyError::Read(e.to_string())),
    }
}

/// The codings of a `Content-Encoding` header, in the order they were applied.
pub fn codings(header: Option<&str>) -> Vec<String> {
    header
        .unwrap_or("")
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect()
}

/// Undoes `codings` (last applied first), each step capped at `limit` output bytes.
pub fn decode(mut body: Bytes, codings: &[String], limit: usize) -> Result<Bytes, BodyError> {
    for coding in codings.iter().rev() {
        body = decode_one(&body, coding, limit)?;
    }
    if body.len() > limit {
        return Err(BodyError::Bomb { limit });
    }
    Ok(body)
}

fn decode_one(input: &[u8], coding: &str, limit: usize) -> Result<Bytes, BodyError> {
    match coding {
        "gzip" | "x-gzip" => read_capped(flate2::read::MultiGzDecoder::new(input), limit, "gzip"),
        "deflate" => {
            // RFC 9110 deflate is zlib-wrapped; some servers send raw deflate.
            read_capped(flate2::read::ZlibDecoder::new(input), limit, "deflate").or_else(
                |e| match e {
                    BodyError::Corrupt(_) => {
                        read_capped(flate2::read::DeflateDecoder::new(input), limit, "deflate")
                    }
                    other => Err(other),
                },
            )
        }
        "br" => read_capped(brotli::Decompressor::new(input, 8192), limit, "br"),
        "zstd" => {
            let decoder = zstd::stream::read::Decoder::with_buffer(input)
                .map_err(|_| BodyError::Corrupt("zstd"))?;
            read_capped(decoder, limit, "zstd")
        }
        other => Err(BodyError::UnknownEncoding(other.chars().take(40).collect())),
    }
}

fn read_capped(reader: impl Read, limit: usize, name: &'static str) -> Result<Bytes, BodyError> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|_| BodyError::Corrupt(name))?;
    if out.len() > limit {
        return Err(BodyError::Bomb { limit });
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_body_decodes_under_the_cap() {
        let out = decode(Bytes::from(gzip(b"{\"a\":1}")), &codings(Some("gzip")), 100).unwrap();
        assert_eq!(&out[..], b"{\"a\":1}");
    }

    #[test]
    fn a_small_body_that_inflates_past_the_cap_is_a_bomb() {
        let bomb = gzip(&vec![b' '; 10 << 20]);
        assert!(bomb.len() < 100_000, "a bomb is small");
        let err = decode(Bytes::from(bomb), &codings(Some("gzip")), 1 << 20).unwrap_err();
        assert!(matches!(err, BodyError::Bomb { .. }), "{err}");
    }

    #[test]
    fn stacked_codings_are_undone_last_first() {
        let twice = gzip(&gzip(b"hello"));
        let out = decode(Bytes::from(twice), &codings(Some("gzip, gzip")), 100).unwrap();
        assert_eq!(&out[..], b"hello");
    }

    #[test]
    fn unknown_and_corrupt_encodings_are_refused() {
        assert!(matches!(
            decode(Bytes::from_static(b"x"), &codings(Some("compress")), 10),
            Err(BodyError::UnknownEncoding(_))
        ));
        assert!(matches!(
            decode(Bytes::from_static(b"not gzip"), &codings(Some("gzip")), 10),
            Err(BodyError::Corrupt(_))
        ));
    }
}

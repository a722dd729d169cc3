//! A hyper server playing a misbehaving upstream: compressed, chunked, huge, bomb,
//! malformed, non-JSON, big-integer, deep-C3, error, NDJSON and redirect bodies, or
//! the request as it arrived (`echo`, `headers`), by the last segment of the path; `slow` answers the plain record after
//! [`SLOW`]. [`start_tls`] serves the same over TLS with a given certificate.
#![allow(dead_code)]

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Frame;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// The JSON every compressed variant carries.
pub const RECORD: &str =
    r#"{"z_first":1,"customer_id":7,"name":"张三","mobile":"13912345678","note":"hello"}"#;

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn encode(kind: &str, data: &[u8]) -> Vec<u8> {
    match kind {
        "gzip" => gzip(data),
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(data).expect("deflate");
            e.finish().expect("deflate")
        }
        "br" => {
            let mut out = Vec::new();
            let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            w.write_all(data).expect("br");
            drop(w);
            out
        }
        "zstd" => zstd::encode_all(data, 3).expect("zstd"),
        _ => data.to_vec(),
    }
}

fn full(status: u16, ctype: &str, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", ctype)
        .header("etag", "\"upstream-etag\"")
        .body(Full::new(body.into()).boxed())
        .expect("response")
}

fn respond(req: &Request<hyper::body::Incoming>, own: SocketAddr) -> Response<Body> {
    let last = req.uri().path().rsplit('/').next().unwrap_or("").to_owned();
    match last.as_str() {
        enc @ ("gzip" | "deflate" | "br" | "zstd") => {
            let mut r = full(200, "application/json", encode(enc, RECORD.as_bytes()));
            r.headers_mut()
                .insert("content-encoding", enc.parse().expect("h"));
            r
        }
        "plain" | "slow" => full(200, "application/json; charset=utf-8", RECORD),
        "chunked" => {
            let parts: Vec<Result<Frame<Bytes>, Infallible>> = RECORD
                .as_bytes()
                .chunks(7)
                .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
                .collect();
            let body = futures_stream(parts).boxed();
            Response::builder()
                .header("content-type", "application/json")
                .body(body)
                .expect("response")
        }
        "huge" => full(
            200,
            "application/json",
            format!("{{\"note\":\"{}\"}}", "x".repeat(3 << 20)),
        ),
        "bomb" => {
            let mut r = full(200, "application/json", gzip(&vec![b' '; 64 << 20]));
            r.headers_mut()
                .insert("content-encoding", "gzip".parse().expect("h"));
            r
        }
        "malformed" => full(200, "application/json", r#"{"note": "#),
        "html" => full(
            200,
            "text/html",
            "<html><body>card 6222020200112233445</body></html>",
        ),
        "pdf" => full(200, "application/pdf", "%PDF-1.4 fake"),
        "bigint" => full(
            200,
            "application/json",
            r#"{"z":1,"big":12345678901234567890123456789,"a":2.50000000000000000001,"card_no":6222020200112233445}"#,
        ),
        "deep" => full(
            200,
            "application/json",
            r#"{"data":[{"customer_id":1,"x":{"y":[{"z":{"cvv":"123"}}]}},{"customer_id":2}]}"#,
        ),
        "error" => full(
            500,
            "application/json",
            r#"{"note":"failed","detail":{"cvv":"987","mobile":"13912345678"}}"#,
        ),
        "html_error" => full(502, "text/html", "<h1>Bad gateway</h1>"),
        "ndjson" => full(
            200,
            "application/x-ndjson",
            "{\"customer_id\":1,\"mobile\":\"13912345678\"}\n{\"customer_id\":2,\"cvv\":\"111\"}\n",
        ),
        "redirect_own" => Response::builder()
            .status(302)
            .header("location", format!("http://{own}/t/plain"))
            .body(Full::new(Bytes::new()).boxed())
            .expect("response"),
        "redirect_foreign" => Response::builder()
            .status(302)
            .header("location", "http://elsewhere.invalid/steal")
            .body(Full::new(Bytes::new()).boxed())
            .expect("response"),
        "echo" => {
            let v = serde_json::json!({
                "note": req.uri().to_string(),
                "z_first": req.headers().get("x-api-key").is_some(),
            });
            full(200, "application/json", v.to_string())
        }
        "headers" => {
            let mut lines: Vec<String> = req
                .headers()
                .iter()
                .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes())))
                .collect();
            lines.sort();
            lines.insert(0, req.uri().to_string());
            let v = serde_json::json!({ "note": lines.join("\n") });
            full(200, "application/json", v.to_string())
        }
        _ => full(404, "application/json", r#"{"note":"nothing here"}"#),
    }
}

fn futures_stream(
    items: Vec<Result<Frame<Bytes>, Infallible>>,
) -> impl hyper::body::Body<Data = Bytes, Error = Infallible> + Send + Sync {
    // A body yielding one frame per poll: hyper sends it chunked.
    struct Chunks(std::collections::VecDeque<Result<Frame<Bytes>, Infallible>>);
    impl hyper::body::Body for Chunks {
        type Data = Bytes;
        type Error = Infallible;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            std::task::Poll::Ready(self.0.pop_front())
        }
    }
    Chunks(items.into())
}

/// How long `slow` takes to answer.
pub const SLOW: std::time::Duration = std::time::Duration::from_millis(1500);

async fn answer(req: Request<hyper::body::Incoming>, own: SocketAddr) -> Response<Body> {
    if req.uri().path().ends_with("/slow") {
        tokio::time::sleep(SLOW).await;
    }
    respond(&req, own)
}

/// Starts the upstream; its address.
pub async fn start() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(TokioIo::new(stream), addr));
        }
    });
    addr
}

/// Starts the upstream over TLS with `cert_pem`/`key_pem`; its address.
pub async fn start_tls(cert_pem: &str, key_pem: &str) -> SocketAddr {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("certificate");
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(stream).await {
                    serve(TokioIo::new(tls), addr).await;
                }
            });
        }
    });
    addr
}

async fn serve<I>(io: TokioIo<I>, own: SocketAddr)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| async move { Ok::<_, Infallible>(answer(req, own).await) });
    let _ = auto::Builder::new(TokioExecutor::new())
        .serve_connection(io, service)
        .await;
}

//! The panic hook (`tuomin::serve::panics`): a panic is logged with its place and
//! thread, never its message, which can quote the data being handled. Its own test
//! binary: the hook and the log subscriber are process-wide.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tuomin::serve::panics::NamedOnPanic;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_panic_is_logged_with_its_place_and_thread_but_never_its_message() {
    let log = Captured::default();
    let writer = log.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish(),
    )
    .unwrap();
    tuomin::serve::panics::install();

    // A slice error quotes the text it sliced, as a parser's bug would quote a
    // client's statement.
    let statement = String::from("select * from cards where card_no = '6222021234567890128'");
    let joined = std::thread::Builder::new()
        .name("tuomin-pg-0".into())
        .spawn(move || {
            let (start, end) = (10, statement.len() / 10);
            statement[start..end].len()
        })
        .unwrap()
        .join();
    let message = joined.expect_err("the thread panicked");
    let message = message
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(
        message.contains("6222021234567890128"),
        "the message quotes: {message}"
    );
    let joined = std::thread::Builder::new()
        .name("tuomin-http-1".into())
        .spawn(|| {
            let client = "192.0.2.7:50123".parse().unwrap();
            let _named = NamedOnPanic::new("postgres", client, Some("vendor_collections".into()));
            panic!("value 110101199003077777 in the message")
        })
        .unwrap()
        .join();
    assert!(joined.is_err());
    // Dropped without a panic: no line.
    drop(NamedOnPanic::new(
        "http",
        "192.0.2.8:1".parse().unwrap(),
        None,
    ));

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert_eq!(text.matches("tuomin panicked").count(), 2, "{text}");
    assert!(text.contains("tests/panic_hook.rs:"), "the place: {text}");
    assert!(
        text.contains("tuomin-pg-0") && text.contains("tuomin-http-1"),
        "{text}"
    );
    assert!(text.contains("ERROR"), "{text}");
    let named: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("connection ended by a panic"))
        .collect();
    assert_eq!(named.len(), 1, "{text}");
    assert!(
        named[0].contains("192.0.2.7:50123") && named[0].contains("vendor_collections"),
        "{text}"
    );
    for secret in [
        "6222021234567890128",
        "110101199003077777",
        "card_no",
        "in the message",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

//! [`Severity`]: the `S`/`V` field of ErrorResponse and NoticeResponse.

use std::fmt;

/// Severity of an error or notice. Unknown words (a localized `S` field from an old
/// server) are kept as they came.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// `ERROR`
    Error,
    /// `FATAL`
    Fatal,
    /// `PANIC`
    Panic,
    /// `WARNING`
    Warning,
    /// `NOTICE`
    Notice,
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `LOG`
    Log,
    /// Anything else (e.g. a translated severity).
    Other(String),
}

impl Severity {
    /// The non-localized word.
    pub fn as_str(&self) -> &str {
        match self {
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
            Severity::Panic => "PANIC",
            Severity::Warning => "WARNING",
            Severity::Notice => "NOTICE",
            Severity::Debug => "DEBUG",
            Severity::Info => "INFO",
            Severity::Log => "LOG",
            Severity::Other(s) => s,
        }
    }

    /// Parses the word from the wire.
    pub fn parse(s: &str) -> Severity {
        match s {
            "ERROR" => Severity::Error,
            "FATAL" => Severity::Fatal,
            "PANIC" => Severity::Panic,
            "WARNING" => Severity::Warning,
            "NOTICE" => Severity::Notice,
            "DEBUG" => Severity::Debug,
            "INFO" => Severity::Info,
            "LOG" => Severity::Log,
            other => Severity::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_severities_round_trip_and_unknown_ones_are_kept() {
        for s in [
            "ERROR", "FATAL", "PANIC", "WARNING", "NOTICE", "DEBUG", "INFO", "LOG",
        ] {
            assert_eq!(Severity::parse(s).as_str(), s);
        }
        assert_eq!(Severity::parse("FEHLER"), Severity::Other("FEHLER".into()));
    }
}

//! `analyze --csv`: one row per key, streamed while the walk runs (memory does not grow with
//! the number of keys). Columns: `db,key,type,encoding,bytes,elements,expire_at`; `elements`
//! and `expire_at` (RFC 3339, UTC, milliseconds) are empty when unknown or absent.

use std::io::{self, Write};

use crate::rdb::{KeyInfo, Visitor};

pub const HEADER: &str = "db,key,type,encoding,bytes,elements,expire_at";

/// Writes every key it visits; the first write error stops the output and is kept for
/// [`KeyCsv::finish`].
pub struct KeyCsv<W: Write> {
    out: W,
    error: Option<io::Error>,
}

impl<W: Write> KeyCsv<W> {
    pub fn new(mut out: W) -> Self {
        let error = writeln!(out, "{HEADER}").err();
        Self { out, error }
    }

    pub fn finish(mut self) -> io::Result<()> {
        match self.error.take() {
            Some(e) => Err(e),
            None => self.out.flush(),
        }
    }
}

/// A CSV field: quoted when it holds a comma, quote or line break (RFC 4180).
fn field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

impl<W: Write> Visitor for KeyCsv<W> {
    const DETAILS: bool = true;

    fn key(&mut self, k: &KeyInfo<'_>) {
        if self.error.is_some() {
            return;
        }
        let key = super::display_key(k.key);
        let expire = k
            .expire_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default();
        let result = writeln!(
            self.out,
            "{},{},{},{},{},{},{}",
            k.db,
            field(&key),
            k.value_type.type_name(),
            k.value.string_encoding.unwrap_or(k.value_type.encoding()),
            k.bytes,
            k.value.elements.map(|n| n.to_string()).unwrap_or_default(),
            expire
        );
        self.error = result.err();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("user:1"), "user:1");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}

//! Redis' config-line syntax: splitting a line into words as redis-server does, and quoting
//! words so it reads them back unchanged.

/// Splits one line as `loadServerConfigFromString` does: blank and `#` lines are no
/// directive; otherwise the lowercase name and the args.
pub(super) fn parse_line(raw: &str) -> Result<Option<(String, Vec<String>)>, &'static str> {
    let line = raw.trim_matches([' ', '\t', '\r', '\n']);
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut words = split_args(line)?.into_iter();
    Ok(words
        .next()
        .map(|name| (name.to_ascii_lowercase(), words.collect())))
}

/// Redis' `sdssplitargs`: whitespace-separated words; "double quotes" with `\xHH`, `\n`,
/// `\r`, `\t`, `\b`, `\a` and `\<any>` escapes; 'single quotes' with only `\'`; a closing
/// quote must be followed by whitespace or the end.
fn split_args(line: &str) -> Result<Vec<String>, &'static str> {
    const UNBALANCED: &str = "unbalanced quotes (redis-server would refuse this file)";
    let b = line.as_bytes();
    let space = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_whitespace() || *c == 0x0b);
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while space(b.get(i)) {
            i += 1;
        }
        if i >= b.len() {
            return Ok(words);
        }
        let mut word = Vec::new();
        // The quote we are inside of, if any.
        let mut quote: Option<u8> = None;
        loop {
            let c = b.get(i).copied();
            let Some(q) = quote else {
                match c {
                    None | Some(b' ' | b'\n' | b'\r' | b'\t') => break,
                    Some(q @ (b'"' | b'\'')) => quote = Some(q),
                    Some(c) => word.push(c),
                }
                i += 1;
                continue;
            };
            match c {
                None => return Err(UNBALANCED),
                Some(b'\\') if q == b'"' && i + 1 < b.len() => {
                    let hex = |j: usize| b.get(j).and_then(|&h| (h as char).to_digit(16));
                    if let (b'x', Some(hi), Some(lo)) = (b[i + 1], hex(i + 2), hex(i + 3)) {
                        word.push((hi * 16 + lo) as u8);
                        i += 4;
                        continue;
                    }
                    word.push(match b[i + 1] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    i += 2;
                }
                Some(b'\\') if q == b'\'' && b.get(i + 1) == Some(&b'\'') => {
                    word.push(b'\'');
                    i += 2;
                }
                Some(c) if c == q => {
                    if b.get(i + 1).is_some() && !space(b.get(i + 1)) {
                        return Err(UNBALANCED);
                    }
                    i += 1;
                    break;
                }
                Some(c) => {
                    word.push(c);
                    i += 1;
                }
            }
        }
        words.push(String::from_utf8(word).map_err(|_| "a quoted \\x value is not UTF-8")?);
    }
}

/// One directive line as Redis reads it back (args quoted when needed): also what redisops
/// shows an operator who edits a file by hand.
pub fn render_directive(name: &str, args: &[String]) -> String {
    let mut line = name.to_string();
    for arg in args {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    line
}

/// An arg as `split_args` reads it back: bare when it is plain printable ASCII, else in
/// double quotes with `sdscatrepr`'s escapes (what `CONFIG REWRITE` writes).
pub(super) fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|c| c.is_ascii_graphic() && c != b'"' && c != b'\'');
    if plain {
        return arg.to_string();
    }
    let mut out = String::from("\"");
    for c in arg.bytes() {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            c if c == b' ' || c.is_ascii_graphic() => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_like_sdssplitargs() {
        let split = |s: &str| split_args(s).unwrap();
        assert_eq!(split("  a  b\tc "), ["a", "b", "c"]);
        assert_eq!(split(r#""a b" 'c d'"#), ["a b", "c d"]);
        assert_eq!(split(r#""\x41\x7a\n\t\r\"\\\q""#), ["Az\n\t\r\"\\q"]);
        assert_eq!(split(r#""\xZZ""#), ["xZZ"]);
        assert_eq!(split(r"'it\'s' 'a\nb'"), ["it's", r"a\nb"]);
        assert_eq!(split(r#""" ''"#), ["", ""]);
        assert_eq!(split(r#"ab"c d""#), ["abc d"]);
        assert_eq!(split(r"a\b"), [r"a\b"]);
        assert_eq!(split(r#""\xc3\xa9""#), ["é"]);
        for bad in [r#""open"#, "'open", r#""a"b"#, "'a'b", r#""\"#] {
            assert!(split_args(bad).is_err(), "{bad}");
        }
        assert!(split_args(r#""\xff""#).is_err());
    }

    #[test]
    fn quoting_matches_sdscatrepr() {
        assert_eq!(quote("yes"), "yes");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("a b"), "\"a b\"");
        assert_eq!(quote("it's"), "\"it's\"");
        assert_eq!(quote("a\"\\\n\u{1}é"), "\"a\\\"\\\\\\n\\x01\\xc3\\xa9\"");
    }
}

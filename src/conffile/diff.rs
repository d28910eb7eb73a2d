//! What a plan shows of a config edit: a line diff with passwords masked.

use super::ConfFile;
use super::syntax::{parse_line, quote};

/// What masked values are shown as.
const SECRET: &str = "<secret>";

/// A config line for display, with passwords and password hashes replaced by `<secret>`:
/// `requirepass`, `masterauth`, `tls-key-file-pass`, `tls-client-key-file-pass`,
/// `sentinel auth-pass <m> X`, `sentinel sentinel-pass X`, and the `>pw`, `<pw`, `#hash` and
/// `!hash` rules of `user` lines. Other lines are returned unchanged.
fn mask_line(line: &str) -> String {
    let (name, args) = match parse_line(line) {
        Ok(Some(directive)) => directive,
        Ok(None) => return line.to_string(),
        // Unparsable text may still hold a password: show only its first word.
        Err(_) => {
            let first = line.split_whitespace().next().unwrap_or_default();
            return format!("{first} {SECRET}");
        }
    };
    // Other words are quoted as written back, so `user "a b" …` stays readable; the
    // placeholder is not.
    let mut words: Vec<String> = args.iter().map(|a| quote(a)).collect();
    let sub = args.first().map(|s| s.to_ascii_lowercase());
    let secret_at: &[usize] = match (name.as_str(), sub.as_deref()) {
        ("requirepass" | "masterauth" | "tls-key-file-pass" | "tls-client-key-file-pass", _) => {
            &[0]
        }
        ("sentinel", Some("auth-pass")) => &[2],
        ("sentinel", Some("sentinel-pass")) => &[1],
        // A renamed command's new name is what keeps it from strangers.
        ("rename-command", _) => &[1],
        ("user", _) => {
            for (word, rule) in words.iter_mut().zip(&args).skip(1) {
                if let Some(kind) = rule.chars().next().filter(|c| ">#<!".contains(*c)) {
                    *word = format!("{kind}{SECRET}");
                }
            }
            &[]
        }
        _ => return line.to_string(),
    };
    for &i in secret_at {
        if let Some(word) = words.get_mut(i) {
            *word = SECRET.to_string();
        }
    }
    std::iter::once(name)
        .chain(words)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A line diff for showing a plan: `-   12: old` / `+   12: new` with old and new line
/// numbers, secrets masked by [`mask_line`]. Empty when the texts are equal.
pub fn masked_diff(old: &ConfFile, new: &ConfFile) -> String {
    let a: Vec<&str> = old.lines.iter().map(|l| l.raw.as_str()).collect();
    let b: Vec<&str> = new.lines.iter().map(|l| l.raw.as_str()).collect();
    let mut out = String::new();
    for (sign, number, line) in diff_lines(&a, &b) {
        out.push_str(&format!("{sign}{number:>5}: {}\n", mask_line(line)));
    }
    if old.trailing_newline != new.trailing_newline {
        out.push_str(if new.trailing_newline {
            "+ (newline at end of file)\n"
        } else {
            "- (newline at end of file)\n"
        });
    }
    out
}

/// The removed (`-`, old line number) and added (`+`, new line number) lines: common prefix
/// and suffix first, then a longest-common-subsequence over the rest (config files are a few
/// thousand lines at most, and edits are few).
fn diff_lines<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(char, usize, &'a str)> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let (n, m) = (a_mid.len(), b_mid.len());
    // lcs[i][j]: length of the LCS of a_mid[i..] and b_mid[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a_mid[i] == b_mid[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a_mid[i] == b_mid[j] {
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            out.push(('-', prefix + i + 1, a_mid[i]));
            i += 1;
        } else {
            out.push(('+', prefix + j + 1, b_mid[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(text: &str) -> ConfFile {
        ConfFile::parse(text).unwrap()
    }

    #[test]
    fn masks_secrets() {
        let hash = format!("#{}", "a".repeat(64));
        for (line, masked) in [
            ("requirepass hunter2", "requirepass <secret>"),
            ("MasterAuth \"p w\"", "masterauth <secret>"),
            ("tls-key-file-pass x", "tls-key-file-pass <secret>"),
            (
                "tls-client-key-file-pass x",
                "tls-client-key-file-pass <secret>",
            ),
            (
                "sentinel auth-pass mymaster pw",
                "sentinel auth-pass mymaster <secret>",
            ),
            (
                "sentinel SENTINEL-PASS pw",
                "sentinel SENTINEL-PASS <secret>",
            ),
            (
                &format!(
                    "user app on >pw1 >pw2 {hash} <old !{} ~* +@all",
                    "b".repeat(64)
                ),
                "user app on ><secret> ><secret> #<secret> <<secret> !<secret> ~* +@all",
            ),
            ("requirepass \"open", "requirepass <secret>"),
            (
                "rename-command FLUSHALL FLUSHALL_9f3a",
                "rename-command FLUSHALL <secret>",
            ),
            (
                "user \"a b\" on \">p w\" ~*",
                "user \"a b\" on ><secret> ~*",
            ),
        ] {
            assert_eq!(mask_line(line), masked, "{line}");
        }
        for plain in [
            "port 6379",
            "# requirepass foobared",
            "sentinel monitor m 1.2.3.4 6379 2",
            "",
        ] {
            assert_eq!(mask_line(plain), plain);
        }
    }

    #[test]
    fn masked_diff_shows_changes_with_line_numbers() {
        let old = conf("port 1\nrequirepass old\n# c\nbind x\n");
        let mut new = old.clone();
        assert!(new.set("requirepass", &["new"]));
        assert!(new.set("bind", &["y"]));
        assert!(new.set_keyed("user", 1, &["app", "on", ">pw", "~*"]));
        let diff = masked_diff(&old, &new);
        assert_eq!(
            diff,
            "-    2: requirepass <secret>\n+    2: requirepass <secret>\n-    4: bind x\n\
             +    4: bind y\n+    5: \n+    6: # Added by redisops\n+    7: user app on ><secret> ~*\n"
        );
        assert!(!diff.contains("old") && !diff.contains("new") && !diff.contains(">pw"));
        assert_eq!(masked_diff(&old, &old.clone()), "");
        let diff = masked_diff(&conf("a 1"), &conf("a 1\n"));
        assert_eq!(diff, "+ (newline at end of file)\n");
    }
}

//! Key material: who an archive is encrypted to ([`Encryption`]), what can open it
//! ([`Decryption`]), the files both come from, and [`keygen`].
//!
//! Secrets stay in age's own types or in [`SecretString`], whose `Debug` output is redacted.
//! Errors name files and line numbers, never file contents, so a mistyped path that points at
//! a secret key cannot leak it into a log.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use age::secrecy::zeroize::Zeroize;
use age::secrecy::{ExposeSecret, SecretString};

use crate::fsutil::AtomicFile;

/// An X25519 age recipient (`age1…`).
pub type RecipientKey = age::x25519::Recipient;

/// One identity that can unwrap an archive's file key (from an age identity file).
pub type IdentityKey = Box<dyn age::Identity + Send + Sync>;

/// How a new archive is encrypted.
#[derive(Debug, Clone)]
pub enum Encryption {
    /// To one or more X25519 recipients; any one of their identities decrypts it.
    Recipients(Vec<RecipientKey>),
    /// With an scrypt-protected passphrase.
    Passphrase(SecretString),
    /// Not encrypted (gzip only).
    None,
}

impl Encryption {
    /// The recipients as `age1…` strings, for the manifest; empty unless [`Self::Recipients`].
    pub fn recipients_public(&self) -> Vec<String> {
        match self {
            Self::Recipients(keys) => keys.iter().map(ToString::to_string).collect(),
            Self::Passphrase(_) | Self::None => Vec::new(),
        }
    }

    /// Stable name of the scheme, for the manifest.
    pub fn scheme(&self) -> &'static str {
        match self {
            Self::Recipients(_) => "age-x25519",
            Self::Passphrase(_) => "age-scrypt",
            Self::None => "none",
        }
    }
}

/// What is available to open an encrypted archive.
pub enum Decryption {
    /// Identities, typically from one or more `--identity` files.
    Identities(Vec<IdentityKey>),
    /// A passphrase, typically from `--passphrase-file`.
    Passphrase(SecretString),
    /// Nothing: only unencrypted archives can be opened.
    None,
}

impl Decryption {
    /// Reads every identity in each of `paths` (age identity-file format).
    pub fn from_identity_files<P: AsRef<Path>>(paths: &[P]) -> Result<Self, KeyError> {
        let mut identities = Vec::new();
        for path in paths {
            identities.extend(read_identity_file(path.as_ref())?);
        }
        Ok(Self::Identities(identities))
    }
}

// Hand-written because identities are trait objects without `Debug`; it also guarantees
// that no secret can ever be formatted.
impl fmt::Debug for Decryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Identities(ids) => write!(f, "Identities({} identities)", ids.len()),
            Self::Passphrase(_) => f.write_str("Passphrase([REDACTED])"),
            Self::None => f.write_str("None"),
        }
    }
}

/// Why one recipient string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecipientError {
    #[error("SSH recipients are not supported, use an age1… key")]
    Ssh,
    #[error(
        "this is a secret key (AGE-SECRET-KEY-1…), not a recipient; use its public key \
         (`age-keygen -y FILE`)"
    )]
    SecretKey,
    #[error("not an age1… X25519 recipient ({0})")]
    Invalid(&'static str),
}

/// Failure to load, parse or write key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    // Causes are part of the message, not `#[source]`: the error chain would say them twice.
    #[error("cannot read {}: {cause}", path.display())]
    Read { path: PathBuf, cause: io::Error },
    #[error("invalid recipient: {0}")]
    Recipient(#[from] RecipientError),
    #[error("{} line {line}: {cause}", path.display())]
    RecipientLine {
        path: PathBuf,
        line: usize,
        cause: RecipientError,
    },
    #[error("{} contains no recipients", path.display())]
    NoRecipients { path: PathBuf },
    #[error("{}: {cause}", path.display())]
    Identity { path: PathBuf, cause: io::Error },
    #[error(
        "{} holds a public key (age1…), not an identity: decrypting needs the private key \
         (AGE-SECRET-KEY-1…, the file `redisops keygen --output` wrote); the public key is \
         for backup --recipient",
        path.display()
    )]
    PublicKey { path: PathBuf },
    #[error("{} contains no identities", path.display())]
    NoIdentities { path: PathBuf },
    #[error("passphrase file {} is empty (the passphrase is its first line)", path.display())]
    EmptyPassphrase { path: PathBuf },
    #[error("refusing to overwrite existing key file {}", path.display())]
    Exists { path: PathBuf },
    #[error("cannot write {}: {cause}", path.display())]
    Write { path: PathBuf, cause: io::Error },
}

/// Parses one `age1…` X25519 recipient; surrounding whitespace is ignored.
pub fn parse_recipient(s: &str) -> Result<RecipientKey, KeyError> {
    Ok(recipient_from_str(s.trim())?)
}

fn recipient_from_str(s: &str) -> Result<RecipientKey, RecipientError> {
    const SSH_PREFIXES: [&str; 3] = ["ssh-", "sk-ssh-", "ecdsa-sha2-"];
    const SECRET_PREFIX: &str = "AGE-SECRET-KEY-";
    if SSH_PREFIXES.iter().any(|p| s.starts_with(p)) {
        Err(RecipientError::Ssh)
    } else if s
        .get(..SECRET_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(SECRET_PREFIX))
    {
        Err(RecipientError::SecretKey)
    } else {
        s.parse().map_err(RecipientError::Invalid)
    }
}

/// Reads an age recipients file: one `age1…` per line, `#` comments and blank lines allowed.
pub fn read_recipients_file(path: &Path) -> Result<Vec<RecipientKey>, KeyError> {
    let text = fs::read_to_string(path).map_err(|cause| KeyError::Read {
        path: path.to_path_buf(),
        cause,
    })?;
    let mut keys = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = recipient_from_str(line).map_err(|cause| KeyError::RecipientLine {
            path: path.to_path_buf(),
            line: index + 1,
            cause,
        })?;
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(KeyError::NoRecipients {
            path: path.to_path_buf(),
        });
    }
    Ok(keys)
}

/// Reads a passphrase: the file's first line without its `\n` or `\r\n`.
pub fn read_passphrase_file(path: &Path) -> Result<SecretString, KeyError> {
    let mut text = fs::read_to_string(path).map_err(|cause| KeyError::Read {
        path: path.to_path_buf(),
        cause,
    })?;
    let end = match text.find('\n') {
        Some(newline) if text[..newline].ends_with('\r') => newline - 1,
        Some(newline) => newline,
        None => text.len(),
    };
    // Wipe what follows before truncating: truncation only moves the length.
    text[end..].zeroize();
    text.truncate(end);
    if text.is_empty() {
        return Err(KeyError::EmptyPassphrase {
            path: path.to_path_buf(),
        });
    }
    Ok(SecretString::from(text))
}

/// Reads every identity in an age identity file (the `age-keygen` format, comments allowed).
pub fn read_identity_file(path: &Path) -> Result<Vec<IdentityKey>, KeyError> {
    let identity_error = |cause| KeyError::Identity {
        path: path.to_path_buf(),
        cause,
    };
    let mut text = fs::read_to_string(path).map_err(|cause| KeyError::Read {
        path: path.to_path_buf(),
        cause,
    })?;
    // age's parse error names the line but not the file; `KeyError::Identity` adds the path.
    let parsed = age::IdentityFile::from_buffer(text.as_bytes());
    // The most common mix-up: the public half passed where the private one belongs.
    let holds_public_key = text
        .lines()
        .any(|l| l.trim().parse::<age::x25519::Recipient>().is_ok());
    text.zeroize();
    let public_key = || KeyError::PublicKey {
        path: path.to_path_buf(),
    };
    let identities = match parsed {
        Err(_) if holds_public_key => return Err(public_key()),
        parsed => parsed
            .map_err(identity_error)?
            .into_identities()
            .map_err(|e| identity_error(io::Error::other(e)))?,
    };
    if identities.is_empty() {
        return Err(if holds_public_key {
            public_key()
        } else {
            KeyError::NoIdentities {
                path: path.to_path_buf(),
            }
        });
    }
    Ok(identities)
}

/// The public keys of the X25519 identities in `paths`: whoever can read one archive can read
/// another encrypted to these (the restore's safety backup uses it). Other identity kinds
/// (plugins, SSH) have no recipient here and are skipped.
pub fn recipients_of_identity_files<P: AsRef<Path>>(
    paths: &[P],
) -> Result<Vec<RecipientKey>, KeyError> {
    let mut keys = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let text = fs::read_to_string(path).map_err(|cause| KeyError::Read {
            path: path.to_path_buf(),
            cause,
        })?;
        keys.extend(
            text.lines()
                .filter_map(|l| l.trim().parse::<age::x25519::Identity>().ok())
                .map(|id| id.to_public()),
        );
    }
    Ok(keys)
}

/// Generates an X25519 identity and returns its recipient (`age1…`).
///
/// With `output`, writes the identity in `age-keygen`'s format to that path (atomically, mode
/// 0600, refusing to overwrite anything already there) and returns `None` for it; without,
/// returns the identity text for the caller to print.
pub fn keygen(output: Option<&Path>) -> Result<(String, Option<SecretString>), KeyError> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let created = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // Built in place, with room to spare, so no reallocation leaves copies of the key behind.
    let mut text = String::with_capacity(256);
    text.push_str("# created: ");
    text.push_str(&created);
    text.push_str("\n# public key: ");
    text.push_str(&recipient);
    text.push('\n');
    text.push_str(identity.to_string().expose_secret());
    text.push('\n');
    let text = SecretString::from(text);

    let Some(path) = output else {
        return Ok((recipient, Some(text)));
    };
    let write_error = |cause| KeyError::Write {
        path: path.to_path_buf(),
        cause,
    };
    let mut file = AtomicFile::create(path, 0o600).map_err(write_error)?;
    file.write_all(text.expose_secret().as_bytes())
        .map_err(write_error)?;
    file.commit_new().map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => KeyError::Exists {
            path: path.to_path_buf(),
        },
        _ => write_error(e),
    })?;
    Ok((recipient, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::testutil::tool;
    use crate::fsutil::write_atomic;
    use std::os::unix::fs::PermissionsExt;

    const R1: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    #[test]
    fn recipients_file_with_comments_and_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recipients.txt");
        let (second, _) = keygen(None).unwrap();
        let text = format!("# ops team\n\n{R1}\n   # indented comment\n  {second}  \r\n");
        write_atomic(&path, text.as_bytes(), 0o644).unwrap();
        let keys = read_recipients_file(&path).unwrap();
        let enc = Encryption::Recipients(keys);
        assert_eq!(enc.recipients_public(), vec![R1.to_string(), second]);
        assert_eq!(enc.scheme(), "age-x25519");
    }

    #[test]
    fn recipients_file_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.txt");
        let cases = [
            (
                "ssh-ed25519 AAAAC3Nza user@host",
                "SSH recipients are not supported",
            ),
            ("age1notreallyakey", "not an age1… X25519 recipient"),
            ("AGE-SECRET-KEY-1QQQQQQQQ", "this is a secret key"),
        ];
        for (bad, expected) in cases {
            write_atomic(&path, format!("# c\n{R1}\n\n{bad}\n").as_bytes(), 0o644).unwrap();
            let err = read_recipients_file(&path).unwrap_err();
            assert!(
                matches!(err, KeyError::RecipientLine { line: 4, .. }),
                "{err:?}"
            );
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!("{} line 4: ", path.display())),
                "{msg}"
            );
            assert!(msg.contains(expected), "{msg}");
            assert!(!msg.contains(bad), "message echoes the line: {msg}");
        }
        write_atomic(&path, b"# only a comment\n\n", 0o644).unwrap();
        assert!(matches!(
            read_recipients_file(&path),
            Err(KeyError::NoRecipients { .. })
        ));
    }

    #[test]
    fn parse_recipient_trims_and_rejects_ssh() {
        assert_eq!(
            parse_recipient(&format!(" {R1}\n")).unwrap().to_string(),
            R1
        );
        assert!(matches!(
            parse_recipient("ssh-rsa AAAAB3"),
            Err(KeyError::Recipient(RecipientError::Ssh))
        ));
    }

    #[test]
    fn passphrase_file_first_line_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        for (content, expected) in [
            ("s3cret\n", "s3cret"),
            ("s3cret\r\nsecond line\n", "s3cret"),
            ("no newline", "no newline"),
        ] {
            write_atomic(&path, content.as_bytes(), 0o600).unwrap();
            let pass = read_passphrase_file(&path).unwrap();
            assert_eq!(pass.expose_secret(), expected);
        }
        for empty in ["", "\n", "\r\nsecond"] {
            write_atomic(&path, empty.as_bytes(), 0o600).unwrap();
            assert!(matches!(
                read_passphrase_file(&path),
                Err(KeyError::EmptyPassphrase { .. })
            ));
        }
        let missing = read_passphrase_file(&dir.path().join("nope")).unwrap_err();
        assert!(missing.to_string().contains("nope"), "{missing}");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let pass = "hunter2-very-secret";
        let enc = Encryption::Passphrase(SecretString::from(pass));
        assert!(!format!("{enc:?}").contains(pass));
        let dec = Decryption::Passphrase(SecretString::from(pass));
        assert!(!format!("{dec:?}").contains(pass));
        let (_, identity) = keygen(None).unwrap();
        let identity = identity.unwrap();
        let secret_line = identity.expose_secret().lines().last().unwrap().to_owned();
        assert!(!format!("{identity:?}").contains(&secret_line));
    }

    #[test]
    fn keygen_writes_0600_file_that_age_keygen_understands() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.txt");
        let (recipient, identity) = keygen(Some(&path)).unwrap();
        assert!(identity.is_none());
        assert!(recipient.starts_with("age1"));
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let created = lines[0].strip_prefix("# created: ").unwrap();
        chrono::DateTime::parse_from_rfc3339(created).unwrap();
        assert_eq!(lines[1], format!("# public key: {recipient}"));
        assert!(lines[2].starts_with("AGE-SECRET-KEY-1"));

        let out = tool("age-keygen", "age")
            .arg("-y")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), recipient);

        assert_eq!(read_identity_file(&path).unwrap().len(), 1);

        let again = keygen(Some(&path)).unwrap_err();
        assert!(matches!(again, KeyError::Exists { .. }), "{again:?}");
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            text,
            "existing key was modified"
        );
    }

    #[test]
    fn identity_files_from_age_keygen_with_comments() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        for path in [&a, &b] {
            let out = tool("age-keygen", "age")
                .arg("-o")
                .arg(path)
                .output()
                .unwrap();
            assert!(out.status.success());
        }
        match Decryption::from_identity_files(&[&a, &b]).unwrap() {
            Decryption::Identities(ids) => assert_eq!(ids.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn identity_file_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("id.txt");
        write_atomic(&path, b"# comment\nnot-a-key-SECRETSTUFF\n", 0o600).unwrap();
        let msg = read_identity_file(&path).err().unwrap().to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
        assert!(!msg.contains("SECRETSTUFF"), "{msg}");

        write_atomic(&path, b"# nothing here\n", 0o600).unwrap();
        assert!(matches!(
            read_identity_file(&path),
            Err(KeyError::NoIdentities { .. })
        ));
    }

    #[test]
    fn a_public_key_given_as_identity_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pub");
        write_atomic(&path, format!("{R1}\n").as_bytes(), 0o644).unwrap();
        let err = read_identity_file(&path).err().unwrap();
        assert!(matches!(err, KeyError::PublicKey { .. }), "{err}");
        assert!(err.to_string().contains("holds a public key"), "{err}");
    }

    #[test]
    fn a_missing_file_names_its_cause_once() {
        let missing = Path::new("/nonexistent/redisops/recipients.txt");
        let err = anyhow::Error::from(read_recipients_file(missing).err().unwrap());
        let text = format!("{err:#}");
        assert_eq!(
            text.matches("No such file or directory").count(),
            1,
            "{text}"
        );
        let err = anyhow::Error::from(read_identity_file(missing).err().unwrap());
        let text = format!("{err:#}");
        assert_eq!(
            text.matches("No such file or directory").count(),
            1,
            "{text}"
        );
    }
}

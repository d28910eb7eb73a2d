//! End-to-end tests of the pipeline: round trips, interoperability with the real `age` and
//! `gzip` tools, and how damage and key mistakes are reported.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use sha2::{Digest, Sha256};

use super::testutil::{
    fast_scrypt, identities, new_identity, read_all, read_archive, run, sample_rdb, tool,
    write_archive,
};
use super::{
    ArchiveError, ArchiveStats, Codec, Decryption, Encryption, Format, WriterOptions, describe,
    read_identity_file,
};
use crate::fsutil::write_atomic;

/// Enough for many age chunks (64 KiB) and gzip blocks.
const PLAIN_LEN: usize = 1_500_000;

fn assert_stats(stats: &ArchiveStats, plain: &[u8], archive: &Path) {
    let bytes = fs::read(archive).unwrap();
    assert_eq!(stats.plain_bytes, plain.len() as u64);
    assert_eq!(stats.plain_sha256, hex::encode(Sha256::digest(plain)));
    assert_eq!(stats.archive_bytes, bytes.len() as u64);
    assert_eq!(stats.archive_sha256, hex::encode(Sha256::digest(&bytes)));
}

fn passphrase(p: &str) -> SecretString {
    SecretString::from(p)
}

#[test]
fn round_trip_one_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = new_identity(dir.path(), "key.txt");
    let plain = sample_rdb(PLAIN_LEN);
    let path = dir.path().join("backup.rdb.gz.age");
    let stats = write_archive(
        &path,
        &plain,
        &Encryption::Recipients(vec![recipient]),
        WriterOptions::default(),
    );
    assert_stats(&stats, &plain, &path);
    assert_eq!(read_archive(&path, &identities(&[&key])).unwrap(), plain);
}

#[test]
fn round_trip_two_recipients_each_identity_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (key_a, rec_a) = new_identity(dir.path(), "a.txt");
    let (key_b, rec_b) = new_identity(dir.path(), "b.txt");
    let plain = sample_rdb(PLAIN_LEN);
    let path = dir.path().join("backup.rdb.gz.age");
    let stats = write_archive(
        &path,
        &plain,
        &Encryption::Recipients(vec![rec_a, rec_b]),
        WriterOptions::default(),
    );
    assert_stats(&stats, &plain, &path);
    for key in [&key_a, &key_b] {
        assert_eq!(read_archive(&path, &identities(&[key])).unwrap(), plain);
    }
}

#[test]
fn round_trip_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let plain = sample_rdb(PLAIN_LEN);
    let path = dir.path().join("backup.rdb.gz.age");
    let encryption = Encryption::Passphrase(passphrase("correct horse"));
    let stats = write_archive(&path, &plain, &encryption, fast_scrypt());
    assert_stats(&stats, &plain, &path);
    let decryption = Decryption::Passphrase(passphrase("correct horse"));
    assert_eq!(read_archive(&path, &decryption).unwrap(), plain);
    assert_eq!(
        describe(&path).unwrap(),
        Format::Age {
            armored: false,
            passphrase: true
        }
    );
}

#[test]
fn round_trip_unencrypted_at_every_level() {
    let dir = tempfile::tempdir().unwrap();
    let plain = sample_rdb(PLAIN_LEN);
    let path = dir.path().join("backup.rdb.gz");
    for level in 1..=9 {
        let options = WriterOptions {
            level,
            ..WriterOptions::default()
        };
        let stats = write_archive(&path, &plain, &Encryption::None, options);
        assert_stats(&stats, &plain, &path);
        assert_eq!(read_archive(&path, &Decryption::None).unwrap(), plain);
    }
    assert_eq!(describe(&path).unwrap(), Format::Gzip);
}

#[test]
fn empty_plaintext_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = new_identity(dir.path(), "key.txt");
    let path = dir.path().join("empty.rdb.gz.age");
    let encryption = Encryption::Recipients(vec![recipient]);
    let stats = write_archive(&path, b"", &encryption, WriterOptions::default());
    assert_stats(&stats, b"", &path);
    assert_eq!(read_archive(&path, &identities(&[&key])).unwrap(), b"");
}

#[test]
fn age_cli_decrypts_our_archive() {
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = new_identity(dir.path(), "key.txt");
    let plain = sample_rdb(PLAIN_LEN);
    let path = dir.path().join("backup.rdb.gz.age");
    write_archive(
        &path,
        &plain,
        &Encryption::Recipients(vec![recipient]),
        WriterOptions::default(),
    );
    tool("age", "age");
    tool("gzip", "gzip");
    let out = run(tool("bash", "bash")
        .args([
            "-o",
            "pipefail",
            "-c",
            r#"age -d -i "$1" "$2" | gunzip"#,
            "bash",
        ])
        .arg(&key)
        .arg(&path));
    assert!(out == plain, "age | gunzip gave different bytes");
}

/// An `age-keygen` identity and a plain RDB, the inputs for archives made by the real tools.
struct CliFixture {
    dir: tempfile::TempDir,
    key: PathBuf,
    recipient: String,
    plain: Vec<u8>,
    plain_path: PathBuf,
}

impl CliFixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.txt");
        run(tool("age-keygen", "age").arg("-o").arg(&key));
        let recipient = String::from_utf8(run(tool("age-keygen", "age").arg("-y").arg(&key)))
            .unwrap()
            .trim()
            .to_owned();
        let plain = sample_rdb(PLAIN_LEN);
        let plain_path = dir.path().join("dump.rdb");
        write_atomic(&plain_path, &plain, 0o600).unwrap();
        Self {
            dir,
            key,
            recipient,
            plain,
            plain_path,
        }
    }

    /// Runs `script` under bash with `$1` = recipient, `$2` = the plain RDB, `$3` = output.
    fn make(&self, name: &str, script: &str) -> PathBuf {
        tool("age", "age");
        tool("gzip", "gzip");
        let out = self.dir.path().join(name);
        run(tool("bash", "bash")
            .args(["-o", "pipefail", "-c", script, "bash", &self.recipient])
            .arg(&self.plain_path)
            .arg(&out));
        out
    }

    fn decryption(&self) -> Decryption {
        Decryption::Identities(read_identity_file(&self.key).unwrap())
    }
}

#[test]
fn reads_archives_made_by_the_age_and_gzip_tools() {
    let fx = CliFixture::new();
    let cases = [
        (
            "gzip-age.rdb.gz.age",
            r#"gzip -c "$2" | age -r "$1" > "$3""#,
            Format::Age {
                armored: false,
                passphrase: false,
            },
        ),
        (
            "armored.rdb.gz.age",
            r#"gzip -c "$2" | age -a -r "$1" > "$3""#,
            Format::Age {
                armored: true,
                passphrase: false,
            },
        ),
        (
            "no-gzip.rdb.age",
            r#"age -r "$1" -o "$3" "$2""#,
            Format::Age {
                armored: false,
                passphrase: false,
            },
        ),
        (
            "armored-no-gzip.rdb.age",
            r#"age -a -r "$1" -o "$3" "$2""#,
            Format::Age {
                armored: true,
                passphrase: false,
            },
        ),
        ("gzip-only.rdb.gz", r#"gzip -c "$2" > "$3""#, Format::Gzip),
        ("plain.rdb", r#"cp "$2" "$3""#, Format::Rdb),
    ];
    for (name, script, format) in cases {
        let path = fx.make(name, script);
        assert_eq!(describe(&path).unwrap(), format, "{name}");
        let got = read_archive(&path, &fx.decryption()).unwrap();
        assert!(got == fx.plain, "{name}: different bytes");
    }
}

#[test]
fn reads_concatenated_gzip_members() {
    let fx = CliFixture::new();
    let path = fx.make(
        "multi.rdb.gz",
        r#"head -c 100000 "$2" | gzip -c > "$3" && tail -c +100001 "$2" | gzip -c >> "$3""#,
    );
    assert!(read_archive(&path, &Decryption::None).unwrap() == fx.plain);
    let encrypted = fx.make(
        "multi.rdb.gz.age",
        r#"{ head -c 7 "$2" | gzip -c; tail -c +8 "$2" | gzip -c; } | age -r "$1" > "$3""#,
    );
    assert!(read_archive(&encrypted, &fx.decryption()).unwrap() == fx.plain);
}

#[test]
fn rejects_decrypted_contents_that_are_not_gzip_or_rdb() {
    let fx = CliFixture::new();
    let path = fx.make("text.age", r#"echo 'hello' | age -r "$1" > "$3""#);
    let err = read_archive(&path, &fx.decryption()).unwrap_err();
    assert!(matches!(err, ArchiveError::Corrupt(_)), "{err:?}");
}

#[test]
fn key_mistakes_have_their_own_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_, recipient) = new_identity(dir.path(), "right.txt");
    let (wrong_key, _) = new_identity(dir.path(), "wrong.txt");
    let plain = sample_rdb(200_000);
    let to_key = dir.path().join("key.rdb.gz.age");
    write_archive(
        &to_key,
        &plain,
        &Encryption::Recipients(vec![recipient]),
        WriterOptions::default(),
    );
    let to_pass = dir.path().join("pass.rdb.gz.age");
    let encryption = Encryption::Passphrase(passphrase("right"));
    write_archive(&to_pass, &plain, &encryption, fast_scrypt());

    let cases = [
        (&to_key, identities(&[&wrong_key]), "WrongKey"),
        (&to_key, Decryption::None, "NeedsIdentity"),
        (&to_key, Decryption::Identities(Vec::new()), "NeedsIdentity"),
        (
            &to_key,
            Decryption::Passphrase(passphrase("right")),
            "NeedsIdentity",
        ),
        (&to_pass, identities(&[&wrong_key]), "NeedsPassphrase"),
        (&to_pass, Decryption::None, "NeedsPassphrase"),
        (
            &to_pass,
            Decryption::Passphrase(passphrase("wrong")),
            "WrongPassphrase",
        ),
    ];
    for (path, decryption, expected) in cases {
        let err = read_archive(path, &decryption).unwrap_err();
        let kind = match err {
            ArchiveError::WrongKey => "WrongKey",
            ArchiveError::NeedsIdentity => "NeedsIdentity",
            ArchiveError::NeedsPassphrase => "NeedsPassphrase",
            ArchiveError::WrongPassphrase => "WrongPassphrase",
            ref other => panic!("{other:?}"),
        };
        assert_eq!(kind, expected, "{decryption:?} on {}", path.display());
    }
    let msg = ArchiveError::NeedsIdentity.to_string();
    assert!(msg.contains("--identity FILE"), "{msg}");
}

/// Offset of the first payload byte: after the header's `--- MAC` line and the 16-byte nonce.
fn age_payload_start(bytes: &[u8]) -> usize {
    let mac_line = bytes.windows(4).position(|w| w == b"\n---").unwrap() + 1;
    let newline = mac_line + bytes[mac_line..].iter().position(|&b| b == b'\n').unwrap();
    newline + 1 + 16
}

fn assert_corrupt(result: Result<Vec<u8>, ArchiveError>, what: &str) {
    match result {
        Err(ArchiveError::Corrupt(msg)) => assert!(!msg.is_empty()),
        Err(other) => panic!("{what}: expected Corrupt, got {other:?}"),
        Ok(data) => panic!("{what}: read {} bytes without error", data.len()),
    }
}

fn damaged(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, ArchiveError> {
    write_atomic(path, bytes, 0o600).unwrap();
    read_archive(path, &Decryption::None)
}

/// An age archive of the sample RDB, its directory, key file and bytes.
fn encrypted_sample() -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = new_identity(dir.path(), "key.txt");
    let path = dir.path().join("full.rdb.gz.age");
    write_archive(
        &path,
        &sample_rdb(PLAIN_LEN),
        &Encryption::Recipients(vec![recipient]),
        WriterOptions::default(),
    );
    let bytes = fs::read(&path).unwrap();
    (dir, key, bytes)
}

#[test]
fn truncated_age_archives_are_corrupt() {
    let (dir, key, bytes) = encrypted_sample();
    let payload = age_payload_start(&bytes);
    let chunk = 64 * 1024 + 16;
    let cuts = [
        0,
        10,
        60,
        payload - 8,
        payload,
        payload + 1000,
        payload + chunk,
        payload + 3 * chunk,
        bytes.len() / 2,
        bytes.len() - 17,
        bytes.len() - 1,
    ];
    let decryption = identities(&[&key]);
    let cut_path = dir.path().join("cut.rdb.gz.age");
    for cut in cuts {
        write_atomic(&cut_path, &bytes[..cut], 0o600).unwrap();
        assert_corrupt(
            read_archive(&cut_path, &decryption),
            &format!("cut at {cut}"),
        );
    }
}

#[test]
fn tampered_age_archives_are_corrupt() {
    let (dir, key, bytes) = encrypted_sample();
    let payload = age_payload_start(&bytes);
    let decryption = identities(&[&key]);
    let bad_path = dir.path().join("bad.rdb.gz.age");
    // First payload byte, one in the middle, the last one, and the header MAC.
    let mac = bytes.windows(4).position(|w| w == b"--- ").unwrap() + 6;
    for at in [payload, bytes.len() / 2, bytes.len() - 1, mac] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        write_atomic(&bad_path, &bad, 0o600).unwrap();
        assert_corrupt(
            read_archive(&bad_path, &decryption),
            &format!("flip at {at}"),
        );
    }
}

#[test]
fn truncated_or_tampered_gzip_and_zstd_archives_are_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let plain = sample_rdb(PLAIN_LEN);
    for codec in [Codec::Gzip, Codec::Zstd] {
        let path = dir.path().join("full");
        let options = WriterOptions {
            codec,
            ..WriterOptions::default()
        };
        write_archive(&path, &plain, &Encryption::None, options);
        let bytes = fs::read(&path).unwrap();
        let bad_path = dir.path().join("bad");
        for cut in [1, 5, 20, bytes.len() / 2, bytes.len() - 4, bytes.len() - 1] {
            let what = format!("{codec} cut at {cut}");
            assert_corrupt(damaged(&bad_path, &bytes[..cut]), &what);
        }
        // Deep in the compressed data, and in the trailer's checksum (gzip's CRC-32, zstd's
        // content checksum).
        for at in [bytes.len() / 2, bytes.len() - 3] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x01;
            assert_corrupt(damaged(&bad_path, &bad), &format!("{codec} flip at {at}"));
        }
    }
}

#[test]
fn unrecognised_or_empty_files_are_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x");
    for content in [
        &b""[..],
        b"REDI",
        b"age-encryp",
        b"PK\x03\x04 a zip file",
        b"-----BEGIN",
    ] {
        assert_corrupt(damaged(&path, content), &format!("{content:?}"));
    }
    write_atomic(&path, b"nonsense", 0o600).unwrap();
    assert!(matches!(describe(&path), Err(ArchiveError::Corrupt(_))));
}

/// A source that yields `data` and then fails with a non-corruption I/O error.
struct FailingSource {
    data: io::Cursor<Vec<u8>>,
}

impl Read for FailingSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.data.read(buf)? {
            0 => Err(io::Error::new(io::ErrorKind::ConnectionReset, "link down")),
            n => Ok(n),
        }
    }
}

#[test]
fn source_errors_stay_io_errors_through_every_layer() {
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = new_identity(dir.path(), "key.txt");
    let plain = sample_rdb(PLAIN_LEN);
    let cases = [
        (Encryption::Recipients(vec![recipient]), identities(&[&key])),
        (Encryption::None, Decryption::None),
    ];
    for (encryption, decryption) in cases {
        let path = dir.path().join("a");
        write_archive(&path, &plain, &encryption, WriterOptions::default());
        let mut bytes = fs::read(&path).unwrap();
        bytes.truncate(bytes.len() / 2);
        let source = FailingSource {
            data: io::Cursor::new(bytes),
        };
        match read_all(source, &decryption) {
            Err(ArchiveError::Io(e)) => {
                assert_eq!(e.kind(), io::ErrorKind::ConnectionReset);
                assert_eq!(e.to_string(), "link down");
            }
            other => panic!("{encryption:?}: {:?}", other.map(|v| v.len())),
        }
    }
    // And before any layer: the failure while sniffing.
    let source = FailingSource {
        data: io::Cursor::new(b"REDIS".to_vec()),
    };
    assert!(matches!(
        read_all(source, &Decryption::None),
        Err(ArchiveError::Io(_))
    ));
}

#[test]
fn corruption_surfacing_mid_stream_is_recoverable_from_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let plain = sample_rdb(PLAIN_LEN);
    let path = dir.path().join("a.rdb.gz");
    write_archive(&path, &plain, &Encryption::None, WriterOptions::default());
    let mut bytes = fs::read(&path).unwrap();
    bytes.truncate(bytes.len() - 100);
    let mut reader = super::open_reader(io::Cursor::new(bytes), &Decryption::None).unwrap();
    let err = io::copy(&mut reader, &mut io::sink()).unwrap_err();
    assert!(err.to_string().contains("corrupt"), "{err}");
    assert!(matches!(ArchiveError::from(err), ArchiveError::Corrupt(m) if m.starts_with("gzip: ")));
}

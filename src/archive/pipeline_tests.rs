//! Tests of the parallel pipeline: every codec, level and thread count against the standard
//! tools, a run cut at every stage, and memory bounded under a slow writer.

use std::fs;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::pargz::BLOCK;
use super::testutil::{
    identities, new_identity, noise, options, read_archive, run, sample_rdb, tool, write_archive,
};
use super::{ArchiveWriter, Codec, Decryption, Encryption};
use crate::fsutil::AtomicFile;

/// Several gzip blocks per thread; zstd gets its multi-job test below.
const PLAIN_LEN: usize = 5 * BLOCK / 2 + 777;

fn decompress_with(codec: Codec, path: &std::path::Path) -> Vec<u8> {
    match codec {
        Codec::Gzip => run(tool("gzip", "gzip").arg("-dc").arg(path)),
        Codec::Zstd => run(tool("zstd", "zstd").args(["-dc", "-q"]).arg(path)),
    }
}

#[test]
fn every_level_and_thread_count_round_trips_through_the_standard_tools() {
    let dir = tempfile::tempdir().unwrap();
    let plain = sample_rdb(PLAIN_LEN);
    for codec in [Codec::Gzip, Codec::Zstd] {
        for level in codec.levels() {
            for threads in [1, 2, 3] {
                let what = format!("{codec} level {level}, {threads} threads");
                let path = dir
                    .path()
                    .join(format!("{level}-{threads}.rdb.{}", codec.extension()));
                write_archive(
                    &path,
                    &plain,
                    &Encryption::None,
                    options(codec, level, threads),
                );
                assert!(
                    decompress_with(codec, &path) == plain,
                    "{what}: the tool disagrees"
                );
                let back = read_archive(&path, &Decryption::None).unwrap();
                assert!(back == plain, "{what}: redisops disagrees");
            }
        }
    }
}

#[test]
fn parallel_gzip_is_what_pigz_and_python_read_in_the_members_its_level_calls_for() {
    let dir = tempfile::tempdir().unwrap();
    let plain = sample_rdb(PLAIN_LEN);
    let plain_path = dir.path().join("plain.rdb");
    fs::write(&plain_path, &plain).unwrap();
    let blocks = PLAIN_LEN.div_ceil(BLOCK);
    // Levels 1-3: one member per block; 4-9: one member (see `pargz`).
    for (level, threads, members) in [
        (1, 2, blocks),
        (3, 1, blocks),
        (3, 3, blocks),
        (4, 2, 1),
        (9, 2, 1),
    ] {
        let path = dir.path().join("x.rdb.gz");
        write_archive(
            &path,
            &plain,
            &Encryption::None,
            options(Codec::Gzip, level, threads),
        );
        assert!(run(tool("pigz", "pigz").arg("-dc").arg(&path)) == plain);
        // Python's gzip module reads every member; zlib counts them one by one.
        let script = "import gzip, sys, zlib\n\
                      data = open(sys.argv[1], 'rb').read()\n\
                      assert gzip.decompress(data) == open(sys.argv[2], 'rb').read(), 'content differs'\n\
                      members = 0\n\
                      while data:\n\
                      \x20   d = zlib.decompressobj(31)\n\
                      \x20   d.decompress(data)\n\
                      \x20   assert d.eof, 'a truncated member'\n\
                      \x20   data, members = d.unused_data, members + 1\n\
                      print(members)\n";
        let out = run(tool("python3", "python3")
            .args(["-c", script])
            .arg(&path)
            .arg(&plain_path));
        assert_eq!(
            String::from_utf8_lossy(&out).trim(),
            members.to_string(),
            "level {level}, {threads} threads"
        );
    }
}

#[test]
fn zstd_with_many_jobs_round_trips_through_zstd_and_age() {
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = new_identity(dir.path(), "key.txt");
    // Several 2 MiB zstd jobs.
    let plain = sample_rdb(9 * 1024 * 1024 + 5);
    let path = dir.path().join("x.rdb.zst.age");
    let encryption = Encryption::Recipients(vec![recipient]);
    write_archive(&path, &plain, &encryption, options(Codec::Zstd, 3, 2));
    let decrypted = dir.path().join("x.rdb.zst");
    run(tool("age", "age")
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg("-o")
        .arg(&decrypted)
        .arg(&path));
    assert!(decompress_with(Codec::Zstd, &decrypted) == plain);
    assert!(read_archive(&path, &identities(&[&key])).unwrap() == plain);
}

/// An output that fails its `n`-th write (counting from 0), or never when `None`.
struct FailingOutput {
    file: AtomicFile,
    fail_at: Option<usize>,
    writes: usize,
}

impl Write for FailingOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.fail_at == Some(self.writes) {
            return Err(io::Error::other("injected write failure"));
        }
        self.writes += 1;
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[test]
fn a_run_cut_at_any_stage_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (_, recipient) = new_identity(dir.path(), "key.txt");
    let work = dir.path().join("work");
    fs::create_dir(&work).unwrap();
    let plain = sample_rdb(PLAIN_LEN);
    let encryption = Encryption::Recipients(vec![recipient]);
    for codec in [Codec::Gzip, Codec::Zstd] {
        // The producer stops (a source error) after 0, 1, many bytes, or just before finish.
        for stop in [0, 1, BLOCK + 3, plain.len()] {
            let out = FailingOutput {
                file: AtomicFile::create(&work.join("a"), 0o600).unwrap(),
                fail_at: None,
                writes: 0,
            };
            let mut writer = ArchiveWriter::new(out, &encryption, options(codec, 3, 2)).unwrap();
            writer.write_all(&plain[..stop]).unwrap();
            drop(writer);
            assert_eq!(
                fs::read_dir(&work).unwrap().count(),
                0,
                "{codec} stop {stop}"
            );
        }
        // The output fails at its first write (the age header), mid-way, or at the last one.
        let mut fail_at = 0;
        loop {
            let out = FailingOutput {
                file: AtomicFile::create(&work.join("a"), 0o600).unwrap(),
                fail_at: Some(fail_at),
                writes: 0,
            };
            let result = ArchiveWriter::new(out, &encryption, options(codec, 3, 2))
                .and_then(|mut w| w.write_all(&plain).map(|()| w))
                .and_then(ArchiveWriter::finish);
            match result {
                Err(e) => assert!(e.to_string().contains("injected"), "{codec}: {e}"),
                // Past the last write the archive completes; dropped uncommitted, it leaves nothing.
                Ok((out, _)) => {
                    assert!(out.writes > 3, "{codec}: only {} writes", out.writes);
                    break;
                }
            }
            assert_eq!(
                fs::read_dir(&work).unwrap().count(),
                0,
                "{codec} fail at {fail_at}"
            );
            fail_at += 1;
        }
    }
}

/// A slow output that records, at each write, how far the producer is ahead of it.
struct SlowOutput {
    produced: Arc<AtomicU64>,
    written: u64,
    max_lag: u64,
}

impl Write for SlowOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        std::thread::sleep(Duration::from_millis(2));
        self.written += buf.len() as u64;
        let lag = self
            .produced
            .load(Ordering::SeqCst)
            .saturating_sub(self.written);
        self.max_lag = self.max_lag.max(lag);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_slow_writer_holds_the_producer_back_in_bounded_memory() {
    // Incompressible input at level 1 keeps archive bytes ≈ plaintext bytes, so the lag
    // between what the producer handed over and what reached the output is what the queues
    // hold.
    let noise = noise(48 * 1024 * 1024);
    for (codec, bound) in [(Codec::Gzip, 8 << 20), (Codec::Zstd, 24 << 20)] {
        let produced = Arc::new(AtomicU64::new(0));
        let out = SlowOutput {
            produced: produced.clone(),
            written: 0,
            max_lag: 0,
        };
        let mut writer = ArchiveWriter::new(out, &Encryption::None, options(codec, 1, 2)).unwrap();
        for chunk in noise.chunks(64 * 1024) {
            writer.write_all(chunk).unwrap();
            produced.fetch_add(chunk.len() as u64, Ordering::SeqCst);
        }
        let (out, stats) = writer.finish().unwrap();
        assert!(
            stats.archive_bytes >= noise.len() as u64,
            "{codec}: compressed noise?"
        );
        assert!(
            out.max_lag <= bound,
            "{codec}: the producer got {} MiB ahead of the output",
            out.max_lag >> 20
        );
    }
}

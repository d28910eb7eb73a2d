//! RDB primitive encodings (notes §4.3–4.4): lengths, strings, the module value stream, and the
//! "count, then that many items" pattern every collection uses.

use std::io::{Read, Write};

use super::RdbError;
use super::source::Source;

/// AUX keys and values up to this size are kept; larger ones are skipped and summarised.
const AUX_TEXT_LIMIT: usize = 64 * 1024;

/// A length field or the string-encoding marker (`11xxxxxx`) that can stand in its place.
enum LenOrEnc {
    Len(u64),
    Enc(u8),
}

/// How a string is stored, read from its first bytes.
enum StrHead {
    Raw(u64),
    Int(i64),
    Lzf { compressed: u64, decoded: u64 },
}

impl<R: Read, W: Write> Source<R, W> {
    #[inline]
    fn read_len_or_enc(&mut self) -> Result<LenOrEnc, RdbError> {
        let first = self.read_u8()?;
        match first >> 6 {
            0 => Ok(LenOrEnc::Len(u64::from(first & 0x3F))),
            1 => Ok(LenOrEnc::Len(
                u64::from(first & 0x3F) << 8 | u64::from(self.read_u8()?),
            )),
            3 => Ok(LenOrEnc::Enc(first & 0x3F)),
            _ => self.read_wide_len(first),
        }
    }

    /// 32/64-bit big-endian lengths; kept out of line so the common short forms stay lean.
    #[inline(never)]
    fn read_wide_len(&mut self, first: u8) -> Result<LenOrEnc, RdbError> {
        match first {
            0x80 => Ok(LenOrEnc::Len(u64::from(u32::from_be_bytes(
                self.read_array()?,
            )))),
            0x81 => Ok(LenOrEnc::Len(u64::from_be_bytes(self.read_array()?))),
            _ => Err(RdbError::corrupt(
                self.offset() - 1,
                format!("invalid length encoding byte {first:#04x}"),
            )),
        }
    }

    #[inline]
    pub(super) fn read_len(&mut self) -> Result<u64, RdbError> {
        match self.read_len_or_enc()? {
            LenOrEnc::Len(n) => Ok(n),
            LenOrEnc::Enc(e) => Err(self.misplaced_encoding(e)),
        }
    }

    /// Redis never writes a string-encoding marker where a plain length belongs.
    #[cold]
    fn misplaced_encoding(&self, e: u8) -> RdbError {
        RdbError::corrupt(
            self.offset() - 1,
            format!(
                "expected a length, found string-encoding marker {:#04x}",
                0xC0 | e
            ),
        )
    }

    /// Reads and discards `n` lengths.
    pub(super) fn skip_lens(&mut self, n: usize) -> Result<(), RdbError> {
        for _ in 0..n {
            self.read_len()?;
        }
        Ok(())
    }

    #[inline]
    fn read_str_head(&mut self) -> Result<StrHead, RdbError> {
        match self.read_len_or_enc()? {
            LenOrEnc::Len(n) => Ok(StrHead::Raw(n)),
            LenOrEnc::Enc(e) => self.read_encoded_head(e),
        }
    }

    /// Integer and LZF string heads, after the encoding marker.
    #[inline(never)]
    fn read_encoded_head(&mut self, encoding: u8) -> Result<StrHead, RdbError> {
        Ok(match encoding {
            0 => StrHead::Int(i64::from(i8::from_le_bytes(self.read_array()?))),
            1 => StrHead::Int(i64::from(i16::from_le_bytes(self.read_array()?))),
            2 => StrHead::Int(i64::from(i32::from_le_bytes(self.read_array()?))),
            3 => StrHead::Lzf {
                compressed: self.read_len()?,
                decoded: self.read_len()?,
            },
            e => {
                return Err(RdbError::corrupt(
                    self.offset() - 1,
                    format!("unknown string encoding {e}"),
                ));
            }
        })
    }

    /// Skips one string of any encoding (LZF payloads are not decompressed).
    /// Returns its decoded length in bytes, as Redis would see it.
    #[inline]
    pub(super) fn skip_string(&mut self) -> Result<u64, RdbError> {
        self.skip_string_kind().map(|(len, _)| len)
    }

    /// Like [`Self::skip_string`], also telling how the string is stored: `int`, `lzf` or `raw`.
    #[inline]
    pub(super) fn skip_string_kind(&mut self) -> Result<(u64, &'static str), RdbError> {
        match self.read_str_head()? {
            StrHead::Raw(n) => self.skip(n).map(|()| (n, "raw")),
            StrHead::Int(v) => Ok((decimal_len(v), "int")),
            StrHead::Lzf {
                compressed,
                decoded,
            } => self.skip(compressed).map(|()| (decoded, "lzf")),
        }
    }

    /// Reads one string, keeping its first `cap` (at most 1/4 of the buffer) decoded bytes in
    /// `out`: integers in decimal, LZF decompressed only as far as needed. Returns the decoded
    /// length of the whole string.
    pub(super) fn read_string_prefix(
        &mut self,
        cap: usize,
        out: &mut Vec<u8>,
    ) -> Result<u64, RdbError> {
        out.clear();
        let at = self.offset();
        match self.read_str_head()? {
            StrHead::Int(v) => {
                out.extend_from_slice(v.to_string().as_bytes());
                out.truncate(cap);
                Ok(decimal_len(v))
            }
            StrHead::Raw(n) => {
                let take = n.min(cap as u64) as usize;
                self.ensure(take)?;
                out.extend_from_slice(&self.pending()[..take]);
                self.skip(n).map(|()| n)
            }
            StrHead::Lzf {
                compressed,
                decoded,
            } => {
                // A literal run costs one control byte per 32 bytes, so 2 * cap + 3 input bytes
                // always decode to at least `cap` output bytes.
                let take = compressed.min(2 * cap as u64 + 3) as usize;
                self.ensure(take)?;
                let limit = decoded.min(cap as u64) as usize;
                let end = lzf_decode(&self.pending()[..take], limit, out);
                if end.is_none() || out.len() < limit {
                    return Err(RdbError::corrupt(at, "invalid LZF-compressed string"));
                }
                self.skip(compressed).map(|()| decoded)
            }
        }
    }

    /// Reads one string whole when it decodes to at most `limit` (at most the buffer size)
    /// bytes; skips a longer one and returns `None`.
    pub(super) fn read_small_string(&mut self, limit: usize) -> Result<Option<Vec<u8>>, RdbError> {
        let at = self.offset();
        match self.read_str_head()? {
            StrHead::Int(v) => Ok(Some(v.to_string().into_bytes())),
            StrHead::Raw(n) if n <= limit as u64 => self.read_vec(n as usize).map(Some),
            StrHead::Lzf {
                compressed,
                decoded,
            } if decoded <= limit as u64 && compressed <= limit as u64 => {
                let packed = self.read_vec(compressed as usize)?;
                lzf_decompress(&packed, decoded as usize)
                    .map(Some)
                    .ok_or_else(|| RdbError::corrupt(at, "invalid LZF-compressed string"))
            }
            StrHead::Raw(n) | StrHead::Lzf { compressed: n, .. } => self.skip(n).map(|()| None),
        }
    }

    /// Skips `n` strings.
    pub(super) fn skip_strings(&mut self, n: usize) -> Result<(), RdbError> {
        for _ in 0..n {
            self.skip_string()?;
        }
        Ok(())
    }

    /// Reads a string as text (AUX fields): integers in decimal, LZF decompressed, bytes
    /// that are not UTF-8 replaced. Strings over 64 KiB are skipped and summarised.
    pub(super) fn read_text(&mut self) -> Result<String, RdbError> {
        let at = self.offset();
        let (stored, decoded) = match self.read_str_head()? {
            StrHead::Int(v) => return Ok(v.to_string()),
            StrHead::Raw(n) => (n, None),
            StrHead::Lzf {
                compressed,
                decoded,
            } => (compressed, Some(decoded)),
        };
        let size = decoded.unwrap_or(stored);
        let fits = |n: u64| usize::try_from(n).ok().filter(|&n| n <= AUX_TEXT_LIMIT);
        let (Some(stored_len), Some(decoded_len)) = (fits(stored), fits(size)) else {
            self.skip(stored)?;
            return Ok(format!("<{size} bytes, not shown>"));
        };
        let bytes = self.read_vec(stored_len)?;
        let text = match decoded {
            None => bytes,
            Some(_) => lzf_decompress(&bytes, decoded_len)
                .ok_or_else(|| RdbError::corrupt(at, "invalid LZF-compressed string"))?,
        };
        Ok(String::from_utf8_lossy(&text).into_owned())
    }

    /// Reads a count, then calls `item` that many times. Every item consumes at least one
    /// byte, so a corrupt huge count ends at the end of the input, not in a long spin.
    /// Returns the count.
    pub(super) fn repeat(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<(), RdbError>,
    ) -> Result<u64, RdbError> {
        let count = self.read_len()?;
        for _ in 0..count {
            item(self)?;
        }
        Ok(count)
    }

    /// Skips a module value's annotated opcode stream up to its EOF opcode
    /// (`rdbLoadCheckModuleValue`): the module itself is not needed to walk it.
    pub(super) fn skip_module_values(&mut self) -> Result<(), RdbError> {
        loop {
            let at = self.offset();
            match self.read_len()? {
                0 => return Ok(()),
                1 | 2 => self.skip_lens(1)?,
                3 => self.skip(4)?,
                4 => self.skip(8)?,
                5 => self.skip_strings(1)?,
                op => {
                    return Err(RdbError::corrupt(
                        at,
                        format!("unknown module value opcode {op}"),
                    ));
                }
            }
        }
    }
}

/// Length of `v` written in decimal, which is how Redis sees an integer-encoded string.
fn decimal_len(v: i64) -> u64 {
    let digits = v.unsigned_abs().checked_ilog10().unwrap_or(0) + 1;
    u64::from(digits) + u64::from(v < 0)
}

/// Decompresses an LZF block (liblzf format, as used by Redis) into exactly `decoded_len`
/// bytes; `None` if the data is malformed or decodes to another length.
fn lzf_decompress(input: &[u8], decoded_len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(decoded_len);
    let end = lzf_decode(input, decoded_len, &mut out)?;
    (!end.overshot && end.consumed == input.len() && out.len() == decoded_len).then_some(out)
}

/// Where [`lzf_decode`] stopped.
struct LzfEnd {
    consumed: usize,
    /// The last item would have produced more than the limit.
    overshot: bool,
}

/// Decodes LZF `input` into `out` until `limit` bytes are out or the input ends; `None` if
/// the data is malformed.
fn lzf_decode(input: &[u8], limit: usize, out: &mut Vec<u8>) -> Option<LzfEnd> {
    let mut i = 0;
    while out.len() < limit {
        let Some(&ctrl) = input.get(i) else { break };
        i += 1;
        let ctrl = usize::from(ctrl);
        let room = limit - out.len();
        if ctrl < 32 {
            // Literal run of ctrl + 1 bytes.
            let run = input.get(i..i + ctrl + 1)?;
            out.extend_from_slice(&run[..run.len().min(room)]);
            i += run.len();
            if run.len() > room {
                return Some(LzfEnd {
                    consumed: i,
                    overshot: true,
                });
            }
        } else {
            // Back reference: length in the top 3 bits (7 = extended), offset in 13 bits.
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(i)?);
                i += 1;
            }
            len += 2;
            let distance = ((ctrl & 0x1F) << 8 | usize::from(*input.get(i)?)) + 1;
            i += 1;
            if distance > out.len() {
                return None;
            }
            // Byte by byte: the source may overlap the bytes being produced.
            let from = out.len() - distance;
            for k in from..from + len.min(room) {
                let b = out[k];
                out.push(b);
            }
            if len > room {
                return Some(LzfEnd {
                    consumed: i,
                    overshot: true,
                });
            }
        }
    }
    Some(LzfEnd {
        consumed: i,
        overshot: false,
    })
}

#[cfg(test)]
mod tests {
    use super::{decimal_len, lzf_decompress};

    #[test]
    fn decimal_len_matches_formatting() {
        for v in [
            0,
            7,
            -7,
            10,
            99,
            -100,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
        ] {
            assert_eq!(decimal_len(v), v.to_string().len() as u64, "{v}");
        }
    }

    #[test]
    fn lzf_literal_and_overlapping_back_reference() {
        // 'a' literal, then a back reference of 9 bytes at distance 1.
        let packed = [0x00, b'a', 0xE0, 0x00, 0x00];
        assert_eq!(lzf_decompress(&packed, 10).unwrap(), b"aaaaaaaaaa");
        assert_eq!(
            lzf_decompress(&packed, 9),
            None,
            "length must match exactly"
        );
        assert_eq!(
            lzf_decompress(&[0x20, 0x05], 3),
            None,
            "reference before any output"
        );
        assert_eq!(
            lzf_decompress(&[0x03, b'a'], 4),
            None,
            "literal runs past the input"
        );
    }
}

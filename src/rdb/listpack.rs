//! Just enough of the listpack format (`listpack.c`) for a detailed walk: the entry count in
//! the header, and the expire times in a hash-field-TTL listpack (field, value, TTL triplets).

/// `lpLength` stops counting in the header at this value.
const COUNT_UNKNOWN: u64 = 0xFFFF;
const HEADER: usize = 6;
const EOF: u8 = 0xFF;

/// The entry count from a listpack's header, when its total-bytes field equals `len`.
pub(super) fn entries(head: &[u8], len: u64) -> Option<u64> {
    let total = u64::from(u32::from_le_bytes(head.get(..4)?.try_into().ok()?));
    let count = u64::from(u16::from_le_bytes(head.get(4..6)?.try_into().ok()?));
    (total == len && count != COUNT_UNKNOWN).then_some(count)
}

/// One listpack entry: an integer or a string (its bytes are not needed here).
enum Entry {
    Int(i64),
    Str,
}

/// Pushes the expire times of a field-TTL listpack's fields that have one (TTL entry 0 means
/// none) onto `out`; false when the listpack does not parse as triplets.
pub(super) fn field_expires(lp: &[u8], out: &mut Vec<i64>) -> bool {
    let Some(mut rest) = lp.get(HEADER..) else {
        return false;
    };
    let mut index = 0u64;
    loop {
        match rest.first() {
            Some(&EOF) => return index.is_multiple_of(3),
            None => return false,
            Some(_) => {}
        }
        let Some((entry, next)) = entry(rest) else {
            return false;
        };
        if index % 3 == 2 {
            match entry {
                Entry::Int(0) => {}
                Entry::Int(ms) => out.push(ms),
                Entry::Str => return false,
            }
        }
        index += 1;
        rest = next;
    }
}

/// Decodes the entry at the start of `lp` and returns it with the bytes after its back-length.
fn entry(lp: &[u8]) -> Option<(Entry, &[u8])> {
    let first = *lp.first()?;
    let int = |width: usize| -> Option<i64> {
        let bytes = lp.get(1..1 + width)?;
        let raw = bytes.iter().rev().fold(0u64, |v, &b| v << 8 | u64::from(b));
        // Sign-extend from `width` bytes.
        let shift = 64 - 8 * width as u32;
        Some(((raw << shift) as i64) >> shift)
    };
    let (entry, size) = match first {
        0x00..=0x7F => (Entry::Int(i64::from(first)), 1),
        0x80..=0xBF => (Entry::Str, 1 + usize::from(first & 0x3F)),
        0xC0..=0xDF => {
            let raw = (u16::from(first & 0x1F) << 8) | u16::from(*lp.get(1)?);
            // 13-bit two's complement.
            (Entry::Int(i64::from(((raw << 3) as i16) >> 3)), 2)
        }
        0xE0..=0xEF => (
            Entry::Str,
            2 + (usize::from(first & 0x0F) << 8 | usize::from(*lp.get(1)?)),
        ),
        0xF0 => {
            let len = u32::from_le_bytes(lp.get(1..5)?.try_into().ok()?);
            (Entry::Str, 5 + len as usize)
        }
        0xF1 => (Entry::Int(int(2)?), 3),
        0xF2 => (Entry::Int(int(3)?), 4),
        0xF3 => (Entry::Int(int(4)?), 5),
        0xF4 => (Entry::Int(int(8)?), 9),
        _ => return None,
    };
    let backlen = match size {
        0..128 => 1,
        128..16384 => 2,
        16384..2_097_152 => 3,
        2_097_152..268_435_456 => 4,
        _ => 5,
    };
    Some((entry, lp.get(size + backlen..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends `encoded` with its back-length, as `lpInsert` does.
    fn push(lp: &mut Vec<u8>, encoded: &[u8]) {
        lp.extend_from_slice(encoded);
        assert!(encoded.len() < 128);
        lp.push(encoded.len() as u8);
    }

    #[test]
    fn triplets_yield_the_expire_times_of_fields_that_have_one() {
        let mut lp = vec![0; HEADER];
        push(&mut lp, b"\x82f1");
        push(&mut lp, b"\x82v1");
        push(&mut lp, b"\x00"); // no TTL
        push(&mut lp, b"\x82f2");
        push(&mut lp, &[0xC0 | 0x1F, 0xFF]); // 13-bit -1
        let ms = 1_700_000_000_000i64;
        let mut wide = vec![0xF4];
        wide.extend_from_slice(&ms.to_le_bytes());
        push(&mut lp, &wide);
        lp.push(EOF);
        let len = lp.len() as u32;
        lp[..4].copy_from_slice(&len.to_le_bytes());
        lp[4..6].copy_from_slice(&6u16.to_le_bytes());
        assert_eq!(entries(&lp, lp.len() as u64), Some(6));
        assert_eq!(entries(&lp, 3), None, "total bytes must match");
        let mut out = Vec::new();
        assert!(field_expires(&lp, &mut out));
        assert_eq!(out, [ms]);
        let mut out = Vec::new();
        assert!(!field_expires(b"listpack", &mut out), "not a listpack");
    }
}

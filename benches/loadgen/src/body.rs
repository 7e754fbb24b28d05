//! Self-checking message bodies.
//!
//! A body is ASCII text: a 37-byte header, then filler derived from the run id
//! and the sequence number.
//!
//! ```text
//! SLG1 <run id: 8 hex> <sequence: 16 hex> <crc32: 8 hex> . <filler>
//! ```
//!
//! (without the spaces). The CRC-32 covers every byte of the body except the
//! CRC field itself, so a truncated, corrupted or swapped body fails
//! verification, and the sequence number identifies the message.

use md5::{Digest, Md5};

/// Marker and format version at the start of every body.
const MAGIC: &[u8; 4] = b"SLG1";
const RUN_ID_START: usize = MAGIC.len();
const SEQUENCE_START: usize = RUN_ID_START + 8;
const CRC_START: usize = SEQUENCE_START + 16;
const SEPARATOR_AT: usize = CRC_START + 8;

/// Length of the header, and so the smallest body.
pub const HEADER_BYTES: usize = SEPARATOR_AT + 1;

/// Characters of the filler: all valid in SQS message bodies.
const FILLER_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A body made for one message, with its MD5 digest as SQS returns it.
#[derive(Debug, Clone)]
pub struct EncodedBody {
    pub text: String,
    /// Lowercase hex MD5 of `text`, compared with `MD5OfMessageBody` and `MD5OfBody`.
    pub md5_hex: String,
}

/// Verification failure of a received body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    TooShort { len: usize },
    BadMagic,
    BadHex { field: &'static str },
    BadSeparator,
    CrcMismatch { stored: u32, computed: u32 },
    ForeignRun { run_id: u32 },
}

impl BodyError {
    /// Error code under which the report counts this failure.
    pub fn code(&self) -> &'static str {
        match self {
            BodyError::CrcMismatch { .. } => "BodyCrcMismatch",
            BodyError::ForeignRun { .. } => "BodyForeignRun",
            BodyError::TooShort { .. } | BodyError::BadMagic | BodyError::BadHex { .. } | BodyError::BadSeparator => {
                "BodyMalformed"
            }
        }
    }
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooShort { len } => write!(f, "body has {len} bytes, fewer than the {HEADER_BYTES}-byte header"),
            BodyError::BadMagic => write!(f, "body does not start with {:?}", std::str::from_utf8(MAGIC).unwrap()),
            BodyError::BadHex { field } => write!(f, "the {field} field of the body header is not hex"),
            BodyError::BadSeparator => write!(f, "the body header does not end with '.'"),
            BodyError::CrcMismatch { stored, computed } => {
                write!(f, "body CRC-32 is {computed:08x}, but its header stores {stored:08x}")
            }
            BodyError::ForeignRun { run_id } => write!(f, "body belongs to run {run_id:08x}, not this run"),
        }
    }
}

/// Builds the body of message `sequence` of run `run_id`, `size` bytes long.
///
/// # Panics
///
/// Panics when `size` is smaller than [`HEADER_BYTES`]; the options check it.
pub fn encode(run_id: u32, sequence: u64, size: usize) -> EncodedBody {
    assert!(size >= HEADER_BYTES, "body size {size} is smaller than the {HEADER_BYTES}-byte header");
    let mut bytes = Vec::with_capacity(size);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(format!("{run_id:08x}{sequence:016x}").as_bytes());
    bytes.extend_from_slice(b"00000000.");
    append_filler(&mut bytes, run_id, sequence, size - HEADER_BYTES);

    let crc = body_crc(&bytes);
    bytes[CRC_START..SEPARATOR_AT].copy_from_slice(format!("{crc:08x}").as_bytes());

    let md5_hex = hex::encode(Md5::digest(&bytes));
    let text = String::from_utf8(bytes).expect("the body is ASCII");
    EncodedBody { text, md5_hex }
}

/// Checks a received body and returns its sequence number.
pub fn verify(body: &[u8], expected_run_id: u32) -> Result<u64, BodyError> {
    if body.len() < HEADER_BYTES {
        return Err(BodyError::TooShort { len: body.len() });
    }
    if &body[..RUN_ID_START] != MAGIC {
        return Err(BodyError::BadMagic);
    }
    if body[SEPARATOR_AT] != b'.' {
        return Err(BodyError::BadSeparator);
    }
    let run_id = parse_hex(&body[RUN_ID_START..SEQUENCE_START]).ok_or(BodyError::BadHex { field: "run id" })? as u32;
    let sequence = parse_hex(&body[SEQUENCE_START..CRC_START]).ok_or(BodyError::BadHex { field: "sequence" })?;
    let stored = parse_hex(&body[CRC_START..SEPARATOR_AT]).ok_or(BodyError::BadHex { field: "crc32" })? as u32;

    let computed = body_crc(body);
    if stored != computed {
        return Err(BodyError::CrcMismatch { stored, computed });
    }
    if run_id != expected_run_id {
        return Err(BodyError::ForeignRun { run_id });
    }
    Ok(sequence)
}

/// Returns the lowercase hex MD5 of a body, as SQS reports it.
pub fn md5_hex(body: &[u8]) -> String {
    hex::encode(Md5::digest(body))
}

/// CRC-32 of everything but the CRC field.
fn body_crc(body: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&body[..CRC_START]);
    hasher.update(&body[SEPARATOR_AT..]);
    hasher.finalize()
}

/// Parses lowercase or uppercase hex digits (at most 16) into a number.
fn parse_hex(digits: &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    for &digit in digits {
        let nibble = (digit as char).to_digit(16)?;
        value = (value << 4) | u64::from(nibble);
    }
    Some(value)
}

/// Appends `len` filler characters from a SplitMix64 stream seeded by the
/// run and sequence, so two messages of a run never share their filler.
fn append_filler(bytes: &mut Vec<u8>, run_id: u32, sequence: u64, len: usize) {
    let mut state = (u64::from(run_id) << 32) ^ sequence.rotate_left(17) ^ 0x9e37_79b9_7f4a_7c15;
    let mut remaining = len;
    while remaining > 0 {
        let mut word = split_mix_64(&mut state);
        // Each 64-bit word gives ten 6-bit characters.
        for _ in 0..remaining.min(10) {
            bytes.push(FILLER_ALPHABET[(word & 63) as usize]);
            word >>= 6;
        }
        remaining -= remaining.min(10);
    }
}

fn split_mix_64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: u32 = 0x1234_abcd;

    #[test]
    fn encode_has_requested_size() {
        for size in [HEADER_BYTES, HEADER_BYTES + 1, 100, 1024, 65_536] {
            let body = encode(RUN, 7, size);
            assert_eq!(body.text.len(), size, "size {size}");
        }
    }

    #[test]
    fn encode_then_verify_returns_sequence() {
        for sequence in [0, 1, 999, u64::from(u32::MAX) + 5, u64::MAX] {
            let body = encode(RUN, sequence, 1024);
            assert_eq!(verify(body.text.as_bytes(), RUN), Ok(sequence));
        }
    }

    #[test]
    fn encode_header_only_body() {
        let body = encode(RUN, 42, HEADER_BYTES);
        assert_eq!(verify(body.text.as_bytes(), RUN), Ok(42));
        assert!(body.text.starts_with("SLG11234abcd000000000000002a"));
        assert!(body.text.ends_with('.'));
    }

    #[test]
    fn encode_uses_only_safe_characters() {
        let body = encode(RUN, 3, 4096);
        assert!(body.text.bytes().all(|byte| byte.is_ascii_graphic()), "{}", body.text);
    }

    #[test]
    fn filler_differs_between_sequences() {
        let first = encode(RUN, 1, 256);
        let second = encode(RUN, 2, 256);
        assert_ne!(first.text[HEADER_BYTES..], second.text[HEADER_BYTES..]);
    }

    #[test]
    fn md5_matches_known_digest() {
        assert_eq!(md5_hex(b"hello"), "5d41402abc4b2a76b9719d911017c592");
        let body = encode(RUN, 9, 512);
        assert_eq!(body.md5_hex, md5_hex(body.text.as_bytes()));
    }

    #[test]
    fn verify_rejects_changed_filler_byte() {
        let mut bytes = encode(RUN, 5, 1024).text.into_bytes();
        bytes[500] = if bytes[500] == b'A' { b'B' } else { b'A' };
        assert!(matches!(verify(&bytes, RUN), Err(BodyError::CrcMismatch { .. })));
    }

    #[test]
    fn verify_rejects_changed_sequence() {
        let mut bytes = encode(RUN, 5, 1024).text.into_bytes();
        bytes[CRC_START - 1] = b'6';
        assert!(matches!(verify(&bytes, RUN), Err(BodyError::CrcMismatch { .. })));
    }

    #[test]
    fn verify_rejects_truncated_body() {
        let text = encode(RUN, 5, 1024).text;
        assert!(matches!(verify(&text.as_bytes()[..1000], RUN), Err(BodyError::CrcMismatch { .. })));
        assert_eq!(verify(&text.as_bytes()[..10], RUN), Err(BodyError::TooShort { len: 10 }));
    }

    #[test]
    fn verify_rejects_other_run() {
        let body = encode(RUN, 5, 100);
        assert_eq!(verify(body.text.as_bytes(), RUN + 1), Err(BodyError::ForeignRun { run_id: RUN }));
    }

    #[test]
    fn verify_rejects_malformed_header() {
        let good = encode(RUN, 5, 100).text.into_bytes();

        let mut bad_magic = good.clone();
        bad_magic[0] = b'X';
        assert_eq!(verify(&bad_magic, RUN), Err(BodyError::BadMagic));

        let mut bad_hex = good.clone();
        bad_hex[SEQUENCE_START] = b'z';
        assert_eq!(verify(&bad_hex, RUN), Err(BodyError::BadHex { field: "sequence" }));

        let mut bad_separator = good;
        bad_separator[SEPARATOR_AT] = b'-';
        assert_eq!(verify(&bad_separator, RUN), Err(BodyError::BadSeparator));

        assert_eq!(verify(b"hello world, not a loadgen body at all", RUN), Err(BodyError::BadMagic));
    }

    #[test]
    fn error_codes_group_failures() {
        assert_eq!(BodyError::CrcMismatch { stored: 1, computed: 2 }.code(), "BodyCrcMismatch");
        assert_eq!(BodyError::BadMagic.code(), "BodyMalformed");
        assert_eq!(BodyError::ForeignRun { run_id: 1 }.code(), "BodyForeignRun");
    }
}

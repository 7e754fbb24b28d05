//! Record framing and key layout.

use crate::StorageError;

/// Column family of Raft log entries: key = group id | index.
pub const CF_LOG: &str = "raft_log";
/// Column family of Raft hard and configuration state: key = group id | kind.
pub const CF_RAFT_STATE: &str = "raft_state";
/// Column family of state-machine snapshots: key = group id.
pub const CF_STATE_MACHINE: &str = "state_machine";
/// Column family of message records: key = group id | sequence number.
pub const CF_MESSAGES: &str = "messages";

pub const HARD_STATE_KIND: u8 = 1;
pub const CONF_STATE_KIND: u8 = 2;

pub fn log_key(group_id: u64, index: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&group_id.to_be_bytes());
    key[8..].copy_from_slice(&index.to_be_bytes());
    key
}

/// Key of a message record: group id | sequence number.
pub fn message_key(group_id: u64, sequence: u64) -> [u8; 16] {
    log_key(group_id, sequence)
}

pub fn state_key(group_id: u64, kind: u8) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[..8].copy_from_slice(&group_id.to_be_bytes());
    key[8] = kind;
    key
}

pub fn group_key(group_id: u64) -> [u8; 8] {
    group_id.to_be_bytes()
}

/// Frames `payload` with its crc32.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut record = Vec::with_capacity(payload.len() + 4);
    record.extend_from_slice(&crc32fast::hash(payload).to_be_bytes());
    record.extend_from_slice(payload);
    record
}

/// Checks a record's crc32 and returns its payload.
pub fn unframe<'a>(column_family: &'static str, key: &[u8], record: &'a [u8]) -> Result<&'a [u8], StorageError> {
    let corrupt = |reason: String| StorageError::Corrupt { column_family, key: hex(key), reason };
    if record.len() < 4 {
        return Err(corrupt(format!("record of {} bytes is shorter than its crc32", record.len())));
    }
    let (crc, payload) = record.split_at(4);
    let expected = u32::from_be_bytes(crc.try_into().expect("split at 4"));
    let actual = crc32fast::hash(payload);
    if expected != actual {
        return Err(corrupt(format!("crc32 mismatch: stored {expected:08x}, computed {actual:08x}")));
    }
    Ok(payload)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_round_trip() {
        let record = frame(b"payload");
        assert_eq!(unframe(CF_LOG, b"k", &record).unwrap(), b"payload");
    }

    #[test]
    fn flipped_bit_is_corrupt() {
        let mut record = frame(b"payload");
        record[6] ^= 0x01;
        let error = unframe(CF_LOG, b"k", &record).unwrap_err();
        assert!(error.to_string().contains("crc32 mismatch"), "got {error}");
    }

    #[test]
    fn short_record_is_corrupt() {
        assert!(unframe(CF_LOG, b"k", &[1, 2]).is_err());
    }

    #[test]
    fn log_keys_sort_by_group_then_index() {
        assert!(log_key(1, u64::MAX) < log_key(2, 0));
        assert!(log_key(1, 9) < log_key(1, 10));
    }
}

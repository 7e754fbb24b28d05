//! Receipt handles: opaque to clients, they name the partition group, the
//! message and the receive that produced them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

const VERSION: u8 = 1;
/// version (1) + group id (8) + sequence (8) + receive nonce (8) + crc32 (4).
const ENCODED_BYTES: usize = 29;

/// A decoded receipt handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceiptHandle {
    /// Raft group of the partition that holds the message.
    pub group_id: u64,
    /// The message's sequence number within the partition.
    pub sequence: u64,
    /// Raft log index of the receive that issued this handle; unique per receive.
    pub nonce: u64,
}

impl ReceiptHandle {
    /// Encodes the handle as URL-safe base64 with a crc32 of its fields, so a
    /// mistyped handle is rejected instead of naming another message.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(ENCODED_BYTES);
        bytes.push(VERSION);
        bytes.extend_from_slice(&self.group_id.to_be_bytes());
        bytes.extend_from_slice(&self.sequence.to_be_bytes());
        bytes.extend_from_slice(&self.nonce.to_be_bytes());
        let crc = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&crc.to_be_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Decodes a handle produced by [`ReceiptHandle::encode`]; returns `None`
    /// for anything else.
    pub fn decode(text: &str) -> Option<ReceiptHandle> {
        let bytes = URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()?;
        if bytes.len() != ENCODED_BYTES || bytes[0] != VERSION {
            return None;
        }
        let (fields, crc) = bytes.split_at(ENCODED_BYTES - 4);
        if crc32fast::hash(fields).to_be_bytes() != crc {
            return None;
        }
        let read = |at: usize| u64::from_be_bytes(fields[at..at + 8].try_into().unwrap());
        Some(ReceiptHandle { group_id: read(1), sequence: read(9), nonce: read(17) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_round_trip() {
        let handle = ReceiptHandle { group_id: 7, sequence: 42, nonce: 9_000 };
        assert_eq!(ReceiptHandle::decode(&handle.encode()), Some(handle));
    }

    #[test]
    fn receipt_rejects_garbage() {
        assert_eq!(ReceiptHandle::decode("not-a-handle"), None);
        assert_eq!(ReceiptHandle::decode(""), None);
        let mut text = ReceiptHandle { group_id: 1, sequence: 2, nonce: 3 }.encode();
        let last = text.pop().unwrap();
        text.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(ReceiptHandle::decode(&text), None, "a changed character must fail the crc");
    }
}

//! The MD5 digests that SQS returns for message bodies and message attributes.
//!
//! The attribute digest follows the SQS Developer Guide ("Calculating the MD5
//! message digest for message attributes"). Sort the attributes by name. For
//! each one, append the name, the data type and the value, each as a 4-byte
//! big-endian length followed by its UTF-8 (or binary) bytes. One transport
//! byte goes before the value: 1 for `String` and `Number` types, 2 for
//! `Binary` types. The digest is the MD5 of that buffer, in lowercase hex.

use std::collections::HashMap;

use md5::{Digest, Md5};

/// The value of one message attribute, as the digest encodes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeValue {
    /// A `String` or `Number` value (transport type 1).
    String(String),
    /// A `Binary` value (transport type 2).
    Binary(Vec<u8>),
}

/// Returns the lowercase hex MD5 of a message body's UTF-8 bytes.
pub fn md5_hex(body: &str) -> String {
    hex::encode(Md5::digest(body.as_bytes()))
}

/// Returns the MD5OfMessageAttributes of `(name, data type, value)` triples,
/// or `None` for no attributes, since SQS then returns no digest.
pub fn md5_of_message_attributes(attributes: &[(&str, &str, AttributeValue)]) -> Option<String> {
    if attributes.is_empty() {
        return None;
    }
    let mut sorted: Vec<&(&str, &str, AttributeValue)> = attributes.iter().collect();
    sorted.sort_by(|left, right| left.0.as_bytes().cmp(right.0.as_bytes()));

    let mut buffer = Vec::new();
    for (name, data_type, value) in sorted {
        push_length_prefixed(&mut buffer, name.as_bytes());
        push_length_prefixed(&mut buffer, data_type.as_bytes());
        match value {
            AttributeValue::String(text) => {
                buffer.push(1);
                push_length_prefixed(&mut buffer, text.as_bytes());
            }
            AttributeValue::Binary(bytes) => {
                buffer.push(2);
                push_length_prefixed(&mut buffer, bytes);
            }
        }
    }
    Some(hex::encode(Md5::digest(&buffer)))
}

/// Returns the MD5OfMessageAttributes of attributes in the SDK's form.
///
/// # Panics
///
/// Panics on an attribute that has neither a string nor a binary value.
pub fn md5_of_sdk_message_attributes(
    attributes: &HashMap<String, aws_sdk_sqs::types::MessageAttributeValue>,
) -> Option<String> {
    let triples: Vec<(&str, &str, AttributeValue)> = attributes
        .iter()
        .map(|(name, value)| {
            let encoded = if let Some(text) = value.string_value() {
                AttributeValue::String(text.to_string())
            } else if let Some(blob) = value.binary_value() {
                AttributeValue::Binary(blob.as_ref().to_vec())
            } else {
                panic!(
                    "message attribute {name} has neither StringValue nor BinaryValue: {value:?}"
                )
            };
            (name.as_str(), value.data_type(), encoded)
        })
        .collect();
    md5_of_message_attributes(&triples)
}

fn push_length_prefixed(buffer: &mut Vec<u8>, bytes: &[u8]) {
    let length = u32::try_from(bytes.len()).expect("an attribute field longer than 4 GiB");
    buffer.extend_from_slice(&length.to_be_bytes());
    buffer.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_digest_matches_rfc1321_vector() {
        assert_eq!(
            md5_hex("abc"),
            "900150983cd24fb0d6963f7d28e17f72",
            "MD5 test vector from RFC 1321"
        );
    }

    #[test]
    fn attribute_digest_sorts_by_name() {
        let forward = md5_of_message_attributes(&[
            ("a", "String", AttributeValue::String("1".into())),
            ("b", "Binary", AttributeValue::Binary(vec![0, 1])),
        ]);
        let backward = md5_of_message_attributes(&[
            ("b", "Binary", AttributeValue::Binary(vec![0, 1])),
            ("a", "String", AttributeValue::String("1".into())),
        ]);
        assert_eq!(
            forward, backward,
            "the digest must not depend on the order attributes are given in"
        );
    }

    #[test]
    fn attribute_digest_of_known_buffer() {
        // Name "n", type "String", value "v": 00000001 6e 00000006 537472696e67 01 00000001 76.
        let buffer: Vec<u8> = [
            &[0, 0, 0, 1][..],
            b"n",
            &[0, 0, 0, 6],
            b"String",
            &[1],
            &[0, 0, 0, 1],
            b"v",
        ]
        .concat();
        let expected = hex::encode(Md5::digest(&buffer));
        let actual =
            md5_of_message_attributes(&[("n", "String", AttributeValue::String("v".into()))]);
        assert_eq!(
            actual.as_deref(),
            Some(expected.as_str()),
            "digest of a single String attribute"
        );
    }

    #[test]
    fn attribute_digest_matches_published_vectors() {
        // Digests that moto's SQS tests (tests/test_sqs/test_sqs.py) pin as
        // the values AWS returns for one Number attribute named "timestamp".
        for (value, expected) in [
            ("1493147359900", "235c5c510d26fb653d073faed50ae77c"),
            ("1493147359901", "994258b45346a2cc3f9cbb611aa7af30"),
        ] {
            let actual = md5_of_message_attributes(&[(
                "timestamp",
                "Number",
                AttributeValue::String(value.into()),
            )]);
            assert_eq!(
                actual.as_deref(),
                Some(expected),
                "digest of timestamp={value} (Number)"
            );
        }
    }

    #[test]
    fn no_attributes_no_digest() {
        assert_eq!(
            md5_of_message_attributes(&[]),
            None,
            "SQS returns no MD5OfMessageAttributes without attributes"
        );
    }
}

//! MD5 digests that SQS returns so that clients can check what it stored
//! (`MD5OfMessageBody`, `MD5OfMessageAttributes`, `MD5OfMessageSystemAttributes`).
//!
//! The attribute digest is the one AWS documents and the AWS SDKs check. It
//! covers the attributes sorted by name. For each one it hashes the name, the
//! data type and the value, each prefixed with its length as a 4-byte
//! big-endian integer, and a transport-type byte (1 for String and Number, 2
//! for Binary) before the value.

use md5::{Digest, Md5};

use crate::types::{MessageAttributeValue, MessageAttributes};

/// Transport-type byte of String and Number values.
const TRANSPORT_STRING: u8 = 1;
/// Transport-type byte of Binary values.
const TRANSPORT_BINARY: u8 = 2;

/// Returns the lowercase hex MD5 of the UTF-8 message body (`MD5OfMessageBody`).
pub fn md5_of_body(body: &str) -> String {
    hex::encode(Md5::digest(body.as_bytes()))
}

/// Returns `MD5OfMessageAttributes`, or `None` when there are no attributes
/// (AWS then omits the member).
pub fn md5_of_message_attributes(attrs: &MessageAttributes) -> Option<String> {
    if attrs.is_empty() {
        return None;
    }
    let mut hasher = Md5::new();
    // BTreeMap iterates in byte order of the names, the order AWS sorts in.
    for (name, value) in attrs {
        update_attribute(&mut hasher, name, value);
    }
    Some(hex::encode(hasher.finalize()))
}

/// Returns `MD5OfMessageSystemAttributes`, computed as for message attributes.
pub fn md5_of_message_system_attributes(attrs: &MessageAttributes) -> Option<String> {
    md5_of_message_attributes(attrs)
}

fn update_attribute(hasher: &mut Md5, name: &str, value: &MessageAttributeValue) {
    update_length_prefixed(hasher, name.as_bytes());
    update_length_prefixed(hasher, value.data_type.as_bytes());
    if value.data_type.starts_with("Binary") {
        hasher.update([TRANSPORT_BINARY]);
        update_length_prefixed(hasher, value.binary_value.as_deref().unwrap_or_default());
    } else {
        hasher.update([TRANSPORT_STRING]);
        update_length_prefixed(
            hasher,
            value.string_value.as_deref().unwrap_or_default().as_bytes(),
        );
    }
}

fn update_length_prefixed(hasher: &mut Md5, bytes: &[u8]) {
    // Validation caps every part far below 4 GiB, so the length fits in u32.
    let length = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    hasher.update(length.to_be_bytes());
    hasher.update(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_attr(data_type: &str, value: &str) -> MessageAttributeValue {
        MessageAttributeValue {
            data_type: data_type.into(),
            string_value: Some(value.into()),
            binary_value: None,
        }
    }

    fn binary_attr(value: &[u8]) -> MessageAttributeValue {
        MessageAttributeValue {
            data_type: "Binary".into(),
            string_value: None,
            binary_value: Some(value.to_vec()),
        }
    }

    #[test]
    fn body_digest_matches_api_reference_example() {
        // SendMessage example of the SQS API reference: body "This is a test message".
        assert_eq!(
            md5_of_body("This is a test message"),
            "fafb00f5732ab283681e124bf8747ed1"
        );
    }

    #[test]
    fn body_digest_of_empty_string() {
        assert_eq!(md5_of_body(""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn string_attribute_digest_matches_java_sdk() {
        // Digest that the AWS SDK for Java computed for {"content-encoding": String "lz4"},
        // quoted in a public bug report against an SQS emulator.
        let attrs = MessageAttributes::from([(
            "content-encoding".to_string(),
            string_attr("String", "lz4"),
        )]);
        assert_eq!(
            md5_of_message_attributes(&attrs).as_deref(),
            Some("d5b1c8868f6406a7a6a8f4cebc4fcc94")
        );
    }

    #[test]
    fn binary_attribute_digest_matches_sqs() {
        // Digest that both SQS and the AWS SDK for .NET returned for a Binary
        // attribute "testname" with bytes "123", quoted in an aws-sdk-net bug report.
        let attrs = MessageAttributes::from([("testname".to_string(), binary_attr(b"123"))]);
        assert_eq!(
            md5_of_message_attributes(&attrs).as_deref(),
            Some("4969dd151b0a6c8b619ebb802f76e035")
        );
    }

    #[test]
    fn empty_attributes_have_no_digest() {
        assert_eq!(md5_of_message_attributes(&MessageAttributes::new()), None);
        assert_eq!(
            md5_of_message_system_attributes(&MessageAttributes::new()),
            None
        );
    }

    #[test]
    fn attribute_digest_is_order_independent() {
        let forward = MessageAttributes::from([
            ("a".to_string(), string_attr("String", "1")),
            ("b".to_string(), string_attr("Number", "2")),
        ]);
        let mut reverse = MessageAttributes::new();
        reverse.insert("b".into(), string_attr("Number", "2"));
        reverse.insert("a".into(), string_attr("String", "1"));
        assert_eq!(
            md5_of_message_attributes(&forward),
            md5_of_message_attributes(&reverse)
        );
    }

    #[test]
    fn attribute_digest_covers_type_and_label() {
        let plain = MessageAttributes::from([("n".to_string(), string_attr("Number", "5"))]);
        let labeled = MessageAttributes::from([("n".to_string(), string_attr("Number.int", "5"))]);
        let string = MessageAttributes::from([("n".to_string(), string_attr("String", "5"))]);
        assert_ne!(
            md5_of_message_attributes(&plain),
            md5_of_message_attributes(&labeled)
        );
        assert_ne!(
            md5_of_message_attributes(&plain),
            md5_of_message_attributes(&string)
        );
    }

    #[test]
    fn attribute_digest_matches_manual_encoding() {
        // Encodes {"a": String "x"} byte by byte as the Developer Guide describes.
        let attrs = MessageAttributes::from([("a".to_string(), string_attr("String", "x"))]);
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&[0, 0, 0, 1, b'a']);
        bytes.extend_from_slice(&[0, 0, 0, 6]);
        bytes.extend_from_slice(b"String");
        bytes.push(1);
        bytes.extend_from_slice(&[0, 0, 0, 1, b'x']);
        assert_eq!(
            md5_of_message_attributes(&attrs),
            Some(hex::encode(Md5::digest(&bytes)))
        );
    }

    #[test]
    fn system_attribute_digest_uses_same_encoding() {
        let attrs = MessageAttributes::from([(
            "AWSTraceHeader".to_string(),
            string_attr(
                "String",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
            ),
        )]);
        assert_eq!(
            md5_of_message_system_attributes(&attrs),
            md5_of_message_attributes(&attrs)
        );
        assert!(md5_of_message_system_attributes(&attrs).is_some());
    }
}

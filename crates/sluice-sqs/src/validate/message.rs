//! One message of `SendMessage` or `SendMessageBatch`, and the attribute
//! selection of `ReceiveMessage`.

use super::{invalid_value, is_token};
use crate::error::SqsError;
use crate::limits::*;
use crate::types::{MessageAttributeValue, MessageAttributes, SendEntry};

/// Returns the size that SQS counts against `MaximumMessageSize`: the UTF-8
/// body plus each message attribute's name, data type and value, in bytes.
/// System attributes do not count.
pub fn message_size(entry: &SendEntry) -> usize {
    let attributes: usize = entry
        .message_attributes
        .iter()
        .map(|(name, value)| name.len() + value.data_type.len() + attribute_value_len(value))
        .sum();
    entry.message_body.len() + attributes
}

fn attribute_value_len(value: &MessageAttributeValue) -> usize {
    value.string_value.as_ref().map_or(0, String::len)
        + value.binary_value.as_ref().map_or(0, Vec::len)
}

/// Checks one message before it is sent to a queue whose `MaximumMessageSize`
/// is `max_message_size` bytes.
///
/// Errors: `MissingParameter` for an empty body and for a FIFO message
/// without `MessageGroupId`. `InvalidMessageContents` for characters outside
/// the XML 1.0 set. `InvalidParameterValue` for the size, the attributes, the
/// delay and the FIFO ids.
pub fn validate_send_entry(
    entry: &SendEntry,
    max_message_size: usize,
    fifo: bool,
    content_based_deduplication: bool,
) -> Result<(), SqsError> {
    if entry.message_body.is_empty() {
        return Err(SqsError::missing_named_parameter("MessageBody"));
    }
    check_characters(&entry.message_body, "the message body")?;
    validate_message_attributes(&entry.message_attributes)?;
    validate_system_attributes(&entry.message_system_attributes)?;
    if message_size(entry) > max_message_size {
        return Err(SqsError::invalid_parameter_value(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {max_message_size} bytes."
        )));
    }
    check_delay(entry.delay_seconds, fifo)?;
    check_fifo_ids(entry, fifo, content_based_deduplication)
}

/// True for the characters SQS accepts in a message: `#x9 | #xA | #xD |
/// #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF`. Rust strings hold no
/// surrogates, so the gaps left to reject are control characters and U+FFFE/U+FFFF.
fn is_allowed_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

// NOTE: AWS SDK documentation pages differ on whether SQS rejects such
// characters with InvalidMessageContents or replaces them with U+FFFD. This
// code rejects them, as the SendMessage documentation of the SQS model states.
fn check_characters(text: &str, place: &str) -> Result<(), SqsError> {
    // Most bodies are printable ASCII; a byte loop checks them much faster
    // than decoding every character.
    if text.bytes().all(|byte| (0x20..0x7f).contains(&byte) || matches!(byte, b'\t' | b'\n' | b'\r')) {
        return Ok(());
    }
    match text.chars().find(|&c| !is_allowed_char(c)) {
        None => Ok(()),
        Some(c) => Err(SqsError::invalid_message_contents(format!(
            "Invalid binary character '#x{:X}' was found in {place}, the set of allowed characters is \
             #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
            u32::from(c)
        ))),
    }
}

fn validate_message_attributes(attributes: &MessageAttributes) -> Result<(), SqsError> {
    if attributes.len() > MESSAGE_ATTRIBUTES_MAX {
        return Err(SqsError::invalid_parameter_value(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [{MESSAGE_ATTRIBUTES_MAX}].",
            attributes.len()
        )));
    }
    for (name, value) in attributes {
        check_attribute_name(name)?;
        check_attribute_value(name, value)?;
    }
    Ok(())
}

/// Names: 1 to 256 of alphanumerics, `_`, `-` and `.`; no leading, trailing
/// or doubled period; no `AWS.` or `Amazon.` prefix in any casing.
fn check_attribute_name(name: &str) -> Result<(), SqsError> {
    let well_formed = (1..=MESSAGE_ATTRIBUTE_NAME_CHARS_MAX).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..");
    if !well_formed {
        return Err(SqsError::invalid_parameter_value(format!(
            "Message (user) attribute name '{name}' is invalid. Names can contain alphanumeric characters, \
             hyphens, underscores and periods, up to 256 characters, and must not start or end with a period \
             or contain two periods in a row."
        )));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws.") || lower.starts_with("amazon.") {
        return Err(SqsError::invalid_parameter_value(format!(
            "Message (user) attribute name '{name}' is invalid. The prefixes AWS. and Amazon. are reserved."
        )));
    }
    Ok(())
}

/// Returns the base type of a data type: `String`, `Number` or `Binary`,
/// optionally followed by `.` and a custom label (`Number.float`).
fn base_type(data_type: &str) -> Option<&'static str> {
    ["String", "Number", "Binary"].into_iter().find(|base| {
        data_type
            .strip_prefix(base)
            .is_some_and(|label| label.is_empty() || label.starts_with('.'))
    })
}

fn check_attribute_value(name: &str, value: &MessageAttributeValue) -> Result<(), SqsError> {
    if value.data_type.is_empty() {
        return Err(SqsError::invalid_parameter_value(format!(
            "The message attribute '{name}' must contain non-empty message attribute type."
        )));
    }
    let base = base_type(&value.data_type)
        .filter(|_| value.data_type.chars().count() <= MESSAGE_ATTRIBUTE_TYPE_CHARS_MAX)
        .ok_or_else(|| {
            SqsError::invalid_parameter_value(format!(
                "The type of message (user) attribute '{name}' is invalid. You must use only the following \
                 supported type prefixes: Binary, Number, String."
            ))
        })?;
    let empty_value = || {
        SqsError::invalid_parameter_value(format!(
            "The message attribute '{name}' must contain non-empty message attribute value for message \
             attribute type '{base}'."
        ))
    };
    if base == "Binary" {
        return match &value.binary_value {
            Some(bytes) if !bytes.is_empty() => Ok(()),
            _ => Err(empty_value()),
        };
    }
    let text = value
        .string_value
        .as_deref()
        .filter(|text| !text.is_empty())
        .ok_or_else(empty_value)?;
    check_characters(text, &format!("the value of message attribute '{name}'"))?;
    if base == "Number" && !is_number(text) {
        return Err(SqsError::invalid_parameter_value(format!(
            "Can't cast the value of message (user) attribute '{name}' to a number."
        )));
    }
    Ok(())
}

/// True for a decimal number: optional sign, digits with an optional
/// fraction, and an optional exponent (`-1`, `0.5`, `.5`, `6.02e23`).
fn is_number(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok =
        !(whole.is_empty() && fraction.is_empty()) && digits(whole) && digits(fraction);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// Only `AWSTraceHeader`, of type `String` with a non-empty value, may be set.
fn validate_system_attributes(attributes: &MessageAttributes) -> Result<(), SqsError> {
    for (name, value) in attributes {
        if name != "AWSTraceHeader" {
            return Err(SqsError::invalid_parameter_value(format!(
                "Message system attribute name '{name}' is invalid."
            )));
        }
        let valid = value.data_type == "String"
            && value.string_value.as_deref().is_some_and(|v| !v.is_empty());
        if !valid {
            return Err(SqsError::invalid_parameter_value(
                "Message system attribute 'AWSTraceHeader' must be of type String with a non-empty value.",
            ));
        }
    }
    Ok(())
}

fn check_delay(delay_seconds: Option<i32>, fifo: bool) -> Result<(), SqsError> {
    let Some(delay) = delay_seconds else {
        return Ok(());
    };
    if fifo {
        return Err(invalid_value(
            "DelaySeconds",
            delay,
            "The request include parameter that is not valid for this queue type.",
        ));
    }
    if !(DELAY_S_MIN..=DELAY_S_MAX).contains(&delay) {
        return Err(invalid_value(
            "DelaySeconds",
            delay,
            "DelaySeconds must be >= 0 and <= 900.",
        ));
    }
    Ok(())
}

/// FIFO queues need `MessageGroupId`, and `MessageDeduplicationId` unless
/// content-based deduplication is on. Standard queues accept
/// `MessageGroupId` (fair queues) but reject `MessageDeduplicationId`.
fn check_fifo_ids(
    entry: &SendEntry,
    fifo: bool,
    content_based_deduplication: bool,
) -> Result<(), SqsError> {
    if let Some(group) = &entry.message_group_id {
        check_token("MessageGroupId", group, MESSAGE_GROUP_ID_CHARS_MAX)?;
    } else if fifo {
        return Err(SqsError::missing_named_parameter("MessageGroupId"));
    }
    match &entry.message_deduplication_id {
        Some(id) if !fifo => Err(invalid_value(
            "MessageDeduplicationId",
            id,
            "The request include parameter that is not valid for this queue type.",
        )),
        Some(id) => check_token("MessageDeduplicationId", id, DEDUPLICATION_ID_CHARS_MAX),
        None if fifo && !content_based_deduplication => Err(SqsError::invalid_parameter_value(
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided \
             explicitly",
        )),
        None => Ok(()),
    }
}

fn check_token(parameter: &str, value: &str, max: usize) -> Result<(), SqsError> {
    if is_token(value, max) {
        Ok(())
    } else {
        Err(invalid_value(
            parameter,
            value,
            &format!("{parameter} can only include alphanumeric and punctuation characters. 1 to {max} in length."),
        ))
    }
}

/// Returns the attributes that `ReceiveMessage` returns for the requested
/// `MessageAttributeNames`: `All` or `.*` selects every attribute, `prefix.*`
/// those whose name starts with `prefix.`, and any other entry the attribute
/// of that exact name.
pub fn select_message_attributes(attrs: &MessageAttributes, names: &[String]) -> MessageAttributes {
    if names.iter().any(|name| name == "All" || name == ".*") {
        return attrs.clone();
    }
    attrs
        .iter()
        .filter(|(attribute, _)| names.iter().any(|name| matches_selector(name, attribute)))
        .map(|(attribute, value)| (attribute.clone(), value.clone()))
        .collect()
}

fn matches_selector(selector: &str, attribute: &str) -> bool {
    match selector.strip_suffix('*') {
        Some(prefix) if prefix.ends_with('.') => attribute.starts_with(prefix),
        _ => selector == attribute,
    }
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;

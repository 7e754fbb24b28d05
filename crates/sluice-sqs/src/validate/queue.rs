//! Queue names, queue attributes (`CreateQueue`, `SetQueueAttributes`,
//! `GetQueueAttributes`) and tags.

use serde_json::Value;

use super::{invalid_value, is_name_char};
use crate::error::SqsError;
use crate::limits::*;
use crate::types::{AttributeMap, TagMap};

/// Checks a queue name for `CreateQueue`: 1 to 80 alphanumerics, `-` and
/// `_`, and for a FIFO queue the `.fifo` suffix, counted in the 80.
///
/// Errors: `InvalidParameterValue`.
pub fn validate_queue_name(name: &str, fifo: bool) -> Result<(), SqsError> {
    let length_ok = (1..=QUEUE_NAME_CHARS_MAX).contains(&name.chars().count());
    if fifo {
        let stem = name.strip_suffix(FIFO_SUFFIX);
        let valid = length_ok
            && stem.is_some_and(|stem| !stem.is_empty() && stem.chars().all(is_name_char));
        if !valid {
            return Err(SqsError::invalid_parameter_value(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, \
                 must end with .fifo suffix and be 1 to 80 in length.",
            ));
        }
    } else if !length_ok || !name.chars().all(is_name_char) {
        return Err(SqsError::invalid_parameter_value(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        ));
    }
    Ok(())
}

/// Attributes that `GetQueueAttributes` returns but no request may set.
const READ_ONLY_ATTRIBUTES: &[&str] = &[
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
];

/// Attributes that only FIFO queues have.
const FIFO_ATTRIBUTES: &[&str] = &[
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
];

/// Attributes that both queue types may set.
const COMMON_SETTABLE_ATTRIBUTES: &[&str] = &[
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "Policy",
    "ReceiveMessageWaitTimeSeconds",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "VisibilityTimeout",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
];

fn unknown_attribute(name: &str) -> SqsError {
    SqsError::invalid_attribute_name(format!("Unknown Attribute {name}."))
}

fn invalid_attribute(name: &str) -> SqsError {
    SqsError::invalid_attribute_value(format!("Invalid value for the parameter {name}."))
}

fn invalid_attribute_because(name: &str, reason: &str) -> SqsError {
    SqsError::invalid_attribute_value(format!(
        "Invalid value for the parameter {name}. Reason: {reason}"
    ))
}

/// Checks the attributes of `CreateQueue` (`creating`) or `SetQueueAttributes`.
///
/// Errors: `InvalidAttributeName` for an unknown or read-only name, for a
/// FIFO-only attribute on a standard queue and for `FifoQueue` outside
/// creation. `InvalidAttributeValue` for a value out of range or of the
/// wrong form.
pub fn validate_queue_attributes(
    attributes: &AttributeMap,
    fifo: bool,
    creating: bool,
) -> Result<(), SqsError> {
    for (name, value) in attributes {
        check_attribute_name(name, fifo, creating)?;
        check_attribute_value(name, value, fifo)?;
    }
    Ok(())
}

fn check_attribute_name(name: &str, fifo: bool, creating: bool) -> Result<(), SqsError> {
    let settable = COMMON_SETTABLE_ATTRIBUTES.contains(&name)
        || match name {
            // `FifoQueue=false` is accepted when creating a standard queue.
            // NOTE: which error AWS gives for `FifoQueue` in SetQueueAttributes
            // is unconfirmed; this code reports the name as unknown.
            "FifoQueue" => creating,
            _ => fifo && FIFO_ATTRIBUTES.contains(&name),
        };
    if settable {
        Ok(())
    } else {
        Err(unknown_attribute(name))
    }
}

fn check_attribute_value(name: &str, value: &str, fifo: bool) -> Result<(), SqsError> {
    match name {
        "DelaySeconds" => check_range(name, value, DELAY_S_MIN, DELAY_S_MAX),
        "MaximumMessageSize" => {
            check_range(name, value, MESSAGE_SIZE_BYTES_MIN, MESSAGE_SIZE_BYTES_MAX)
        }
        "MessageRetentionPeriod" => check_range(
            name,
            value,
            MESSAGE_RETENTION_S_MIN,
            MESSAGE_RETENTION_S_MAX,
        ),
        "ReceiveMessageWaitTimeSeconds" => {
            check_range(name, value, RECEIVE_WAIT_S_MIN, RECEIVE_WAIT_S_MAX)
        }
        "VisibilityTimeout" => check_range(
            name,
            value,
            VISIBILITY_TIMEOUT_S_MIN,
            VISIBILITY_TIMEOUT_S_MAX,
        ),
        "KmsDataKeyReusePeriodSeconds" => check_range(
            name,
            value,
            KMS_DATA_KEY_REUSE_S_MIN,
            KMS_DATA_KEY_REUSE_S_MAX,
        ),
        "FifoQueue" => check_enum(name, value, &[if fifo { "true" } else { "false" }]),
        "ContentBasedDeduplication" | "SqsManagedSseEnabled" => {
            check_enum(name, value, &["true", "false"])
        }
        "DeduplicationScope" => check_enum(name, value, &["messageGroup", "queue"]),
        "FifoThroughputLimit" => check_enum(name, value, &["perQueue", "perMessageGroupId"]),
        "Policy" => check_policy(value),
        "RedrivePolicy" => check_redrive_policy(value),
        "RedriveAllowPolicy" => check_redrive_allow_policy(value),
        _ => Ok(()),
    }
}

fn check_range(name: &str, value: &str, min: i32, max: i32) -> Result<(), SqsError> {
    match value.parse::<i64>() {
        Ok(number) if (i64::from(min)..=i64::from(max)).contains(&number) => Ok(()),
        _ => Err(invalid_attribute(name)),
    }
}

fn check_enum(name: &str, value: &str, allowed: &[&str]) -> Result<(), SqsError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid_attribute(name))
    }
}

/// Parses a policy attribute; an empty string removes the policy and passes.
fn parse_policy(
    name: &str,
    value: &str,
) -> Result<Option<serde_json::Map<String, Value>>, SqsError> {
    if value.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str(value) {
        Ok(Value::Object(object)) => Ok(Some(object)),
        _ => Err(invalid_attribute_because(
            name,
            "The policy is not a valid JSON object.",
        )),
    }
}

fn check_policy(value: &str) -> Result<(), SqsError> {
    parse_policy("Policy", value).map(|_| ())
}

/// Checks `{"deadLetterTargetArn": "...", "maxReceiveCount": 1..1000}`; the
/// count may be a number or a numeric string, as AWS accepts both.
fn check_redrive_policy(value: &str) -> Result<(), SqsError> {
    const NAME: &str = "RedrivePolicy";
    let Some(policy) = parse_policy(NAME, value)? else {
        return Ok(());
    };
    match policy.get("deadLetterTargetArn") {
        Some(Value::String(arn)) if !arn.is_empty() => {}
        _ => {
            return Err(invalid_attribute_because(
                NAME,
                "deadLetterTargetArn must be a queue ARN.",
            ))
        }
    }
    let count = match policy.get("maxReceiveCount") {
        Some(Value::Number(number)) => number.as_i64(),
        Some(Value::String(text)) => text.parse().ok(),
        _ => None,
    };
    match count {
        Some(count) if (MAX_RECEIVE_COUNT_MIN..=MAX_RECEIVE_COUNT_MAX).contains(&count) => Ok(()),
        _ => Err(invalid_attribute_because(
            NAME,
            "maxReceiveCount must be an integer from 1 to 1000.",
        )),
    }
}

/// Checks `{"redrivePermission": "allowAll"|"denyAll"|"byQueue", "sourceQueueArns": [...]}`,
/// where `sourceQueueArns` (1 to 10 ARNs) goes with `byQueue` only.
fn check_redrive_allow_policy(value: &str) -> Result<(), SqsError> {
    const NAME: &str = "RedriveAllowPolicy";
    let Some(policy) = parse_policy(NAME, value)? else {
        return Ok(());
    };
    let permission = policy.get("redrivePermission").and_then(Value::as_str);
    let sources = policy.get("sourceQueueArns");
    match (permission, sources) {
        (Some("allowAll" | "denyAll"), None) => Ok(()),
        (Some("byQueue"), Some(Value::Array(arns)))
            if (1..=REDRIVE_ALLOW_SOURCE_QUEUES_MAX).contains(&arns.len()) && arns.iter().all(Value::is_string) =>
        {
            Ok(())
        }
        _ => Err(invalid_attribute_because(
            NAME,
            "redrivePermission must be allowAll, denyAll or byQueue, and byQueue needs 1 to 10 sourceQueueArns.",
        )),
    }
}

/// Checks the names of `GetQueueAttributes`: `All` or any queue attribute.
///
/// Errors: `InvalidAttributeName`.
pub fn validate_attribute_names(names: &[String]) -> Result<(), SqsError> {
    for name in names {
        let known = name == "All"
            || COMMON_SETTABLE_ATTRIBUTES.contains(&name.as_str())
            || FIFO_ATTRIBUTES.contains(&name.as_str())
            || READ_ONLY_ATTRIBUTES.contains(&name.as_str());
        if !known {
            return Err(unknown_attribute(name));
        }
    }
    Ok(())
}

/// Checks `MaxResults` of `ListQueues`: 1 to 1000 when given.
///
/// Errors: `InvalidParameterValue`.
pub fn validate_list_queues(max_results: Option<i32>) -> Result<(), SqsError> {
    match max_results {
        Some(max) if !(1..=LIST_QUEUES_RESULTS_MAX).contains(&max) => Err(invalid_value(
            "MaxResults",
            max,
            "MaxResults must be an integer between 1 and 1000.",
        )),
        _ => Ok(()),
    }
}

/// Returns the settable attributes of a new queue with AWS's default values.
pub fn default_queue_attributes(fifo: bool) -> AttributeMap {
    let mut attributes = AttributeMap::from([
        ("DelaySeconds".to_owned(), DELAY_S_DEFAULT.to_string()),
        (
            "MaximumMessageSize".to_owned(),
            MESSAGE_SIZE_BYTES_DEFAULT.to_string(),
        ),
        (
            "MessageRetentionPeriod".to_owned(),
            MESSAGE_RETENTION_S_DEFAULT.to_string(),
        ),
        (
            "ReceiveMessageWaitTimeSeconds".to_owned(),
            RECEIVE_WAIT_S_DEFAULT.to_string(),
        ),
        (
            "VisibilityTimeout".to_owned(),
            VISIBILITY_TIMEOUT_S_DEFAULT.to_string(),
        ),
        ("SqsManagedSseEnabled".to_owned(), "true".to_owned()),
    ]);
    if fifo {
        attributes.insert("FifoQueue".to_owned(), "true".to_owned());
        attributes.insert("ContentBasedDeduplication".to_owned(), "false".to_owned());
        attributes.insert("DeduplicationScope".to_owned(), "queue".to_owned());
        attributes.insert("FifoThroughputLimit".to_owned(), "perQueue".to_owned());
    }
    attributes
}

/// Checks the tags of `TagQueue` and `CreateQueue`: keys of 1 to 128
/// characters, values of up to 256, and no key with the reserved `aws:` prefix.
///
/// Errors: `InvalidParameterValue`.
pub fn validate_tags(tags: &TagMap) -> Result<(), SqsError> {
    for (key, value) in tags {
        validate_tag_key(key)?;
        if value.chars().count() > TAG_VALUE_CHARS_MAX {
            return Err(invalid_value(
                "TagValue",
                value,
                "Tag values can be at most 256 characters long.",
            ));
        }
    }
    Ok(())
}

/// Checks the keys of `UntagQueue`. Errors: `InvalidParameterValue`.
pub fn validate_tag_keys(keys: &[String]) -> Result<(), SqsError> {
    keys.iter().try_for_each(|key| validate_tag_key(key))
}

fn validate_tag_key(key: &str) -> Result<(), SqsError> {
    if !(1..=TAG_KEY_CHARS_MAX).contains(&key.chars().count()) {
        return Err(invalid_value(
            "TagKey",
            key,
            "Tag keys must be 1 to 128 characters long.",
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(invalid_value(
            "TagKey",
            key,
            "The prefix aws: is reserved for tags that AWS creates.",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;

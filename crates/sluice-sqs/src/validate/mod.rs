//! Validation of request parameters, with AWS's error codes and wording.
//!
//! Messages quoted from AWS responses are used where known; the others follow
//! their pattern ("Value X for parameter Y is invalid. Reason: ...").

mod batch;
mod message;
mod queue;

pub use batch::{
    validate_batch_ids, validate_batch_size, validate_receive, validate_receive_request_attempt_id,
    validate_visibility_timeout,
};
pub use message::{message_size, select_message_attributes, validate_send_entry};
pub use queue::{
    default_queue_attributes, validate_attribute_names, validate_list_queues,
    validate_queue_attributes, validate_queue_name, validate_tag_keys, validate_tags,
};

use crate::error::SqsError;

/// `InvalidParameterValue` in AWS's form for one parameter value.
fn invalid_value(parameter: &str, value: impl std::fmt::Display, reason: &str) -> SqsError {
    SqsError::invalid_parameter_value(format!(
        "Value {value} for parameter {parameter} is invalid. Reason: {reason}"
    ))
}

/// True for ASCII letters, digits, `-` and `_`: the characters of queue names and batch ids.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// True for a string of 1 to `max` ASCII alphanumerics and punctuation
/// (`!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`), the rule of deduplication and group ids.
fn is_token(value: &str, max: usize) -> bool {
    (1..=max).contains(&value.chars().count()) && value.chars().all(|c| c.is_ascii_graphic())
}

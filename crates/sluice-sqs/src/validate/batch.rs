//! Batch requests (`SendMessageBatch`, `DeleteMessageBatch`,
//! `ChangeMessageVisibilityBatch`) and the parameters of `ReceiveMessage`
//! and `ChangeMessageVisibility`.

use std::collections::BTreeSet;

use super::message::message_size;
use super::{invalid_value, is_name_char, is_token};
use crate::error::SqsError;
use crate::limits::*;
use crate::types::SendEntry;

/// Checks the entry ids of a batch: 1 to 10 entries, distinct ids, each of
/// 1 to 80 alphanumerics, `-` and `_`.
///
/// Errors: `EmptyBatchRequest`, `TooManyEntriesInBatchRequest`,
/// `BatchEntryIdsNotDistinct`, `InvalidBatchEntryId`.
pub fn validate_batch_ids(ids: &[&str]) -> Result<(), SqsError> {
    if ids.is_empty() {
        return Err(SqsError::empty_batch_request(
            "There should be at least one entry in the request.",
        ));
    }
    if ids.len() > BATCH_ENTRIES_MAX {
        return Err(SqsError::too_many_entries_in_batch_request(format!(
            "Maximum number of entries per request are {BATCH_ENTRIES_MAX}. You have sent {}.",
            ids.len()
        )));
    }
    let mut seen = BTreeSet::new();
    for id in ids {
        let well_formed = (1..=BATCH_ENTRY_ID_CHARS_MAX).contains(&id.chars().count())
            && id.chars().all(is_name_char);
        if !well_formed {
            return Err(SqsError::invalid_batch_entry_id(
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. \
                 It can be at most 80 letters long.",
            ));
        }
        if !seen.insert(*id) {
            return Err(SqsError::batch_entry_ids_not_distinct(format!(
                "Id {id} repeated."
            )));
        }
    }
    Ok(())
}

/// Checks that the messages of a `SendMessageBatch` add up to at most 1 MiB,
/// each counted as [`message_size`] counts it.
///
/// Errors: `BatchRequestTooLong`.
pub fn validate_batch_size(entries: &[SendEntry]) -> Result<(), SqsError> {
    let total: usize = entries.iter().map(message_size).sum();
    if total > BATCH_SIZE_BYTES_MAX {
        return Err(SqsError::batch_request_too_long(format!(
            "Batch requests cannot be longer than {BATCH_SIZE_BYTES_MAX} bytes. You have sent {total} bytes."
        )));
    }
    Ok(())
}

/// Checks the optional numbers of `ReceiveMessage`: `MaxNumberOfMessages`
/// 1 to 10, `VisibilityTimeout` 0 to 43200, `WaitTimeSeconds` 0 to 20.
///
/// Errors: `InvalidParameterValue`.
pub fn validate_receive(
    max_number_of_messages: Option<i32>,
    visibility_timeout: Option<i32>,
    wait_time_seconds: Option<i32>,
) -> Result<(), SqsError> {
    if let Some(max) = max_number_of_messages
        .filter(|n| !(RECEIVE_MESSAGES_MIN..=RECEIVE_MESSAGES_MAX).contains(n))
    {
        return Err(invalid_value(
            "MaxNumberOfMessages",
            max,
            "Must be between 1 and 10, if provided.",
        ));
    }
    if let Some(timeout) = visibility_timeout
        .filter(|t| !(VISIBILITY_TIMEOUT_S_MIN..=VISIBILITY_TIMEOUT_S_MAX).contains(t))
    {
        return Err(invalid_value(
            "VisibilityTimeout",
            timeout,
            "Must be >= 0 and <= 43200, if provided.",
        ));
    }
    if let Some(wait) =
        wait_time_seconds.filter(|w| !(RECEIVE_WAIT_S_MIN..=RECEIVE_WAIT_S_MAX).contains(w))
    {
        return Err(invalid_value(
            "WaitTimeSeconds",
            wait,
            "Must be >= 0 and <= 20, if provided.",
        ));
    }
    Ok(())
}

/// Checks the `VisibilityTimeout` of `ChangeMessageVisibility` and of each
/// `ChangeMessageVisibilityBatch` entry: 0 to 43200 seconds.
///
/// Errors: `InvalidParameterValue`.
pub fn validate_visibility_timeout(visibility_timeout: i32) -> Result<(), SqsError> {
    if (VISIBILITY_TIMEOUT_S_MIN..=VISIBILITY_TIMEOUT_S_MAX).contains(&visibility_timeout) {
        Ok(())
    } else {
        Err(invalid_value(
            "VisibilityTimeout",
            visibility_timeout,
            "VisibilityTimeout must be an integer between 0 and 43200.",
        ))
    }
}

/// Checks the `ReceiveRequestAttemptId` of `ReceiveMessage`: 1 to 128 ASCII
/// alphanumerics and punctuation.
///
/// Errors: `InvalidParameterValue`.
pub fn validate_receive_request_attempt_id(attempt_id: &str) -> Result<(), SqsError> {
    if is_token(attempt_id, RECEIVE_REQUEST_ATTEMPT_ID_CHARS_MAX) {
        Ok(())
    } else {
        Err(invalid_value(
            "ReceiveRequestAttemptId",
            attempt_id,
            "ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
        ))
    }
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;

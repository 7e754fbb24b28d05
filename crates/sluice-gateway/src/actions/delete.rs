//! DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility and
//! ChangeMessageVisibilityBatch: the actions addressed by receipt handle.

use std::collections::BTreeMap;

use sluice_queue::{PartitionCommand, PartitionOutcome, QueueError, QueueMeta, ReceiptHandle, VisibilityChange};
use sluice_sqs::{BatchResultError, ChangeVisibilityEntry, DeleteEntry, Response, SqsError};

use super::{propose_partition, resolve_queue};
use crate::context::RequestContext;
use crate::errors::from_queue_error;
use crate::http::Gateway;

/// Decodes a handle and checks that it belongs to one of the queue's partitions.
fn decode_handle(meta: &QueueMeta, text: &str) -> Result<ReceiptHandle, SqsError> {
    ReceiptHandle::decode(text)
        .filter(|handle| meta.partition_groups.contains(&handle.group_id))
        .ok_or_else(|| SqsError::receipt_handle_is_invalid(format!("The input receipt handle \"{text}\" is not a valid receipt handle.")))
}

pub async fn delete_message(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    receipt_handle: &str,
) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    let handle = decode_handle(&meta, receipt_handle)?;
    let results = propose_deletes(gateway, &meta, handle.group_id, vec![handle]).await?;
    results.into_iter().next().unwrap_or(Ok(())).map_err(from_queue_error)?;
    Ok(Response::Empty { action: "DeleteMessage" })
}

pub async fn delete_message_batch(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    entries: Vec<DeleteEntry>,
) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    let ids: Vec<&str> = entries.iter().map(|entry| entry.id.as_str()).collect();
    sluice_sqs::validate_batch_ids(&ids)?;

    let mut results: Vec<Option<Result<(), SqsError>>> = vec![None; entries.len()];
    let mut by_group: BTreeMap<u64, Vec<(usize, ReceiptHandle)>> = BTreeMap::new();
    for (position, entry) in entries.iter().enumerate() {
        match decode_handle(&meta, &entry.receipt_handle) {
            Ok(handle) => by_group.entry(handle.group_id).or_default().push((position, handle)),
            Err(error) => results[position] = Some(Err(error)),
        }
    }
    for (group_id, handles) in by_group {
        let outcomes = propose_deletes(gateway, &meta, group_id, handles.iter().map(|(_, handle)| *handle).collect()).await?;
        for ((position, _), outcome) in handles.into_iter().zip(outcomes) {
            results[position] = Some(outcome.map_err(from_queue_error));
        }
    }
    let (successful, failed) = split_results(&entries.iter().map(|entry| entry.id.clone()).collect::<Vec<_>>(), results);
    Ok(Response::DeleteMessageBatch { successful, failed })
}

async fn propose_deletes(
    gateway: &Gateway,
    meta: &QueueMeta,
    group_id: u64,
    handles: Vec<ReceiptHandle>,
) -> Result<Vec<Result<(), QueueError>>, SqsError> {
    let command = PartitionCommand::Delete { fifo: meta.fifo, handles };
    match propose_partition(gateway, group_id, command).await? {
        PartitionOutcome::Deleted(results) => Ok(results),
        other => Err(SqsError::internal_error(format!("DeleteMessage applied as {other:?}"))),
    }
}

pub async fn change_message_visibility(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    receipt_handle: &str,
    visibility_timeout: i32,
) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    let handle = decode_handle(&meta, receipt_handle)?;
    sluice_sqs::validate_visibility_timeout(visibility_timeout)?;
    let change = VisibilityChange { handle, visibility_timeout_ms: visibility_timeout as u64 * 1_000 };
    let results = propose_changes(gateway, &meta, handle.group_id, vec![change]).await?;
    results.into_iter().next().unwrap_or(Ok(())).map_err(|error| visibility_error(error, receipt_handle))?;
    Ok(Response::Empty { action: "ChangeMessageVisibility" })
}

pub async fn change_message_visibility_batch(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    entries: Vec<ChangeVisibilityEntry>,
) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    let ids: Vec<&str> = entries.iter().map(|entry| entry.id.as_str()).collect();
    sluice_sqs::validate_batch_ids(&ids)?;

    let mut results: Vec<Option<Result<(), SqsError>>> = vec![None; entries.len()];
    let mut by_group: BTreeMap<u64, Vec<(usize, VisibilityChange)>> = BTreeMap::new();
    for (position, entry) in entries.iter().enumerate() {
        let checked = decode_handle(&meta, &entry.receipt_handle)
            .and_then(|handle| sluice_sqs::validate_visibility_timeout(entry.visibility_timeout).map(|()| handle));
        match checked {
            Ok(handle) => {
                let change = VisibilityChange { handle, visibility_timeout_ms: entry.visibility_timeout as u64 * 1_000 };
                by_group.entry(handle.group_id).or_default().push((position, change));
            }
            Err(error) => results[position] = Some(Err(error)),
        }
    }
    for (group_id, changes) in by_group {
        let outcomes = propose_changes(gateway, &meta, group_id, changes.iter().map(|(_, change)| change.clone()).collect()).await?;
        for ((position, _), outcome) in changes.into_iter().zip(outcomes) {
            let handle_text = &entries[position].receipt_handle;
            results[position] = Some(outcome.map_err(|error| visibility_error(error, handle_text)));
        }
    }
    let (successful, failed) = split_results(&entries.iter().map(|entry| entry.id.clone()).collect::<Vec<_>>(), results);
    Ok(Response::ChangeMessageVisibilityBatch { successful, failed })
}

async fn propose_changes(
    gateway: &Gateway,
    meta: &QueueMeta,
    group_id: u64,
    changes: Vec<VisibilityChange>,
) -> Result<Vec<Result<(), QueueError>>, SqsError> {
    let command = PartitionCommand::ChangeVisibility { fifo: meta.fifo, changes };
    match propose_partition(gateway, group_id, command).await? {
        PartitionOutcome::VisibilityChanged(results) => Ok(results),
        other => Err(SqsError::internal_error(format!("ChangeMessageVisibility applied as {other:?}"))),
    }
}

/// AWS names the handle in the message when the message is gone.
fn visibility_error(error: QueueError, handle_text: &str) -> SqsError {
    match error {
        QueueError::InvalidParameterValue(reason) => SqsError::invalid_parameter_value(format!(
            "Value {handle_text} for parameter ReceiptHandle is invalid. Reason: {reason}"
        )),
        other => from_queue_error(other),
    }
}

fn split_results(ids: &[String], results: Vec<Option<Result<(), SqsError>>>) -> (Vec<String>, Vec<BatchResultError>) {
    let mut successful = Vec::new();
    let mut failed = Vec::new();
    for (id, result) in ids.iter().zip(results) {
        match result.expect("every batch entry has a result") {
            Ok(()) => successful.push(id.clone()),
            Err(error) => failed.push(error.to_batch_error(id)),
        }
    }
    (successful, failed)
}

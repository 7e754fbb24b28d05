//! SendMessage and SendMessageBatch.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use sluice_queue::{NewMessage, PartitionCommand, PartitionOutcome, QueueMeta, SendOutcome};
use sluice_sqs::{MessageAttributes, Response, SendEntry, SendResult, SqsError};

use super::{attribute_is_true, attribute_u64, partition_for_send, propose_partition, resolve_queue};
use crate::context::RequestContext;
use crate::http::Gateway;

pub async fn send_message(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    entry: SendEntry,
) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    let message = prepare(&meta, context, &entry)?;
    let body_md5 = message.body_md5.clone();
    let group_id = partition_for_send(&meta, entry.message_group_id.as_deref());
    let mut sent = propose_send(gateway, &meta, group_id, vec![message]).await?;
    let outcome = sent.pop().ok_or_else(|| SqsError::internal_error("SendMessage applied no message"))?;
    Ok(Response::SendMessage(send_result(&meta, &entry, body_md5, outcome)))
}

pub async fn send_message_batch(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    entries: Vec<SendEntry>,
) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    let ids: Vec<&str> = entries.iter().map(|entry| entry.id.as_str()).collect();
    sluice_sqs::validate_batch_ids(&ids)?;
    sluice_sqs::validate_batch_size(&entries)?;

    // Valid entries are grouped by partition: one proposal per partition,
    // all partitions at once.
    let mut failed = Vec::new();
    let mut by_partition: BTreeMap<u64, (Vec<SendEntry>, Vec<NewMessage>)> = BTreeMap::new();
    for entry in entries {
        match prepare(&meta, context, &entry) {
            Ok(message) => {
                let group_id = partition_for_send(&meta, entry.message_group_id.as_deref());
                let (accepted, messages) = by_partition.entry(group_id).or_default();
                accepted.push(entry);
                messages.push(message);
            }
            Err(error) => failed.push(error.to_batch_error(&entry.id)),
        }
    }
    let proposals = by_partition.into_iter().map(|(group_id, (accepted, messages))| {
        let meta = &meta;
        async move {
            let digests: Vec<String> = messages.iter().map(|message| message.body_md5.clone()).collect();
            let sent = propose_send(gateway, meta, group_id, messages).await?;
            let results: Vec<(String, SendResult)> = accepted
                .iter()
                .zip(digests)
                .zip(sent)
                .map(|((entry, body_md5), outcome)| (entry.id.clone(), send_result(meta, entry, body_md5, outcome)))
                .collect();
            Ok::<_, SqsError>(results)
        }
    });
    let mut successful = Vec::new();
    for results in futures_util::future::join_all(proposals).await {
        successful.extend(results?);
    }
    Ok(Response::SendMessageBatch { successful, failed })
}

/// Validates one entry against the queue and builds the message to propose.
fn prepare(meta: &QueueMeta, context: &RequestContext, entry: &SendEntry) -> Result<NewMessage, SqsError> {
    let max_message_bytes = attribute_u64(meta, "MaximumMessageSize") as usize;
    let content_based = attribute_is_true(meta, "ContentBasedDeduplication");
    sluice_sqs::validate_send_entry(entry, max_message_bytes, meta.fifo, content_based)?;

    let delay_s = match entry.delay_seconds {
        Some(delay_s) => delay_s as u64,
        None => attribute_u64(meta, "DelaySeconds"),
    };
    let deduplication_id = match (&entry.message_deduplication_id, meta.fifo) {
        (Some(id), true) => Some(id.clone()),
        (None, true) => Some(hex::encode(Sha256::digest(entry.message_body.as_bytes()))),
        (_, false) => None,
    };
    let trace_header = entry
        .message_system_attributes
        .get("AWSTraceHeader")
        .and_then(|value| value.string_value.clone());
    Ok(NewMessage {
        message_id: uuid::Uuid::new_v4().to_string(),
        body: entry.message_body.clone(),
        body_md5: sluice_sqs::md5_of_body(&entry.message_body),
        attributes: encode_attributes(&entry.message_attributes),
        sender_id: context.sender_id.clone(),
        trace_header,
        group_id: entry.message_group_id.clone(),
        deduplication_id,
        delay_ms: delay_s * 1_000,
    })
}

async fn propose_send(
    gateway: &Gateway,
    meta: &QueueMeta,
    group_id: u64,
    messages: Vec<NewMessage>,
) -> Result<Vec<SendOutcome>, SqsError> {
    let command = PartitionCommand::Send {
        fifo: meta.fifo,
        deduplicate_per_group: meta.attributes.get("DeduplicationScope").is_some_and(|scope| scope == "messageGroup"),
        messages,
    };
    match propose_partition(gateway, group_id, command).await? {
        PartitionOutcome::Sent(sent) => Ok(sent),
        other => Err(SqsError::internal_error(format!("SendMessage applied as {other:?}"))),
    }
}

fn send_result(meta: &QueueMeta, entry: &SendEntry, body_md5: String, outcome: SendOutcome) -> SendResult {
    SendResult {
        message_id: outcome.message_id,
        md5_of_message_body: body_md5,
        md5_of_message_attributes: sluice_sqs::md5_of_message_attributes(&entry.message_attributes),
        md5_of_message_system_attributes: sluice_sqs::md5_of_message_system_attributes(&entry.message_system_attributes),
        sequence_number: meta.fifo.then(|| sequence_number(outcome.sequence)),
    }
}

/// FIFO sequence numbers as AWS shows them: a large decimal that only grows.
pub(crate) fn sequence_number(sequence: u64) -> String {
    (10_000_000_000_000_000_000u128 + u128::from(sequence)).to_string()
}

pub(crate) fn encode_attributes(attributes: &MessageAttributes) -> Vec<u8> {
    if attributes.is_empty() {
        return Vec::new();
    }
    bincode::serialize(attributes).expect("encoding message attributes cannot fail")
}

pub(crate) fn decode_attributes(bytes: &[u8]) -> MessageAttributes {
    if bytes.is_empty() {
        return MessageAttributes::new();
    }
    bincode::deserialize(bytes).expect("stored message attributes were encoded by encode_attributes")
}

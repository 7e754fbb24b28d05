//! ReceiveMessage, with long polling that wakes on every change to the
//! partition and at the moment the next message becomes visible.

use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use sluice_queue::{MessageView, QueueMeta, ReceiveRequest};
use sluice_sqs::{AttributeMap, ReceivedMessage, Request, Response, SqsError};

use super::send::{decode_attributes, sequence_number};
use super::{attribute_u64, resolve_queue};
use crate::context::RequestContext;
use crate::errors::{from_queue_error, from_route_error};
use crate::http::Gateway;

/// System attributes returned for `All`, in AWS's naming.
const SYSTEM_ATTRIBUTES: [&str; 9] = [
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
];

pub async fn receive_message(gateway: &Gateway, context: &RequestContext, request: Request) -> Result<Response, SqsError> {
    let Request::ReceiveMessage {
        queue_url,
        max_number_of_messages,
        visibility_timeout,
        wait_time_seconds,
        attribute_names,
        message_system_attribute_names,
        message_attribute_names,
        receive_request_attempt_id,
    } = request
    else {
        unreachable!("dispatch passes ReceiveMessage only");
    };
    let meta = resolve_queue(gateway, context, &queue_url).await?;
    sluice_sqs::validate_receive(max_number_of_messages, visibility_timeout, wait_time_seconds)?;
    if let Some(attempt_id) = &receive_request_attempt_id {
        sluice_sqs::validate_receive_request_attempt_id(attempt_id)?;
    }

    let visibility_s = visibility_timeout.map_or_else(|| attribute_u64(&meta, "VisibilityTimeout"), |value| value as u64);
    let wait_s = wait_time_seconds.map_or_else(|| attribute_u64(&meta, "ReceiveMessageWaitTimeSeconds"), |value| value as u64);
    let receive = ReceiveRequest {
        fifo: meta.fifo,
        max_messages: max_number_of_messages.unwrap_or(1) as u32,
        visibility_timeout_ms: visibility_s * 1_000,
        retention_ms: attribute_u64(&meta, "MessageRetentionPeriod") * 1_000,
        attempt_id: receive_request_attempt_id.filter(|_| meta.fifo),
        max_receive_count: super::redrive::redrive_policy(&meta).map(|policy| policy.max_receive_count),
    };
    let views = poll(gateway, &meta, receive, Duration::from_secs(wait_s)).await?;

    let mut system_names = attribute_names;
    system_names.extend(message_system_attribute_names);
    let messages = views
        .into_iter()
        .map(|view| to_received(&meta, view, &system_names, &message_attribute_names))
        .collect();
    Ok(Response::ReceiveMessage { messages })
}

/// Receives up to `max_messages` from the queue's partitions, each on its
/// leader. A first pass takes what is visible now, partition by partition
/// from a random start; if that finds nothing and `wait` is not zero, it
/// waits for the first partition to have a message and receives from it.
async fn poll(gateway: &Gateway, meta: &QueueMeta, receive: ReceiveRequest, wait: Duration) -> Result<Vec<MessageView>, SqsError> {
    let partitions = &meta.partition_groups;
    if partitions.len() == 1 {
        return receive_from(gateway, partitions[0], receive, wait).await;
    }
    let start = rand::random_range(0..partitions.len());
    let mut views = Vec::new();
    for offset in 0..partitions.len() {
        let remaining = receive.max_messages as usize - views.len();
        if remaining == 0 {
            return Ok(views);
        }
        let request = ReceiveRequest { max_messages: remaining as u32, ..receive.clone() };
        let group_id = partitions[(start + offset) % partitions.len()];
        views.extend(receive_from(gateway, group_id, request, Duration::ZERO).await?);
    }
    if !views.is_empty() || wait.is_zero() {
        return Ok(views);
    }

    // Wait on every partition at once without receiving anything, then
    // receive from the first one that has a message. Dropping the other waits
    // changes no state, so no message is handed out and then lost.
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        if remaining.is_zero() {
            return Ok(Vec::new());
        }
        let mut waits: FuturesUnordered<_> = partitions
            .iter()
            .map(|&group_id| async move { (group_id, gateway.router.wait_visible(group_id, meta.fifo, remaining).await) })
            .collect();
        let mut ready = None;
        while let Some((group_id, result)) = waits.next().await {
            if result.map_err(from_route_error)? {
                ready = Some(group_id);
                break;
            }
        }
        drop(waits);
        let Some(group_id) = ready else {
            return Ok(Vec::new());
        };
        let views = receive_from(gateway, group_id, receive.clone(), Duration::ZERO).await?;
        if !views.is_empty() {
            return Ok(views);
        }
    }
}

async fn receive_from(gateway: &Gateway, group_id: u64, request: ReceiveRequest, wait: Duration) -> Result<Vec<MessageView>, SqsError> {
    let result = gateway.router.receive(group_id, request, wait).await.map_err(from_route_error)?;
    result.map_err(from_queue_error)
}

fn to_received(meta: &QueueMeta, view: MessageView, system_names: &[String], attribute_names: &[String]) -> ReceivedMessage {
    let all = system_names.iter().any(|name| name == "All");
    let wanted = |name: &str| all || system_names.iter().any(|requested| requested == name);
    let message = &view.message;
    let mut attributes = AttributeMap::new();
    let mut put = |name: &str, value: Option<String>| {
        if let (true, Some(value)) = (wanted(name), value) {
            attributes.insert(name.to_string(), value);
        }
    };
    put("SenderId", Some(message.sender_id.clone()));
    put("SentTimestamp", Some(view.sent_ms.to_string()));
    put("ApproximateReceiveCount", Some(view.receive_count.to_string()));
    put("ApproximateFirstReceiveTimestamp", Some(view.first_receive_ms.to_string()));
    put("AWSTraceHeader", message.trace_header.clone());
    put("MessageGroupId", message.group_id.clone());
    put("DeadLetterQueueSourceArn", view.dead_letter_source_arn.clone());
    if meta.fifo {
        put("SequenceNumber", Some(sequence_number(view.sequence)));
        put("MessageDeduplicationId", message.deduplication_id.clone());
    }
    debug_assert!(attributes.keys().all(|name| SYSTEM_ATTRIBUTES.contains(&name.as_str())));

    let message_attributes = sluice_sqs::select_message_attributes(&decode_attributes(&message.attributes), attribute_names);
    ReceivedMessage {
        message_id: message.message_id.clone(),
        receipt_handle: view.receipt_handle.encode(),
        md5_of_body: message.body_md5.clone(),
        body: message.body.clone(),
        attributes,
        md5_of_message_attributes: sluice_sqs::md5_of_message_attributes(&message_attributes),
        message_attributes,
    }
}

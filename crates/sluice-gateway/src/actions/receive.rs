//! ReceiveMessage, with long polling that wakes on every change to the
//! partition and at the moment the next message becomes visible.

use std::time::Duration;

use sluice_queue::{MessageView, PartitionCommand, PartitionOutcome, QueueMeta, ReceiveRequest};
use sluice_sqs::{AttributeMap, ReceivedMessage, Request, Response, SqsError};

use super::send::{decode_attributes, sequence_number};
use super::{attribute_u64, now_ms, propose_partition, resolve_queue};
use crate::context::RequestContext;
use crate::http::Gateway;

/// System attributes returned for `All`, in AWS's naming.
const SYSTEM_ATTRIBUTES: [&str; 8] = [
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
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
    let meta = resolve_queue(gateway, context, &queue_url)?;
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

/// Receives from the queue's partition, waiting up to `wait` for a message.
/// A receive is proposed only when the applied state shows a visible message
/// (or a FIFO retry names an earlier attempt), so an idle poll writes nothing.
// TODO: with several partitions, poll all of them and return on the first arrival.
async fn poll(gateway: &Gateway, meta: &QueueMeta, receive: ReceiveRequest, wait: Duration) -> Result<Vec<MessageView>, SqsError> {
    let group_id = meta.partition_groups[0];
    let cell = gateway.node.partition(group_id).ok_or_else(SqsError::queue_does_not_exist)?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut changes = cell.version.subscribe();
    let mut always_propose = receive.attempt_id.is_some();
    loop {
        changes.borrow_and_update();
        let now = now_ms();
        let (has_visible, next_visible_ms) = {
            let partition = cell.read();
            (partition.has_visible(now, meta.fifo), partition.next_visible_ms(now))
        };
        if has_visible || always_propose {
            always_propose = false;
            let outcome = propose_partition(gateway, group_id, PartitionCommand::Receive(receive.clone())).await?;
            let PartitionOutcome::Received(views) = outcome else {
                return Err(SqsError::internal_error(format!("ReceiveMessage applied as {outcome:?}")));
            };
            if !views.is_empty() {
                return Ok(views);
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(Vec::new());
        }
        let wake_at = match next_visible_ms {
            Some(visible_ms) => {
                let until_visible = Duration::from_millis(visible_ms.saturating_sub(now_ms()));
                deadline.min(tokio::time::Instant::now() + until_visible)
            }
            None => deadline,
        };
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return Err(SqsError::queue_does_not_exist());
                }
            }
            () = tokio::time::sleep_until(wake_at) => {}
        }
    }
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
    if meta.fifo {
        put("SequenceNumber", Some(sequence_number(view.sequence)));
        put("MessageDeduplicationId", message.deduplication_id.clone());
    }
    debug_assert!(attributes.keys().all(|name| SYSTEM_ATTRIBUTES.contains(&name.as_str())));

    let message_attributes = sluice_sqs::select_message_attributes(&decode_attributes(&message.attributes), attribute_names);
    ReceivedMessage {
        message_id: message.message_id.clone(),
        receipt_handle: view.receipt_handle.encode(),
        md5_of_body: sluice_sqs::md5_of_body(&message.body),
        body: message.body.clone(),
        attributes,
        md5_of_message_attributes: sluice_sqs::md5_of_message_attributes(&message_attributes),
        message_attributes,
    }
}

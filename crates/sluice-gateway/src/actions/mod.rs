//! One module per SQS action family. Each validates its input before
//! proposing, so invalid input changes nothing.

mod delete;
mod queues;
mod receive;
mod send;
mod tags;

use std::time::{SystemTime, UNIX_EPOCH};

use sluice_queue::{
    CatalogCommand, CatalogOutcome, PartitionCommand, PartitionOutcome, QueueKey, QueueMeta,
};
use sluice_sqs::{Request, Response, SqsError};

use crate::context::RequestContext;
use crate::errors::{from_propose_error, from_queue_error};
use crate::http::Gateway;

pub async fn dispatch(gateway: &Gateway, context: &RequestContext, request: Request) -> Result<Response, SqsError> {
    match request {
        Request::CreateQueue { queue_name, attributes, tags } => {
            queues::create_queue(gateway, context, queue_name, attributes, tags).await
        }
        Request::GetQueueUrl { queue_name, queue_owner_aws_account_id } => {
            queues::get_queue_url(gateway, context, &queue_name, queue_owner_aws_account_id)
        }
        Request::ListQueues { queue_name_prefix, max_results, next_token } => {
            queues::list_queues(gateway, context, queue_name_prefix, max_results, next_token)
        }
        Request::DeleteQueue { queue_url } => queues::delete_queue(gateway, context, &queue_url).await,
        Request::GetQueueAttributes { queue_url, attribute_names } => {
            queues::get_queue_attributes(gateway, context, &queue_url, &attribute_names)
        }
        Request::SetQueueAttributes { queue_url, attributes } => {
            queues::set_queue_attributes(gateway, context, &queue_url, attributes).await
        }
        Request::PurgeQueue { queue_url } => queues::purge_queue(gateway, context, &queue_url).await,
        Request::SendMessage { queue_url, entry } => send::send_message(gateway, context, &queue_url, entry).await,
        Request::SendMessageBatch { queue_url, entries } => {
            send::send_message_batch(gateway, context, &queue_url, entries).await
        }
        request @ Request::ReceiveMessage { .. } => receive::receive_message(gateway, context, request).await,
        Request::DeleteMessage { queue_url, receipt_handle } => {
            delete::delete_message(gateway, context, &queue_url, &receipt_handle).await
        }
        Request::DeleteMessageBatch { queue_url, entries } => {
            delete::delete_message_batch(gateway, context, &queue_url, entries).await
        }
        Request::ChangeMessageVisibility { queue_url, receipt_handle, visibility_timeout } => {
            delete::change_message_visibility(gateway, context, &queue_url, &receipt_handle, visibility_timeout).await
        }
        Request::ChangeMessageVisibilityBatch { queue_url, entries } => {
            delete::change_message_visibility_batch(gateway, context, &queue_url, entries).await
        }
        Request::TagQueue { queue_url, tags } => tags::tag_queue(gateway, context, &queue_url, tags).await,
        Request::UntagQueue { queue_url, tag_keys } => tags::untag_queue(gateway, context, &queue_url, tag_keys).await,
        Request::ListQueueTags { queue_url } => tags::list_queue_tags(gateway, context, &queue_url),
        Request::Unsupported { action } => Err(SqsError::unsupported_operation(format!(
            "{action} is not supported by this version of Sluice."
        ))),
    }
}

/// Wall-clock milliseconds, used only for reads (counts, long-poll wake-ups);
/// writes are stamped by the Raft leader.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Finds the queue a QueueUrl names, in the request's region.
pub(crate) fn resolve_queue(gateway: &Gateway, context: &RequestContext, queue_url: &str) -> Result<QueueMeta, SqsError> {
    if queue_url.is_empty() {
        return Err(SqsError::missing_parameter("The request must contain the parameter QueueUrl."));
    }
    let Some((account_id, name)) = sluice_sqs::parse_queue_url(queue_url) else {
        return Err(SqsError::invalid_address(format!("The address {queue_url} is not valid for this endpoint.")));
    };
    let key = QueueKey { account_id, region: context.region.clone(), name };
    gateway.node.catalog().queue(&key).cloned().ok_or_else(SqsError::queue_does_not_exist)
}

pub(crate) fn queue_url_of(context: &RequestContext, meta: &QueueMeta) -> String {
    sluice_sqs::queue_url(&context.host, &meta.key.account_id, &meta.key.name)
}

/// Reads a numeric queue attribute that validation guaranteed to be present.
pub(crate) fn attribute_u64(meta: &QueueMeta, name: &str) -> u64 {
    meta.attributes.get(name).and_then(|value| value.parse().ok()).unwrap_or_else(|| {
        panic!("queue {} has no valid {name} attribute", meta.key.name)
    })
}

pub(crate) fn attribute_is_true(meta: &QueueMeta, name: &str) -> bool {
    meta.attributes.get(name).is_some_and(|value| value == "true")
}

pub(crate) async fn propose_catalog(gateway: &Gateway, command: CatalogCommand) -> Result<CatalogOutcome, SqsError> {
    let proposal = gateway.node.propose_catalog(command);
    match tokio::time::timeout(gateway.config.proposal_timeout, proposal).await {
        Ok(Ok(Ok(outcome))) => Ok(outcome),
        Ok(Ok(Err(error))) => Err(from_queue_error(error)),
        Ok(Err(error)) => Err(from_propose_error(error)),
        Err(_) => Err(SqsError::service_unavailable("The request timed out waiting for replication; retry it.")),
    }
}

pub(crate) async fn propose_partition(
    gateway: &Gateway,
    group_id: u64,
    command: PartitionCommand,
) -> Result<PartitionOutcome, SqsError> {
    let proposal = gateway.node.propose_partition(group_id, command);
    match tokio::time::timeout(gateway.config.proposal_timeout, proposal).await {
        Ok(Ok(Ok(outcome))) => Ok(outcome),
        Ok(Ok(Err(error))) => Err(from_queue_error(error)),
        Ok(Err(error)) => Err(from_propose_error(error)),
        Err(_) => Err(SqsError::service_unavailable("The request timed out waiting for replication; retry it.")),
    }
}

/// The partition group that a new message goes to.
// TODO: with several partitions per queue, standard sends should spread over
// them and FIFO sends should hash the MessageGroupId.
pub(crate) fn partition_for_send(meta: &QueueMeta) -> u64 {
    meta.partition_groups[0]
}

//! One module per SQS action family. Each validates its input before
//! proposing, so invalid input changes nothing.

mod delete;
mod move_tasks;
mod permissions;
mod queues;
pub(crate) mod redrive;
mod receive;
mod send;
mod tags;

use sluice_queue::{CatalogCommand, CatalogOutcome, PartitionCommand, PartitionOutcome, QueueKey, QueueMeta};
use sluice_replication::{Command, Outcome, METADATA_GROUP_ID};
use sluice_sqs::{Request, Response, SqsError};

use crate::context::RequestContext;
use crate::errors::{from_queue_error, from_route_error};
use crate::http::Gateway;

pub async fn dispatch(gateway: &Gateway, context: &RequestContext, request: Request) -> Result<Response, SqsError> {
    match request {
        Request::CreateQueue { queue_name, attributes, tags } => {
            queues::create_queue(gateway, context, queue_name, attributes, tags).await
        }
        Request::GetQueueUrl { queue_name, queue_owner_aws_account_id } => {
            queues::get_queue_url(gateway, context, &queue_name, queue_owner_aws_account_id).await
        }
        Request::ListQueues { queue_name_prefix, max_results, next_token } => {
            queues::list_queues(gateway, context, queue_name_prefix, max_results, next_token).await
        }
        Request::DeleteQueue { queue_url } => queues::delete_queue(gateway, context, &queue_url).await,
        Request::GetQueueAttributes { queue_url, attribute_names } => {
            queues::get_queue_attributes(gateway, context, &queue_url, &attribute_names).await
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
        Request::ListQueueTags { queue_url } => tags::list_queue_tags(gateway, context, &queue_url).await,
        Request::StartMessageMoveTask { source_arn, destination_arn, max_number_of_messages_per_second } => {
            move_tasks::start_message_move_task(gateway, source_arn, destination_arn, max_number_of_messages_per_second).await
        }
        Request::CancelMessageMoveTask { task_handle } => move_tasks::cancel_message_move_task(gateway, task_handle).await,
        Request::ListMessageMoveTasks { source_arn, max_results } => {
            move_tasks::list_message_move_tasks(gateway, source_arn, max_results).await
        }
        Request::AddPermission { queue_url, label, aws_account_ids, actions } => {
            permissions::add_permission(gateway, context, &queue_url, label, aws_account_ids, actions).await
        }
        Request::RemovePermission { queue_url, label } => {
            permissions::remove_permission(gateway, context, &queue_url, label).await
        }
        Request::ListDeadLetterSourceQueues { queue_url, max_results, next_token } => {
            queues::list_dead_letter_source_queues(gateway, context, &queue_url, max_results, next_token).await
        }
    }
}

/// Finds the queue a QueueUrl names, in the request's region. A queue just
/// created through another node may not be applied here yet, so a miss waits
/// for the local catalog to catch up (Raft ReadIndex) and looks again.
pub(crate) async fn resolve_queue(gateway: &Gateway, context: &RequestContext, queue_url: &str) -> Result<QueueMeta, SqsError> {
    if queue_url.is_empty() {
        return Err(SqsError::missing_parameter("The request must contain the parameter QueueUrl."));
    }
    let Some((account_id, name)) = sluice_sqs::parse_queue_url(queue_url) else {
        return Err(SqsError::invalid_address(format!("The address {queue_url} is not valid for this endpoint.")));
    };
    let key = QueueKey { account_id, region: context.region.clone(), name };
    lookup_queue(gateway, &key).await
}

pub(crate) async fn lookup_queue(gateway: &Gateway, key: &QueueKey) -> Result<QueueMeta, SqsError> {
    if let Some(meta) = gateway.node().catalog().queue(key) {
        return Ok(meta.clone());
    }
    gateway.router.sync_catalog().await.map_err(from_route_error)?;
    gateway.node().catalog().queue(key).cloned().ok_or_else(SqsError::queue_does_not_exist)
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
    let outcome = gateway.router.propose(METADATA_GROUP_ID, Command::Catalog(command)).await;
    match outcome.map_err(from_route_error)? {
        Outcome::Catalog(result) => result.map_err(from_queue_error),
        Outcome::Partition(_) => Err(SqsError::internal_error("a catalog command applied as a partition command")),
    }
}

pub(crate) async fn propose_partition(
    gateway: &Gateway,
    group_id: u64,
    command: PartitionCommand,
) -> Result<PartitionOutcome, SqsError> {
    let outcome = gateway.router.propose(group_id, Command::Partition(command)).await;
    match outcome.map_err(from_route_error)? {
        Outcome::Partition(result) => result.map_err(from_queue_error),
        Outcome::Catalog(_) => Err(SqsError::internal_error("a partition command applied as a catalog command")),
    }
}

/// The partition group a new message goes to: FIFO messages by a hash of
/// their MessageGroupId, so a group stays in order in one partition; standard
/// messages to a random partition, to spread the load.
pub(crate) fn partition_for_send(meta: &QueueMeta, group_id: Option<&str>) -> u64 {
    let partitions = meta.partition_groups.len();
    let index = match (meta.fifo, group_id) {
        (true, Some(group_id)) => crc32fast::hash(group_id.as_bytes()) as usize % partitions,
        _ => rand::random_range(0..partitions),
    };
    meta.partition_groups[index]
}

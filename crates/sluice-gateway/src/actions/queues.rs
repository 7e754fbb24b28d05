//! CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, GetQueueAttributes,
//! SetQueueAttributes and PurgeQueue.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sluice_queue::{place_partitions, CatalogCommand, CatalogOutcome, Counts, PartitionCommand, QueueKey, QueueMeta};
use sluice_sqs::{AttributeMap, Response, SqsError, TagMap};

use super::redrive;
use super::{attribute_u64, lookup_queue, propose_catalog, propose_partition, queue_url_of, resolve_queue};
use crate::errors::from_route_error;
use crate::context::RequestContext;
use crate::http::Gateway;

/// Attributes computed on read, never stored or settable.
const COMPUTED_ATTRIBUTES: [&str; 6] = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
];

pub async fn create_queue(
    gateway: &Gateway,
    context: &RequestContext,
    queue_name: String,
    requested: AttributeMap,
    tags: TagMap,
) -> Result<Response, SqsError> {
    let fifo = requested.get("FifoQueue").is_some_and(|value| value == "true");
    sluice_sqs::validate_queue_name(&queue_name, fifo)?;
    sluice_sqs::validate_queue_attributes(&requested, fifo, true)?;
    super::tags::validate_tags(&tags)?;
    let key = QueueKey { account_id: context.account_id.clone(), region: context.region.clone(), name: queue_name };
    check_redrive_target(gateway, &key, fifo, &requested).await?;
    let partitions = partition_count(&tags, gateway.config.partitions_per_queue)?;
    let mut attributes = sluice_sqs::default_queue_attributes(fifo);
    attributes.extend(requested.clone());
    normalize_encryption(&requested, &mut attributes, None)?;
    attributes.retain(|_, value| !value.is_empty());
    let load = gateway.node().catalog().replica_load();
    let replicas = place_partitions(&gateway.config.members, &load, partitions, gateway.config.replication_factor);
    let command = CatalogCommand::CreateQueue {
        key,
        fifo,
        requested,
        attributes,
        tags,
        replicas,
    };
    match propose_catalog(gateway, command).await? {
        CatalogOutcome::Queue(meta) => Ok(Response::CreateQueue { queue_url: queue_url_of(context, &meta) }),
        other => Err(SqsError::internal_error(format!("CreateQueue applied as {other:?}"))),
    }
}

/// Tag that sets a new queue's partition count; read only at creation.
pub const PARTITIONS_TAG: &str = "sluice:partitions";
/// Most partitions one queue may have.
const PARTITIONS_PER_QUEUE_MAX: usize = 64;

fn partition_count(tags: &TagMap, default: u32) -> Result<usize, SqsError> {
    let Some(value) = tags.get(PARTITIONS_TAG) else {
        return Ok(default as usize);
    };
    match value.parse::<usize>() {
        Ok(count) if (1..=PARTITIONS_PER_QUEUE_MAX).contains(&count) => Ok(count),
        _ => Err(SqsError::invalid_parameter_value(format!(
            "Value {value} for tag {PARTITIONS_TAG} is invalid. Reason: Must be an integer from 1 to {PARTITIONS_PER_QUEUE_MAX}."
        ))),
    }
}

pub async fn get_queue_url(
    gateway: &Gateway,
    context: &RequestContext,
    queue_name: &str,
    owner_account_id: Option<String>,
) -> Result<Response, SqsError> {
    let account_id = owner_account_id.unwrap_or_else(|| context.account_id.clone());
    let key = QueueKey { account_id, region: context.region.clone(), name: queue_name.to_string() };
    let meta = lookup_queue(gateway, &key).await?;
    Ok(Response::GetQueueUrl { queue_url: queue_url_of(context, &meta) })
}

pub async fn list_queues(
    gateway: &Gateway,
    context: &RequestContext,
    prefix: Option<String>,
    max_results: Option<i32>,
    next_token: Option<String>,
) -> Result<Response, SqsError> {
    sluice_sqs::validate_list_queues(max_results)?;
    let after = match next_token.filter(|token| !token.is_empty()) {
        Some(token) => Some(decode_token(&token)?),
        None => None,
    };
    // Include queues created through other nodes a moment ago.
    gateway.router.sync_catalog().await.map_err(from_route_error)?;
    let catalog = gateway.node().catalog();
    let queues = catalog.list(&context.account_id, &context.region, prefix.as_deref().unwrap_or_default());
    let remaining: Vec<&QueueMeta> =
        queues.into_iter().filter(|meta| after.as_ref().is_none_or(|after| &meta.key.name > after)).collect();
    let (queue_urls, next_token) = paginate(context, &remaining, max_results);
    Ok(Response::ListQueues { queue_urls, next_token })
}

/// Returns one page of queue URLs and the token of the next page. AWS returns
/// a NextToken only when MaxResults was given and more queues remain.
fn paginate(context: &RequestContext, queues: &[&QueueMeta], max_results: Option<i32>) -> (Vec<String>, Option<String>) {
    let page_size = max_results.unwrap_or(sluice_sqs::limits::LIST_QUEUES_RESULTS_MAX) as usize;
    let page = &queues[..queues.len().min(page_size)];
    let next_token = (max_results.is_some() && queues.len() > page.len())
        .then(|| URL_SAFE_NO_PAD.encode(page.last().expect("page is not empty").key.name.as_bytes()));
    (page.iter().map(|meta| queue_url_of(context, meta)).collect(), next_token)
}

/// ListDeadLetterSourceQueues: the queues whose RedrivePolicy names this
/// queue as their dead-letter queue, by name.
pub async fn list_dead_letter_source_queues(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    max_results: Option<i32>,
    next_token: Option<String>,
) -> Result<Response, SqsError> {
    let target = resolve_queue(gateway, context, queue_url).await?;
    sluice_sqs::validate_list_queues(max_results)?;
    let after = match next_token.filter(|token| !token.is_empty()) {
        Some(token) => Some(decode_token(&token)?),
        None => None,
    };
    gateway.router.sync_catalog().await.map_err(from_route_error)?;
    let target_arn = redrive::queue_arn(&target);
    let catalog = gateway.node().catalog();
    let mut sources: Vec<&QueueMeta> = catalog
        .queues()
        .filter(|meta| meta.key.account_id == target.key.account_id && meta.key.region == target.key.region)
        .filter(|meta| redrive::redrive_policy(meta).is_some_and(|policy| policy.dead_letter_target_arn == target_arn))
        .filter(|meta| after.as_ref().is_none_or(|after| &meta.key.name > after))
        .collect();
    sources.sort_by(|left, right| left.key.name.cmp(&right.key.name));
    let (queue_urls, next_token) = paginate(context, &sources, max_results);
    Ok(Response::ListDeadLetterSourceQueues { queue_urls, next_token })
}

fn decode_token(token: &str) -> Result<String, SqsError> {
    URL_SAFE_NO_PAD
        .decode(token.as_bytes())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| SqsError::invalid_parameter_value("Invalid NextToken value."))
}

pub async fn delete_queue(gateway: &Gateway, context: &RequestContext, queue_url: &str) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    let command = CatalogCommand::DeleteQueue { key: meta.key, request_id: context.request_id.clone() };
    propose_catalog(gateway, command).await?;
    Ok(Response::Empty { action: "DeleteQueue" })
}

pub async fn get_queue_attributes(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    names: &[String],
) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    sluice_sqs::validate_attribute_names(names)?;
    let all = names.iter().any(|name| name == "All");
    let wanted = |name: &str| all || names.iter().any(|requested| requested == name);

    let mut attributes = AttributeMap::new();
    for (name, value) in &meta.attributes {
        if wanted(name) {
            attributes.insert(name.clone(), value.clone());
        }
    }
    if COMPUTED_ATTRIBUTES.iter().any(|name| wanted(name)) {
        let counts = queue_counts(gateway, &meta).await?;
        let computed = [
            ("ApproximateNumberOfMessages", counts.visible.to_string()),
            ("ApproximateNumberOfMessagesNotVisible", counts.in_flight.to_string()),
            ("ApproximateNumberOfMessagesDelayed", counts.delayed.to_string()),
            ("CreatedTimestamp", (meta.created_ms / 1_000).to_string()),
            ("LastModifiedTimestamp", (meta.last_modified_ms / 1_000).to_string()),
            ("QueueArn", format!("arn:aws:sqs:{}:{}:{}", meta.key.region, meta.key.account_id, meta.key.name)),
        ];
        for (name, value) in computed {
            if wanted(name) {
                attributes.insert(name.to_string(), value);
            }
        }
    }
    Ok(Response::GetQueueAttributes { attributes })
}

/// Default KmsDataKeyReusePeriodSeconds of a queue with a KMS key (AWS: 5 minutes).
const KMS_DATA_KEY_REUSE_S_DEFAULT: &str = "300";

/// Keeps the two kinds of server-side encryption exclusive, as AWS does: a
/// KMS key in `requested` turns SSE-SQS off and gets a data key reuse period,
/// and turning SSE-SQS on removes the KMS settings. The result goes into
/// `attributes`, the values to store.
// NOTE: the error for naming both at once is a best guess of AWS's response.
fn normalize_encryption(
    requested: &AttributeMap,
    attributes: &mut AttributeMap,
    existing: Option<&QueueMeta>,
) -> Result<(), SqsError> {
    let kms = requested.get("KmsMasterKeyId").is_some_and(|key| !key.is_empty());
    let sse = requested.get("SqsManagedSseEnabled").is_some_and(|value| value == "true");
    if kms && sse {
        return Err(SqsError::invalid_attribute_value(
            "Invalid value for the parameter SqsManagedSseEnabled. Reason: SqsManagedSseEnabled and KmsMasterKeyId cannot both be set.",
        ));
    }
    if kms {
        attributes.insert("SqsManagedSseEnabled".into(), "false".into());
        let has_period = existing.is_some_and(|meta| meta.attributes.contains_key("KmsDataKeyReusePeriodSeconds"))
            || requested.contains_key("KmsDataKeyReusePeriodSeconds");
        if !has_period {
            attributes.insert("KmsDataKeyReusePeriodSeconds".into(), KMS_DATA_KEY_REUSE_S_DEFAULT.into());
        }
    } else if sse {
        attributes.insert("KmsMasterKeyId".into(), String::new());
        attributes.insert("KmsDataKeyReusePeriodSeconds".into(), String::new());
    }
    Ok(())
}

/// Checks a RedrivePolicy being set: its dead-letter queue must exist, be of
/// the same type (FIFO or standard) and allow this queue as a source.
async fn check_redrive_target(gateway: &Gateway, source: &QueueKey, fifo: bool, attributes: &AttributeMap) -> Result<(), SqsError> {
    let Some(text) = attributes.get("RedrivePolicy").filter(|text| !text.is_empty()) else {
        return Ok(());
    };
    let invalid = |reason: &str| {
        SqsError::invalid_parameter_value(format!("Value {text} for parameter RedrivePolicy is invalid. Reason: {reason}"))
    };
    let Some((region, account_id, name)) = redrive::redrive_policy_target(text) else {
        return Err(invalid("Invalid value for deadLetterTargetArn."));
    };
    let target = match lookup_queue(gateway, &QueueKey { account_id, region, name }).await {
        Ok(target) => target,
        Err(_) => return Err(invalid("Dead-letter target does not exist.")),
    };
    if target.fifo != fifo {
        return Err(invalid("Dead-letter queue must be of the same type as the source queue (FIFO or standard)."));
    }
    let source_arn = format!("arn:aws:sqs:{}:{}:{}", source.region, source.account_id, source.name);
    if !redrive::redrive_allowed(&target, &source_arn) {
        return Err(invalid("The dead-letter queue's RedriveAllowPolicy does not allow this queue as a source."));
    }
    Ok(())
}

/// Sums the approximate counts of every partition of a queue, each read on
/// its partition's leader.
async fn queue_counts(gateway: &Gateway, meta: &QueueMeta) -> Result<Counts, SqsError> {
    let retention_ms = attribute_u64(meta, "MessageRetentionPeriod") * 1_000;
    let mut total = Counts::default();
    for &group_id in &meta.partition_groups {
        let counts = gateway.router.counts(group_id, retention_ms).await.map_err(from_route_error)?;
        total.visible += counts.visible;
        total.in_flight += counts.in_flight;
        total.delayed += counts.delayed;
    }
    Ok(total)
}

pub async fn set_queue_attributes(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    attributes: AttributeMap,
) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    sluice_sqs::validate_queue_attributes(&attributes, meta.fifo, false)?;
    check_redrive_target(gateway, &meta.key, meta.fifo, &attributes).await?;
    let mut stored = attributes.clone();
    normalize_encryption(&attributes, &mut stored, Some(&meta))?;
    let attributes = stored;
    propose_catalog(gateway, CatalogCommand::SetQueueAttributes { key: meta.key, attributes }).await?;
    Ok(Response::Empty { action: "SetQueueAttributes" })
}

pub async fn purge_queue(gateway: &Gateway, context: &RequestContext, queue_url: &str) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    let queue_url = queue_url_of(context, &meta);
    for &group_id in &meta.partition_groups {
        let command = PartitionCommand::Purge { queue_name: queue_url.clone(), request_id: context.request_id.clone() };
        propose_partition(gateway, group_id, command).await?;
    }
    Ok(Response::Empty { action: "PurgeQueue" })
}

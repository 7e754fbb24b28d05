//! TagQueue, UntagQueue and ListQueueTags.

use sluice_queue::CatalogCommand;
use sluice_sqs::limits::TAGS_PER_QUEUE_RECOMMENDED_MAX;
use sluice_sqs::{Response, SqsError, TagMap};

use super::{propose_catalog, resolve_queue};
use crate::context::RequestContext;
use crate::http::Gateway;

/// Checks tag keys and values, and the number of tags a queue may carry.
pub fn validate_tags(tags: &TagMap) -> Result<(), SqsError> {
    sluice_sqs::validate_tags(tags)?;
    if tags.len() > TAGS_PER_QUEUE_RECOMMENDED_MAX {
        return Err(SqsError::invalid_parameter_value(format!(
            "Too many tags added for queue. A queue can have at most {TAGS_PER_QUEUE_RECOMMENDED_MAX} tags."
        )));
    }
    Ok(())
}

pub async fn tag_queue(gateway: &Gateway, context: &RequestContext, queue_url: &str, tags: TagMap) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    if tags.is_empty() {
        return Err(SqsError::missing_parameter("The request must contain the parameter Tags."));
    }
    let mut merged = meta.tags.clone();
    merged.extend(tags.clone());
    validate_tags(&merged)?;
    propose_catalog(gateway, CatalogCommand::TagQueue { key: meta.key, tags }).await?;
    Ok(Response::Empty { action: "TagQueue" })
}

pub async fn untag_queue(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    tag_keys: Vec<String>,
) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    if tag_keys.is_empty() {
        return Err(SqsError::missing_parameter("The request must contain the parameter TagKeys."));
    }
    sluice_sqs::validate_tag_keys(&tag_keys)?;
    propose_catalog(gateway, CatalogCommand::UntagQueue { key: meta.key, tag_keys }).await?;
    Ok(Response::Empty { action: "UntagQueue" })
}

pub async fn list_queue_tags(gateway: &Gateway, context: &RequestContext, queue_url: &str) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url).await?;
    Ok(Response::ListQueueTags { tags: meta.tags })
}

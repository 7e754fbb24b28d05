//! TagQueue, UntagQueue and ListQueueTags.

use sluice_queue::CatalogCommand;
use sluice_sqs::{Response, SqsError, TagMap};

use super::{propose_catalog, resolve_queue};
use crate::context::RequestContext;
use crate::http::Gateway;

/// AWS limits, from the SQS developer guide's quotas for tags.
const TAGS_PER_QUEUE_MAX: usize = 50;
const TAG_KEY_CHARS_MAX: usize = 128;
const TAG_VALUE_CHARS_MAX: usize = 256;

pub fn validate_tags(tags: &TagMap) -> Result<(), SqsError> {
    if tags.len() > TAGS_PER_QUEUE_MAX {
        return Err(SqsError::invalid_parameter_value(format!(
            "Too many tags added for queue. Maximum is {TAGS_PER_QUEUE_MAX}."
        )));
    }
    for (key, value) in tags {
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > TAG_KEY_CHARS_MAX {
            return Err(SqsError::invalid_parameter_value(format!(
                "Tag keys must be between 1 and {TAG_KEY_CHARS_MAX} characters in length."
            )));
        }
        if value.chars().count() > TAG_VALUE_CHARS_MAX {
            return Err(SqsError::invalid_parameter_value(format!(
                "Tag values must be between 0 and {TAG_VALUE_CHARS_MAX} characters in length."
            )));
        }
    }
    Ok(())
}

pub async fn tag_queue(gateway: &Gateway, context: &RequestContext, queue_url: &str, tags: TagMap) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url)?;
    if tags.is_empty() {
        return Err(SqsError::missing_parameter("The request must contain the parameter Tags."));
    }
    validate_tags(&tags)?;
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
    let meta = resolve_queue(gateway, context, queue_url)?;
    if tag_keys.is_empty() {
        return Err(SqsError::missing_parameter("The request must contain the parameter TagKeys."));
    }
    propose_catalog(gateway, CatalogCommand::UntagQueue { key: meta.key, tag_keys }).await?;
    Ok(Response::Empty { action: "UntagQueue" })
}

pub fn list_queue_tags(gateway: &Gateway, context: &RequestContext, queue_url: &str) -> Result<Response, SqsError> {
    let meta = resolve_queue(gateway, context, queue_url)?;
    Ok(Response::ListQueueTags { tags: meta.tags })
}

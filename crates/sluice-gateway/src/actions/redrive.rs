//! Reading a queue's RedrivePolicy and checking it against its target's
//! RedriveAllowPolicy.

use serde_json::Value;
use sluice_queue::{QueueKey, QueueMeta};

use crate::http::Gateway;

/// A parsed RedrivePolicy attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedrivePolicy {
    pub dead_letter_target_arn: String,
    pub max_receive_count: u32,
}

/// Returns the queue's RedrivePolicy, if it has a valid one. `maxReceiveCount` may be
/// a JSON number or a string, as AWS accepts both.
pub fn redrive_policy(meta: &QueueMeta) -> Option<RedrivePolicy> {
    let text = meta.attributes.get("RedrivePolicy").filter(|text| !text.is_empty())?;
    let value: Value = serde_json::from_str(text).ok()?;
    let dead_letter_target_arn = value.get("deadLetterTargetArn")?.as_str()?.to_string();
    let max_receive_count = match value.get("maxReceiveCount")? {
        Value::Number(number) => number.as_u64()?,
        Value::String(text) => text.parse().ok()?,
        _ => return None,
    };
    Some(RedrivePolicy { dead_letter_target_arn, max_receive_count: u32::try_from(max_receive_count).ok()? })
}

/// Returns the (region, account id, name) of the deadLetterTargetArn in a
/// RedrivePolicy document.
pub fn redrive_policy_target(text: &str) -> Option<(String, String, String)> {
    let value: Value = serde_json::from_str(text).ok()?;
    parse_queue_arn(value.get("deadLetterTargetArn")?.as_str()?)
}

/// Finds a queue by its ARN in this node's applied catalog.
pub fn local_queue_by_arn(gateway: &Gateway, arn: &str) -> Option<QueueMeta> {
    let (region, account_id, name) = parse_queue_arn(arn)?;
    gateway.node().catalog().queue(&QueueKey { account_id, region, name }).cloned()
}

/// Returns the queue's ARN: `arn:aws:sqs:<region>:<account>:<name>`.
pub fn queue_arn(meta: &QueueMeta) -> String {
    format!("arn:aws:sqs:{}:{}:{}", meta.key.region, meta.key.account_id, meta.key.name)
}

/// Splits a queue ARN into (region, account id, name).
pub fn parse_queue_arn(arn: &str) -> Option<(String, String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (arn_word, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    if arn_word != "arn" || service != "sqs" {
        return None;
    }
    let (region, account_id, name) = (parts.next()?, parts.next()?, parts.next()?);
    if region.is_empty() || account_id.is_empty() || name.is_empty() {
        return None;
    }
    Some((region.to_string(), account_id.to_string(), name.to_string()))
}

/// Returns whether the target queue's RedriveAllowPolicy lets `source_arn` use it as
/// a dead-letter queue. No policy, or `allowAll`, allows every source.
pub fn redrive_allowed(target: &QueueMeta, source_arn: &str) -> bool {
    let Some(text) = target.attributes.get("RedriveAllowPolicy").filter(|text| !text.is_empty()) else {
        return true;
    };
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return true;
    };
    match value.get("redrivePermission").and_then(Value::as_str) {
        Some("denyAll") => false,
        Some("byQueue") => value
            .get("sourceQueueArns")
            .and_then(Value::as_array)
            .is_some_and(|arns| arns.iter().any(|arn| arn.as_str() == Some(source_arn))),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use sluice_queue::QueueKey;

    use super::*;

    fn queue(attributes: &[(&str, &str)]) -> QueueMeta {
        QueueMeta {
            key: QueueKey { account_id: "000000000000".into(), region: "us-east-1".into(), name: "q".into() },
            fifo: false,
            attributes: attributes.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
            tags: BTreeMap::new(),
            created_ms: 0,
            last_modified_ms: 0,
            partition_groups: vec![1],
            partition_replicas: vec![vec![1]],
        }
    }

    #[test]
    fn policy_count_as_string_or_number() {
        for policy in [
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"3"}"#,
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":3}"#,
        ] {
            let parsed = redrive_policy(&queue(&[("RedrivePolicy", policy)])).expect("policy parses");
            assert_eq!(parsed.max_receive_count, 3, "policy {policy}");
            assert_eq!(parsed.dead_letter_target_arn, "arn:aws:sqs:us-east-1:000000000000:dlq");
        }
        assert_eq!(redrive_policy(&queue(&[])), None);
    }

    #[test]
    fn arn_round_trip() {
        let meta = queue(&[]);
        let arn = queue_arn(&meta);
        assert_eq!(parse_queue_arn(&arn), Some(("us-east-1".into(), "000000000000".into(), "q".into())));
        assert_eq!(parse_queue_arn("arn:aws:sns:us-east-1:1:topic"), None);
    }

    #[test]
    fn allow_policy_rules() {
        let source = "arn:aws:sqs:us-east-1:000000000000:source";
        assert!(redrive_allowed(&queue(&[]), source));
        assert!(!redrive_allowed(&queue(&[("RedriveAllowPolicy", r#"{"redrivePermission":"denyAll"}"#)]), source));
        let by_queue = format!(r#"{{"redrivePermission":"byQueue","sourceQueueArns":["{source}"]}}"#);
        assert!(redrive_allowed(&queue(&[("RedriveAllowPolicy", &by_queue)]), source));
        assert!(!redrive_allowed(&queue(&[("RedriveAllowPolicy", &by_queue)]), "arn:aws:sqs:us-east-1:000000000000:other"));
    }
}

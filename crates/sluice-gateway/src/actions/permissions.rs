//! AddPermission and RemovePermission: edit the statements of the queue's
//! Policy document. Policies are stored and returned, not enforced yet.

use serde_json::{json, Map, Value};
use sluice_queue::{CatalogCommand, QueueError};
use sluice_sqs::{Response, SqsError};

use super::redrive::queue_arn;
use sluice_replication::{Command, Outcome, METADATA_GROUP_ID};

use super::resolve_queue;
use crate::context::RequestContext;
use crate::errors::{from_queue_error, from_route_error};
use crate::http::Gateway;

/// Maximum length of a permission label, in characters (API reference, AddPermission).
const LABEL_CHARS_MAX: usize = 80;
/// Attempts at replacing the policy when concurrent edits race.
const POLICY_UPDATE_ATTEMPTS_MAX: usize = 5;
/// Actions a permission may name besides `*`.
const PERMITTED_ACTIONS: [&str; 10] = [
    "SendMessage",
    "ReceiveMessage",
    "DeleteMessage",
    "ChangeMessageVisibility",
    "GetQueueAttributes",
    "GetQueueUrl",
    "ListDeadLetterSourceQueues",
    "PurgeQueue",
    "ListQueueTags",
    "ListMessageMoveTasks",
];

fn invalid_label(label: &str, reason: &str) -> SqsError {
    SqsError::invalid_parameter_value(format!("Value {label} for parameter Label is invalid. Reason: {reason}"))
}

fn validate_add(label: &str, account_ids: &[String], actions: &[String]) -> Result<(), SqsError> {
    let valid_label = (1..=LABEL_CHARS_MAX).contains(&label.chars().count())
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_label {
        return Err(invalid_label(label, "Must be 1 to 80 alphanumeric characters, hyphens or underscores."));
    }
    if account_ids.is_empty() {
        return Err(SqsError::missing_parameter("The request must contain the parameter AWSAccountIds."));
    }
    if let Some(account_id) = account_ids.iter().find(|id| id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit())) {
        return Err(SqsError::invalid_parameter_value(format!(
            "Value {account_id} for parameter AWSAccountId is invalid. Reason: An AWS account id has 12 digits."
        )));
    }
    if actions.is_empty() {
        return Err(SqsError::missing_parameter("The request must contain the parameter Actions."));
    }
    if let Some(action) = actions.iter().find(|action| *action != "*" && !PERMITTED_ACTIONS.contains(&action.as_str())) {
        return Err(SqsError::invalid_parameter_value(format!(
            "Value SQS:{action} for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action."
        )));
    }
    Ok(())
}

/// A JSON string for one value, a list for several, as AWS writes policies.
fn one_or_many(values: Vec<String>) -> Value {
    if values.len() == 1 {
        Value::String(values.into_iter().next().expect("one value"))
    } else {
        json!(values)
    }
}

fn statements(policy: &Value) -> Vec<Value> {
    policy.get("Statement").and_then(Value::as_array).cloned().unwrap_or_default()
}

fn has_label(statement: &Value, label: &str) -> bool {
    statement.get("Sid").and_then(Value::as_str) == Some(label)
}

pub async fn add_permission(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    label: String,
    account_ids: Vec<String>,
    actions: Vec<String>,
) -> Result<Response, SqsError> {
    validate_add(&label, &account_ids, &actions)?;
    edit_policy(gateway, context, queue_url, |arn, policy| {
        if statements(policy).iter().any(|statement| has_label(statement, &label)) {
            return Err(invalid_label(&label, "Already exists."));
        }
        let principals = account_ids.iter().map(|id| format!("arn:aws:iam::{id}:root")).collect();
        let actions = actions.iter().map(|action| format!("SQS:{action}")).collect();
        let statement = json!({
            "Sid": label,
            "Effect": "Allow",
            "Principal": {"AWS": one_or_many(principals)},
            "Action": one_or_many(actions),
            "Resource": arn,
        });
        let mut all = statements(policy);
        all.push(statement);
        Ok(Some(all))
    })
    .await?;
    Ok(Response::Empty { action: "AddPermission" })
}

pub async fn remove_permission(
    gateway: &Gateway,
    context: &RequestContext,
    queue_url: &str,
    label: String,
) -> Result<Response, SqsError> {
    edit_policy(gateway, context, queue_url, |_, policy| {
        let all = statements(policy);
        if !all.iter().any(|statement| has_label(statement, &label)) {
            return Err(invalid_label(&label, "can't find label on existing policy."));
        }
        let remaining: Vec<Value> = all.into_iter().filter(|statement| !has_label(statement, &label)).collect();
        Ok((!remaining.is_empty()).then_some(remaining))
    })
    .await?;
    Ok(Response::Empty { action: "RemovePermission" })
}

/// Reads the queue's policy, lets `edit` compute the new statement list
/// (`None` removes the policy) and replaces the policy if no one else changed
/// it meanwhile, retrying a few times when someone did.
async fn edit_policy<F>(gateway: &Gateway, context: &RequestContext, queue_url: &str, edit: F) -> Result<(), SqsError>
where
    F: Fn(&str, &Value) -> Result<Option<Vec<Value>>, SqsError>,
{
    for _ in 0..POLICY_UPDATE_ATTEMPTS_MAX {
        let meta = resolve_queue(gateway, context, queue_url).await?;
        let arn = queue_arn(&meta);
        let current = meta.attributes.get("Policy").cloned().unwrap_or_default();
        let policy: Value = if current.is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_str(&current).unwrap_or_else(|_| Value::Object(Map::new()))
        };
        let replacement = match edit(&arn, &policy)? {
            Some(statements) => {
                let mut document = Map::new();
                document.insert("Version".into(), json!("2012-10-17"));
                document.insert("Id".into(), policy.get("Id").cloned().unwrap_or_else(|| json!(format!("{arn}/SQSDefaultPolicy"))));
                document.insert("Statement".into(), Value::Array(statements));
                Value::Object(document).to_string()
            }
            None => String::new(),
        };
        let command = CatalogCommand::ReplacePolicy { key: meta.key.clone(), expected: current, policy: replacement };
        let outcome = gateway.router.propose(METADATA_GROUP_ID, Command::Catalog(command)).await;
        match outcome.map_err(from_route_error)? {
            Outcome::Catalog(Ok(_)) => return Ok(()),
            Outcome::Catalog(Err(QueueError::PolicyChanged)) => {
                gateway.router.sync_catalog().await.map_err(from_route_error)?;
            }
            Outcome::Catalog(Err(error)) => return Err(from_queue_error(error)),
            Outcome::Partition(_) => return Err(SqsError::internal_error("a catalog command applied as a partition command")),
        }
    }
    Err(from_queue_error(QueueError::PolicyChanged))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_rejects_bad_input() {
        let accounts = vec!["123456789012".to_string()];
        let actions = vec!["SendMessage".to_string()];
        assert!(validate_add("ok_label-1", &accounts, &actions).is_ok());
        assert!(validate_add("bad label", &accounts, &actions).is_err(), "spaces are not allowed in labels");
        assert!(validate_add(&"x".repeat(81), &accounts, &actions).is_err(), "labels are at most 80 characters");
        assert!(validate_add("l", &["123".to_string()], &actions).is_err(), "account ids have 12 digits");
        assert!(validate_add("l", &[], &actions).is_err(), "an account id is required");
        assert!(validate_add("l", &accounts, &["CreateQueue".to_string()]).is_err(), "owner-only action");
        assert!(validate_add("l", &accounts, &["*".to_string()]).is_ok());
    }

    #[test]
    fn single_values_stay_strings() {
        assert_eq!(one_or_many(vec!["a".into()]), json!("a"));
        assert_eq!(one_or_many(vec!["a".into(), "b".into()]), json!(["a", "b"]));
    }
}

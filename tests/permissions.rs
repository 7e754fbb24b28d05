//! AddPermission and RemovePermission edit the queue's Policy document.

use sluice_tests::aws_sdk_sqs::types::QueueAttributeName;
use sluice_tests::{codes, create_queue, expect_service_error, Node};

async fn policy(client: &sluice_tests::aws_sdk_sqs::Client, url: &str) -> Option<serde_json::Value> {
    let attributes = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::Policy)
        .send()
        .await
        .expect("GetQueueAttributes Policy");
    let text = attributes.attributes()?.get(&QueueAttributeName::Policy)?.clone();
    Some(serde_json::from_str(&text).expect("Policy is JSON"))
}

#[tokio::test]
async fn add_then_remove_permission() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "shared", &[]).await;
    assert!(policy(&client, &url).await.is_none(), "a new queue has no policy");

    client
        .add_permission()
        .queue_url(&url)
        .label("producers")
        .aws_account_ids("111122223333")
        .actions("SendMessage")
        .send()
        .await
        .expect("AddPermission");
    client
        .add_permission()
        .queue_url(&url)
        .label("consumers")
        .aws_account_ids("444455556666")
        .actions("ReceiveMessage")
        .actions("DeleteMessage")
        .send()
        .await
        .expect("second AddPermission");

    let document = policy(&client, &url).await.expect("a policy after AddPermission");
    let statements = document["Statement"].as_array().expect("Statement list");
    assert_eq!(statements.len(), 2, "one statement per label");
    assert_eq!(statements[0]["Sid"], "producers");
    assert_eq!(statements[0]["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
    assert_eq!(statements[0]["Action"], "SQS:SendMessage");
    assert_eq!(statements[0]["Resource"], "arn:aws:sqs:us-east-1:000000000000:shared");
    assert_eq!(statements[1]["Action"], serde_json::json!(["SQS:ReceiveMessage", "SQS:DeleteMessage"]));

    let duplicate = client
        .add_permission()
        .queue_url(&url)
        .label("producers")
        .aws_account_ids("111122223333")
        .actions("SendMessage")
        .send()
        .await;
    assert_eq!(expect_service_error("AddPermission with a used label", duplicate), codes::INVALID_PARAMETER_VALUE);

    client.remove_permission().queue_url(&url).label("producers").send().await.expect("RemovePermission");
    let document = policy(&client, &url).await.expect("a policy with one statement left");
    assert_eq!(document["Statement"].as_array().map(Vec::len), Some(1), "the removed label is gone");
    client.remove_permission().queue_url(&url).label("consumers").send().await.expect("second RemovePermission");
    assert!(policy(&client, &url).await.is_none(), "removing the last statement removes the policy");

    let missing = client.remove_permission().queue_url(&url).label("consumers").send().await;
    assert_eq!(expect_service_error("RemovePermission of an unknown label", missing), codes::INVALID_PARAMETER_VALUE);
}

#[tokio::test]
async fn policy_attribute_stored_exactly() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "policy-exact", &[]).await;
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}]}"#;
    client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::Policy, text)
        .send()
        .await
        .expect("SetQueueAttributes Policy");
    let attributes = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::Policy)
        .send()
        .await
        .expect("GetQueueAttributes Policy");
    let stored = attributes.attributes().and_then(|map| map.get(&QueueAttributeName::Policy)).cloned();
    assert_eq!(stored.as_deref(), Some(text), "the Policy attribute is returned byte for byte");
}

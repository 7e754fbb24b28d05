//! Queue tags: TagQueue, UntagQueue, ListQueueTags and tags given to CreateQueue.

use std::collections::HashMap;

use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{codes, create_queue, expect_service_error, Node};

async fn list_tags(client: &Client, url: &str) -> HashMap<String, String> {
    let output = client
        .list_queue_tags()
        .queue_url(url)
        .send()
        .await
        .unwrap_or_else(|err| panic!("ListQueueTags on {url} failed: {err:?}"));
    output.tags().cloned().unwrap_or_default()
}

fn tag_map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

#[tokio::test]
async fn tag_queue_round_trip() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "tagged", &[]).await;

    assert!(
        list_tags(&client, &url).await.is_empty(),
        "a queue created without tags has no tags"
    );

    client
        .tag_queue()
        .queue_url(&url)
        .tags("team", "payments")
        .tags("env", "test")
        .send()
        .await
        .expect("TagQueue with two tags");
    assert_eq!(
        list_tags(&client, &url).await,
        tag_map(&[("team", "payments"), ("env", "test")]),
        "ListQueueTags after TagQueue"
    );

    client
        .tag_queue()
        .queue_url(&url)
        .tags("env", "prod")
        .tags("empty", "")
        .send()
        .await
        .expect("TagQueue overwriting one key and adding an empty value");
    assert_eq!(
        list_tags(&client, &url).await,
        tag_map(&[("team", "payments"), ("env", "prod"), ("empty", "")]),
        "TagQueue overwrites an existing key, keeps the others and accepts an empty value"
    );

    client
        .untag_queue()
        .queue_url(&url)
        .tag_keys("team")
        .tag_keys("not-there")
        .send()
        .await
        .expect("UntagQueue of one present and one absent key");
    assert_eq!(
        list_tags(&client, &url).await,
        tag_map(&[("env", "prod"), ("empty", "")]),
        "UntagQueue removes the given key and ignores absent ones"
    );
}

#[tokio::test]
async fn create_queue_with_tags() {
    let node = Node::start().await;
    let client = node.client();

    let output = client
        .create_queue()
        .queue_name("born-tagged")
        .tags("owner", "sluice")
        .tags("cost-center", "42")
        .send()
        .await
        .expect("CreateQueue with tags");
    let url = output
        .queue_url()
        .expect("CreateQueue returns a QueueUrl")
        .to_string();

    assert_eq!(
        list_tags(&client, &url).await,
        tag_map(&[("owner", "sluice"), ("cost-center", "42")]),
        "tags given to CreateQueue are listed"
    );
}

#[tokio::test]
async fn tag_actions_missing_queue() {
    let node = Node::start().await;
    let client = node.client();
    let missing = node.queue_url("missing");

    let result = client
        .tag_queue()
        .queue_url(&missing)
        .tags("k", "v")
        .send()
        .await;
    let code = expect_service_error("TagQueue on a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "TagQueue error code for a missing queue"
    );

    let result = client
        .untag_queue()
        .queue_url(&missing)
        .tag_keys("k")
        .send()
        .await;
    let code = expect_service_error("UntagQueue on a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "UntagQueue error code for a missing queue"
    );

    let result = client.list_queue_tags().queue_url(&missing).send().await;
    let code = expect_service_error("ListQueueTags on a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "ListQueueTags error code for a missing queue"
    );
}

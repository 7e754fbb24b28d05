//! Queue management: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue,
//! GetQueueAttributes, SetQueueAttributes and PurgeQueue.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use sluice_tests::aws_sdk_sqs::types::QueueAttributeName;
use sluice_tests::{
    codes, create_queue, eventually, expect_service_error, queue_attributes, unix_now_secs, Node,
};

/// Bound for states that AWS documents as eventually consistent.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn create_queue_returns_url() {
    let node = Node::start().await;
    let client = node.client();

    let url = create_queue(&client, "orders", &[]).await;
    assert_eq!(
        url,
        node.queue_url("orders"),
        "CreateQueue must return http://<host>/<account>/<name>"
    );

    let fetched = client
        .get_queue_url()
        .queue_name("orders")
        .send()
        .await
        .expect("GetQueueUrl of an existing queue");
    assert_eq!(
        fetched.queue_url(),
        Some(url.as_str()),
        "GetQueueUrl must return the URL that CreateQueue returned"
    );
}

#[tokio::test]
async fn create_queue_same_attributes_is_idempotent() {
    let node = Node::start().await;
    let client = node.client();
    let attributes = [(QueueAttributeName::VisibilityTimeout, "40")];

    let first = create_queue(&client, "jobs", &attributes).await;
    let second = create_queue(&client, "jobs", &attributes).await;
    assert_eq!(
        first, second,
        "CreateQueue with the same name and attributes must return the existing URL"
    );

    let without_attributes = create_queue(&client, "plain", &[]).await;
    let again = create_queue(&client, "plain", &[]).await;
    assert_eq!(
        without_attributes, again,
        "CreateQueue of an existing name with no attributes must return its URL"
    );

    let listed = client.list_queues().send().await.expect("ListQueues");
    let jobs_count = listed
        .queue_urls()
        .iter()
        .filter(|listed_url| **listed_url == first)
        .count();
    assert_eq!(
        jobs_count, 1,
        "the repeated CreateQueue must not create a second queue"
    );
}

#[tokio::test]
async fn create_queue_different_attributes_fails() {
    let node = Node::start().await;
    let client = node.client();
    create_queue(
        &client,
        "jobs",
        &[(QueueAttributeName::VisibilityTimeout, "40")],
    )
    .await;

    let result = client
        .create_queue()
        .queue_name("jobs")
        .attributes(QueueAttributeName::VisibilityTimeout, "41")
        .send()
        .await;
    let is_modeled = matches!(&result, Err(err) if err.as_service_error().is_some_and(|e| e.is_queue_name_exists()));
    let code = expect_service_error(
        "CreateQueue of an existing name with another VisibilityTimeout",
        result,
    );
    assert_eq!(
        code,
        codes::QUEUE_ALREADY_EXISTS,
        "error code for an existing name with other attributes"
    );
    assert!(
        is_modeled,
        "the SDK must map the error to CreateQueueError::QueueNameExists"
    );

    let attributes = queue_attributes(&client, &node.queue_url("jobs")).await;
    assert_eq!(
        attributes.get("VisibilityTimeout").map(String::as_str),
        Some("40"),
        "the failed CreateQueue must not change the existing queue"
    );
}

#[tokio::test]
async fn create_queue_invalid_names() {
    let node = Node::start().await;
    let client = node.client();

    let too_long = "q".repeat(81);
    let cases = [
        ("a space", "a name with a space"),
        ("bad!char", "a name with '!'"),
        ("dot.name", "a standard queue name with '.'"),
        (too_long.as_str(), "an 81-character name"),
    ];
    for (name, description) in cases {
        let result = client.create_queue().queue_name(name).send().await;
        let code = expect_service_error(&format!("CreateQueue with {description}"), result);
        assert_eq!(
            code,
            codes::INVALID_PARAMETER_VALUE,
            "error code for CreateQueue with {description}"
        );
    }

    let longest = "q".repeat(80);
    let url = create_queue(&client, &longest, &[]).await;
    assert_eq!(
        url,
        node.queue_url(&longest),
        "an 80-character name is valid"
    );
    let url = create_queue(&client, "Mixed_Case-09", &[]).await;
    assert_eq!(
        url,
        node.queue_url("Mixed_Case-09"),
        "letters, digits, '-' and '_' are valid"
    );
}

#[tokio::test]
async fn create_queue_unknown_attribute() {
    let node = Node::start().await;
    let client = node.client();

    let result = client
        .create_queue()
        .queue_name("jobs")
        .attributes(QueueAttributeName::from("NoSuchAttribute"), "1")
        .send()
        .await;
    let code = expect_service_error("CreateQueue with an unknown attribute", result);
    assert_eq!(
        code,
        codes::INVALID_ATTRIBUTE_NAME,
        "error code for an unknown attribute name"
    );

    let result = client.get_queue_url().queue_name("jobs").send().await;
    let code = expect_service_error("GetQueueUrl after the rejected CreateQueue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "a rejected CreateQueue must not create the queue"
    );
}

#[tokio::test]
async fn create_queue_attribute_out_of_range() {
    let node = Node::start().await;
    let client = node.client();

    let cases = [
        (QueueAttributeName::VisibilityTimeout, "43201"),
        (QueueAttributeName::VisibilityTimeout, "-1"),
        (QueueAttributeName::VisibilityTimeout, "soon"),
        (QueueAttributeName::DelaySeconds, "901"),
        (QueueAttributeName::MessageRetentionPeriod, "59"),
        (QueueAttributeName::MessageRetentionPeriod, "1209601"),
        (QueueAttributeName::ReceiveMessageWaitTimeSeconds, "21"),
        (QueueAttributeName::MaximumMessageSize, "1023"),
    ];
    for (index, (name, value)) in cases.into_iter().enumerate() {
        let queue_name = format!("range-{index}");
        let description = format!("CreateQueue with {}={value}", name.as_str());
        let result = client
            .create_queue()
            .queue_name(&queue_name)
            .attributes(name, value)
            .send()
            .await;
        let code = expect_service_error(&description, result);
        assert_eq!(
            code,
            codes::INVALID_ATTRIBUTE_VALUE,
            "error code for {description}"
        );
    }
}

#[tokio::test]
async fn create_fifo_queue_requires_suffix() {
    let node = Node::start().await;
    let client = node.client();

    let result = client
        .create_queue()
        .queue_name("no-suffix")
        .attributes(QueueAttributeName::FifoQueue, "true")
        .send()
        .await;
    let code = expect_service_error(
        "CreateQueue FifoQueue=true without the .fifo suffix",
        result,
    );
    assert_eq!(
        code,
        codes::INVALID_PARAMETER_VALUE,
        "error code for a FIFO queue name without .fifo"
    );

    let url = create_queue(
        &client,
        "with-suffix.fifo",
        &[(QueueAttributeName::FifoQueue, "true")],
    )
    .await;
    assert_eq!(
        url,
        node.queue_url("with-suffix.fifo"),
        "a FIFO queue URL ends with the .fifo name"
    );
}

#[tokio::test]
async fn get_queue_url_missing_queue() {
    let node = Node::start().await;
    let client = node.client();

    let result = client.get_queue_url().queue_name("missing").send().await;
    let is_modeled = matches!(&result, Err(err) if err.as_service_error().is_some_and(|e| e.is_queue_does_not_exist()));
    let code = expect_service_error("GetQueueUrl of a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "error code for a missing queue"
    );
    assert!(
        is_modeled,
        "the SDK must map the error to GetQueueUrlError::QueueDoesNotExist"
    );
}

#[tokio::test]
async fn list_queues_by_prefix() {
    let node = Node::start().await;
    let client = node.client();
    for name in ["alpha-1", "alpha-2", "alpha-3", "beta-1", "Alpha-upper"] {
        create_queue(&client, name, &[]).await;
    }

    let all = client
        .list_queues()
        .send()
        .await
        .expect("ListQueues without a prefix");
    let all_urls: HashSet<&str> = all.queue_urls().iter().map(String::as_str).collect();
    assert_eq!(
        all_urls.len(),
        5,
        "ListQueues must list all five queues, got {all_urls:?}"
    );
    assert!(
        all.next_token().is_none(),
        "ListQueues without MaxResults must not return a NextToken"
    );

    let alpha = client
        .list_queues()
        .queue_name_prefix("alpha")
        .send()
        .await
        .expect("ListQueues prefix alpha");
    let mut alpha_urls: Vec<&str> = alpha.queue_urls().iter().map(String::as_str).collect();
    alpha_urls.sort_unstable();
    let expected = [
        node.queue_url("alpha-1"),
        node.queue_url("alpha-2"),
        node.queue_url("alpha-3"),
    ];
    assert_eq!(
        alpha_urls,
        expected.iter().map(String::as_str).collect::<Vec<_>>(),
        "prefix alpha (case-sensitive)"
    );

    let none = client
        .list_queues()
        .queue_name_prefix("gamma")
        .send()
        .await
        .expect("ListQueues prefix gamma");
    assert!(
        none.queue_urls().is_empty(),
        "a prefix that matches nothing must list no queues"
    );
}

#[tokio::test]
async fn list_queues_pages() {
    let node = Node::start().await;
    let client = node.client();
    let names = ["page-a", "page-b", "page-c", "page-d", "page-e"];
    for name in names {
        create_queue(&client, name, &[]).await;
    }

    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(
            pages <= 10,
            "five queues with MaxResults=2 must not take more than three pages"
        );
        let page = client
            .list_queues()
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap_or_else(|err| panic!("ListQueues page {pages} failed: {err:?}"));
        assert!(
            page.queue_urls().len() <= 2,
            "page {pages} has more than MaxResults=2 URLs: {:?}",
            page.queue_urls()
        );
        seen.extend(page.queue_urls().iter().cloned());
        match page.next_token() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }

    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "paging must not repeat a queue: {seen:?}"
    );
    assert_eq!(
        seen.len(),
        names.len(),
        "paging must list every queue exactly once: {seen:?}"
    );
    assert!(
        pages >= 3,
        "five queues with MaxResults=2 need at least three pages, got {pages}"
    );
}

#[tokio::test]
async fn list_queues_max_results_range() {
    let node = Node::start().await;
    let client = node.client();
    create_queue(&client, "only", &[]).await;

    for max_results in [0, 1001] {
        let result = client.list_queues().max_results(max_results).send().await;
        let code = expect_service_error(&format!("ListQueues MaxResults={max_results}"), result);
        assert_eq!(
            code,
            codes::INVALID_PARAMETER_VALUE,
            "error code for MaxResults={max_results}"
        );
    }
}

#[tokio::test]
async fn delete_queue_removes_it() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "doomed", &[]).await;
    let keep = create_queue(&client, "kept", &[]).await;

    client
        .delete_queue()
        .queue_url(&url)
        .send()
        .await
        .expect("DeleteQueue of an existing queue");

    // AWS documents that a deletion can take up to 60 seconds to show.
    eventually(
        "GetQueueUrl of the deleted queue fails",
        Duration::from_secs(60),
        || {
            let client = &client;
            async move {
                match client.get_queue_url().queue_name("doomed").send().await {
                    Ok(output) => Err(format!(
                        "GetQueueUrl still returns {:?}",
                        output.queue_url()
                    )),
                    Err(_) => Ok(()),
                }
            }
        },
    )
    .await;

    let result = client.get_queue_url().queue_name("doomed").send().await;
    let code = expect_service_error("GetQueueUrl of a deleted queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "error code for a deleted queue"
    );

    let listed = client
        .list_queues()
        .send()
        .await
        .expect("ListQueues after DeleteQueue");
    assert_eq!(
        listed.queue_urls(),
        std::slice::from_ref(&keep),
        "only the other queue remains listed"
    );

    let result = client
        .send_message()
        .queue_url(&url)
        .message_body("late")
        .send()
        .await;
    let code = expect_service_error("SendMessage to a deleted queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "error code for SendMessage to a deleted queue"
    );

    let result = client.delete_queue().queue_url(&url).send().await;
    let code = expect_service_error("DeleteQueue of a deleted queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "error code for deleting a queue twice"
    );
}

#[tokio::test]
async fn standard_queue_default_attributes() {
    let node = Node::start().await;
    let client = node.client();
    let before = unix_now_secs();
    let url = create_queue(&client, "defaults", &[]).await;
    let after = unix_now_secs();

    let attributes = queue_attributes(&client, &url).await;
    let get = |name: &str| attributes.get(name).map(String::as_str);

    assert_eq!(
        get("VisibilityTimeout"),
        Some("30"),
        "default VisibilityTimeout"
    );
    assert_eq!(get("DelaySeconds"), Some("0"), "default DelaySeconds");
    assert_eq!(
        get("MessageRetentionPeriod"),
        Some("345600"),
        "default MessageRetentionPeriod (4 days)"
    );
    assert_eq!(
        get("ReceiveMessageWaitTimeSeconds"),
        Some("0"),
        "default ReceiveMessageWaitTimeSeconds"
    );
    assert_eq!(
        get("ApproximateNumberOfMessages"),
        Some("0"),
        "a new queue has no messages"
    );
    assert_eq!(
        get("ApproximateNumberOfMessagesNotVisible"),
        Some("0"),
        "a new queue has no in-flight messages"
    );
    assert_eq!(
        get("ApproximateNumberOfMessagesDelayed"),
        Some("0"),
        "a new queue has no delayed messages"
    );
    assert_eq!(
        get("QueueArn"),
        Some("arn:aws:sqs:us-east-1:000000000000:defaults"),
        "QueueArn is arn:aws:sqs:<region>:<account>:<name>"
    );
    assert_eq!(
        get("FifoQueue"),
        None,
        "a standard queue has no FifoQueue attribute"
    );

    let maximum_size: u64 = get("MaximumMessageSize")
        .expect("MaximumMessageSize is returned for All")
        .parse()
        .expect("MaximumMessageSize is a decimal number");
    assert!(
        maximum_size >= 262_144,
        "default MaximumMessageSize is at least 256 KiB, got {maximum_size}"
    );

    let created: u64 = get("CreatedTimestamp")
        .expect("CreatedTimestamp is returned for All")
        .parse()
        .expect("CreatedTimestamp is whole seconds since the epoch");
    assert!(
        created + 1 >= before && created <= after + 1,
        "CreatedTimestamp {created} must lie between {before} and {after} (epoch seconds)"
    );
    let modified: u64 = get("LastModifiedTimestamp")
        .expect("LastModifiedTimestamp is returned for All")
        .parse()
        .expect("LastModifiedTimestamp is whole seconds since the epoch");
    assert!(
        modified >= created,
        "LastModifiedTimestamp {modified} must not precede CreatedTimestamp {created}"
    );
    assert!(
        modified <= after + 1,
        "LastModifiedTimestamp {modified} must not be in the future (now {after})"
    );
}

#[tokio::test]
async fn fifo_queue_default_attributes() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(
        &client,
        "ordered.fifo",
        &[(QueueAttributeName::FifoQueue, "true")],
    )
    .await;

    let attributes = queue_attributes(&client, &url).await;
    let get = |name: &str| attributes.get(name).map(String::as_str);
    assert_eq!(get("FifoQueue"), Some("true"), "FifoQueue of a FIFO queue");
    assert_eq!(
        get("ContentBasedDeduplication"),
        Some("false"),
        "default ContentBasedDeduplication"
    );
    assert_eq!(
        get("QueueArn"),
        Some("arn:aws:sqs:us-east-1:000000000000:ordered.fifo"),
        "QueueArn of a FIFO queue includes the .fifo suffix"
    );
    assert_eq!(
        get("VisibilityTimeout"),
        Some("30"),
        "default VisibilityTimeout of a FIFO queue"
    );
}

#[tokio::test]
async fn get_queue_attributes_selected_names() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(
        &client,
        "selected",
        &[(QueueAttributeName::DelaySeconds, "5")],
    )
    .await;

    let output = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::DelaySeconds)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("GetQueueAttributes with two names");
    let attributes = output.attributes().cloned().unwrap_or_default();
    let mut names: Vec<&str> = attributes.keys().map(QueueAttributeName::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["DelaySeconds", "QueueArn"],
        "only the requested attributes are returned"
    );
    assert_eq!(
        attributes
            .get(&QueueAttributeName::DelaySeconds)
            .map(String::as_str),
        Some("5"),
        "DelaySeconds set at creation"
    );

    let output = client
        .get_queue_attributes()
        .queue_url(&url)
        .send()
        .await
        .expect("GetQueueAttributes without names");
    let returned = output.attributes().map(|map| map.len()).unwrap_or(0);
    assert_eq!(
        returned, 0,
        "GetQueueAttributes without AttributeNames returns no attributes"
    );
}

#[tokio::test]
async fn get_queue_attributes_errors() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "attrs", &[]).await;

    let result = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::from("NoSuchAttribute"))
        .send()
        .await;
    let code = expect_service_error("GetQueueAttributes with an unknown name", result);
    assert_eq!(
        code,
        codes::INVALID_ATTRIBUTE_NAME,
        "error code for an unknown attribute name"
    );

    let result = client
        .get_queue_attributes()
        .queue_url(node.queue_url("missing"))
        .attribute_names(QueueAttributeName::All)
        .send()
        .await;
    let code = expect_service_error("GetQueueAttributes of a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "error code for a missing queue"
    );
}

#[tokio::test]
async fn set_queue_attributes_updates() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "tunable", &[]).await;
    let original = queue_attributes(&client, &url).await;

    // Timestamps have one-second resolution.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::VisibilityTimeout, "45")
        .attributes(QueueAttributeName::DelaySeconds, "3")
        .attributes(QueueAttributeName::ReceiveMessageWaitTimeSeconds, "2")
        .attributes(QueueAttributeName::MessageRetentionPeriod, "3600")
        .attributes(QueueAttributeName::MaximumMessageSize, "2048")
        .send()
        .await
        .expect("SetQueueAttributes with valid values");

    let updated = queue_attributes(&client, &url).await;
    let get = |name: &str| updated.get(name).map(String::as_str);
    assert_eq!(
        get("VisibilityTimeout"),
        Some("45"),
        "VisibilityTimeout after SetQueueAttributes"
    );
    assert_eq!(
        get("DelaySeconds"),
        Some("3"),
        "DelaySeconds after SetQueueAttributes"
    );
    assert_eq!(
        get("ReceiveMessageWaitTimeSeconds"),
        Some("2"),
        "ReceiveMessageWaitTimeSeconds after SetQueueAttributes"
    );
    assert_eq!(
        get("MessageRetentionPeriod"),
        Some("3600"),
        "MessageRetentionPeriod after SetQueueAttributes"
    );
    assert_eq!(
        get("MaximumMessageSize"),
        Some("2048"),
        "MaximumMessageSize after SetQueueAttributes"
    );
    assert_eq!(
        updated.get("CreatedTimestamp"),
        original.get("CreatedTimestamp"),
        "SetQueueAttributes must not change CreatedTimestamp"
    );

    let old_modified: u64 = original["LastModifiedTimestamp"]
        .parse()
        .expect("LastModifiedTimestamp is a number");
    let new_modified: u64 = updated["LastModifiedTimestamp"]
        .parse()
        .expect("LastModifiedTimestamp is a number");
    assert!(
        new_modified > old_modified,
        "LastModifiedTimestamp must advance after SetQueueAttributes ({old_modified} -> {new_modified})"
    );
}

#[tokio::test]
async fn set_queue_attributes_errors() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "strict", &[]).await;

    let result = client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::VisibilityTimeout, "43201")
        .send()
        .await;
    let code = expect_service_error("SetQueueAttributes VisibilityTimeout=43201", result);
    assert_eq!(
        code,
        codes::INVALID_ATTRIBUTE_VALUE,
        "error code for VisibilityTimeout above 12 hours"
    );

    let result = client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::from("NoSuchAttribute"), "1")
        .send()
        .await;
    let code = expect_service_error("SetQueueAttributes with an unknown name", result);
    assert_eq!(
        code,
        codes::INVALID_ATTRIBUTE_NAME,
        "error code for an unknown attribute name"
    );

    let attributes = queue_attributes(&client, &url).await;
    assert_eq!(
        attributes.get("VisibilityTimeout").map(String::as_str),
        Some("30"),
        "rejected SetQueueAttributes calls must not change the queue"
    );

    let result = client
        .set_queue_attributes()
        .queue_url(node.queue_url("missing"))
        .attributes(QueueAttributeName::VisibilityTimeout, "10")
        .send()
        .await;
    let code = expect_service_error("SetQueueAttributes on a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "error code for a missing queue"
    );
}

#[tokio::test]
async fn purge_queue_removes_messages() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "purged", &[]).await;
    for index in 0..3 {
        client
            .send_message()
            .queue_url(&url)
            .message_body(format!("message {index}"))
            .send()
            .await
            .expect("SendMessage before PurgeQueue");
    }

    client
        .purge_queue()
        .queue_url(&url)
        .send()
        .await
        .expect("first PurgeQueue");

    // AWS documents that a purge can take up to 60 seconds to finish.
    eventually(
        "ApproximateNumberOfMessages drops to 0 after PurgeQueue",
        Duration::from_secs(60),
        || {
            let client = &client;
            let url = &url;
            async move {
                let attributes = queue_attributes(client, url).await;
                match attributes
                    .get("ApproximateNumberOfMessages")
                    .map(String::as_str)
                {
                    Some("0") => Ok(()),
                    other => Err(format!("ApproximateNumberOfMessages is {other:?}")),
                }
            }
        },
    )
    .await;

    let received = client
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .expect("ReceiveMessage after PurgeQueue");
    assert!(
        received.messages().is_empty(),
        "a purged queue returns no messages: {:?}",
        received.messages()
    );

    let started = Instant::now();
    let result = client.purge_queue().queue_url(&url).send().await;
    let is_modeled = matches!(&result, Err(err) if err.as_service_error().is_some_and(|e| e.is_purge_queue_in_progress()));
    let code = expect_service_error("a second PurgeQueue within 60 seconds", result);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the second purge must be sent within 60 s of the first"
    );
    assert_eq!(
        code,
        codes::PURGE_QUEUE_IN_PROGRESS,
        "error code for a second purge within 60 seconds"
    );
    assert!(
        is_modeled,
        "the SDK must map the error to PurgeQueueError::PurgeQueueInProgress"
    );

    let result = client
        .purge_queue()
        .queue_url(node.queue_url("missing"))
        .send()
        .await;
    let code = expect_service_error("PurgeQueue of a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "error code for purging a missing queue"
    );
}

#[tokio::test]
async fn purge_keeps_later_messages_receivable() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "purged-then-used", &[]).await;
    client
        .send_message()
        .queue_url(&url)
        .message_body("old")
        .send()
        .await
        .expect("SendMessage before purge");
    client
        .purge_queue()
        .queue_url(&url)
        .send()
        .await
        .expect("PurgeQueue");

    eventually(
        "the queue is empty after PurgeQueue",
        SETTLE_TIMEOUT * 2,
        || {
            let client = &client;
            let url = &url;
            async move {
                let attributes = queue_attributes(client, url).await;
                match attributes
                    .get("ApproximateNumberOfMessages")
                    .map(String::as_str)
                {
                    Some("0") => Ok(()),
                    other => Err(format!("ApproximateNumberOfMessages is {other:?}")),
                }
            }
        },
    )
    .await;

    // NOTE: AWS allows messages sent during the purge to be deleted too, so
    // this waits for the purge above to show before sending.
    client
        .send_message()
        .queue_url(&url)
        .message_body("new")
        .send()
        .await
        .expect("SendMessage after purge");
    let received = client
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(5)
        .send()
        .await
        .expect("ReceiveMessage after purge");
    let bodies: Vec<&str> = received
        .messages()
        .iter()
        .filter_map(|message| message.body())
        .collect();
    assert_eq!(
        bodies,
        ["new"],
        "a message sent after the purge finished must be receivable"
    );
}

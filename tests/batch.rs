//! Batch actions: SendMessageBatch, DeleteMessageBatch and
//! ChangeMessageVisibilityBatch, with whole-request errors and per-entry results.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use sluice_tests::aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageAttributeValue, SendMessageBatchRequestEntry,
};
use sluice_tests::aws_sdk_sqs::Client;
use sluice_tests::{
    codes, create_queue, expect_service_error, md5_hex, md5_of_sdk_message_attributes, Node,
};

fn send_entry(id: &str, body: &str) -> SendMessageBatchRequestEntry {
    SendMessageBatchRequestEntry::builder()
        .id(id)
        .message_body(body)
        .build()
        .expect("a send entry with an id and a body is valid")
}

fn delete_entry(id: &str, handle: &str) -> DeleteMessageBatchRequestEntry {
    DeleteMessageBatchRequestEntry::builder()
        .id(id)
        .receipt_handle(handle)
        .build()
        .expect("a delete entry with an id and a handle is valid")
}

fn visibility_entry(
    id: &str,
    handle: &str,
    seconds: i32,
) -> ChangeMessageVisibilityBatchRequestEntry {
    ChangeMessageVisibilityBatchRequestEntry::builder()
        .id(id)
        .receipt_handle(handle)
        .visibility_timeout(seconds)
        .build()
        .expect("a visibility entry with an id and a handle is valid")
}

/// Receives until `count` distinct messages are in flight or 30 s pass.
async fn receive_count(client: &Client, url: &str, count: usize) -> Vec<Message> {
    let mut messages: Vec<Message> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while messages.len() < count && Instant::now() < deadline {
        let output = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap_or_else(|err| panic!("ReceiveMessage on {url} failed: {err:?}"));
        messages.extend(output.messages().iter().cloned());
    }
    assert_eq!(
        messages.len(),
        count,
        "expected {count} messages in flight, received {messages:?}"
    );
    messages
}

#[tokio::test]
async fn send_batch_all_succeed() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "batched", &[]).await;

    let attribute = MessageAttributeValue::builder()
        .data_type("String")
        .string_value("v1")
        .build()
        .expect("a valid attribute");
    let with_attribute = SendMessageBatchRequestEntry::builder()
        .id("with-attribute")
        .message_body("second")
        .message_attributes("version", attribute.clone())
        .build()
        .expect("a valid entry");
    let output = client
        .send_message_batch()
        .queue_url(&url)
        .entries(send_entry("first_1", "first"))
        .entries(with_attribute)
        .entries(send_entry("THIRD", "third"))
        .send()
        .await
        .expect("SendMessageBatch with three valid entries");

    assert!(
        output.failed().is_empty(),
        "no entry may fail: {:?}",
        output.failed()
    );
    assert_eq!(output.successful().len(), 3, "all three entries succeed");
    let by_id: HashMap<&str, _> = output
        .successful()
        .iter()
        .map(|entry| (entry.id(), entry))
        .collect();
    for (id, body) in [
        ("first_1", "first"),
        ("with-attribute", "second"),
        ("THIRD", "third"),
    ] {
        let entry = by_id
            .get(id)
            .unwrap_or_else(|| panic!("no result for entry {id}"));
        assert!(!entry.message_id().is_empty(), "entry {id} has a MessageId");
        assert_eq!(
            entry.md5_of_message_body(),
            md5_hex(body),
            "MD5OfMessageBody of entry {id}"
        );
    }
    let expected_digest =
        md5_of_sdk_message_attributes(&HashMap::from([("version".to_string(), attribute)]));
    assert_eq!(
        by_id["with-attribute"]
            .md5_of_message_attributes()
            .map(str::to_string),
        expected_digest,
        "MD5OfMessageAttributes of the entry with an attribute"
    );
    assert_eq!(
        by_id["first_1"].md5_of_message_attributes(),
        None,
        "no attribute digest for an entry without attributes"
    );

    let messages = receive_count(&client, &url, 3).await;
    let bodies: HashSet<&str> = messages.iter().filter_map(Message::body).collect();
    assert_eq!(
        bodies,
        HashSet::from(["first", "second", "third"]),
        "all batch bodies are received"
    );
    let sent_ids: HashSet<&str> = output
        .successful()
        .iter()
        .map(|entry| entry.message_id())
        .collect();
    let received_ids: HashSet<&str> = messages.iter().filter_map(Message::message_id).collect();
    assert_eq!(
        received_ids, sent_ids,
        "received MessageIds equal the ones SendMessageBatch returned"
    );
}

#[tokio::test]
async fn send_batch_request_errors() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "batch-errors", &[]).await;

    let result = client
        .send_message_batch()
        .queue_url(&url)
        .set_entries(Some(Vec::new()))
        .send()
        .await;
    let code = expect_service_error("SendMessageBatch with no entries", result);
    assert_eq!(
        code,
        codes::EMPTY_BATCH_REQUEST,
        "error code for an empty batch"
    );

    let eleven: Vec<_> = (0..11)
        .map(|index| send_entry(&format!("e{index}"), "body"))
        .collect();
    let result = client
        .send_message_batch()
        .queue_url(&url)
        .set_entries(Some(eleven))
        .send()
        .await;
    let code = expect_service_error("SendMessageBatch with 11 entries", result);
    assert_eq!(
        code,
        codes::TOO_MANY_ENTRIES_IN_BATCH_REQUEST,
        "error code for 11 entries"
    );

    let duplicates = vec![send_entry("same", "a"), send_entry("same", "b")];
    let result = client
        .send_message_batch()
        .queue_url(&url)
        .set_entries(Some(duplicates))
        .send()
        .await;
    let code = expect_service_error("SendMessageBatch with a repeated Id", result);
    assert_eq!(
        code,
        codes::BATCH_ENTRY_IDS_NOT_DISTINCT,
        "error code for repeated entry ids"
    );

    let too_long = "i".repeat(81);
    for bad_id in ["has space", "dot.id", too_long.as_str()] {
        let result = client
            .send_message_batch()
            .queue_url(&url)
            .entries(send_entry(bad_id, "body"))
            .send()
            .await;
        let code = expect_service_error(
            &format!("SendMessageBatch with entry Id {bad_id:?}"),
            result,
        );
        assert_eq!(
            code,
            codes::INVALID_BATCH_ENTRY_ID,
            "error code for entry Id {bad_id:?}"
        );
    }

    let result = client
        .send_message_batch()
        .queue_url(node.queue_url("missing"))
        .entries(send_entry("a", "body"))
        .send()
        .await;
    let code = expect_service_error("SendMessageBatch to a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "error code for a missing queue"
    );

    let longest_id = "i".repeat(80);
    let output = client
        .send_message_batch()
        .queue_url(&url)
        .entries(send_entry(&longest_id, "body"))
        .send()
        .await
        .expect("an 80-character entry Id is valid");
    assert_eq!(
        output.successful().len(),
        1,
        "the entry with an 80-character Id succeeds"
    );
}

#[tokio::test]
async fn send_batch_partial_failure() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "partial", &[]).await;

    let output = client
        .send_message_batch()
        .queue_url(&url)
        .entries(send_entry("good", "fine"))
        .entries(send_entry("bad", "nul\u{0}char"))
        .send()
        .await
        .expect("SendMessageBatch with one invalid body returns per-entry results");

    let successful: Vec<&str> = output.successful().iter().map(|entry| entry.id()).collect();
    assert_eq!(successful, ["good"], "only the valid entry succeeds");
    assert_eq!(
        output.failed().len(),
        1,
        "the entry with an invalid character fails"
    );
    let failed = &output.failed()[0];
    assert_eq!(failed.id(), "bad", "Id of the failed entry");
    assert!(
        failed.sender_fault(),
        "an invalid body is the sender's fault"
    );
    assert!(
        !failed.code().is_empty(),
        "the failed entry carries an error code"
    );

    let messages = receive_count(&client, &url, 1).await;
    assert_eq!(
        messages[0].body(),
        Some("fine"),
        "only the valid entry was enqueued"
    );
}

#[tokio::test]
async fn delete_batch_round_trip() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "delete-batch", &[]).await;
    let entries: Vec<_> = (0..3)
        .map(|index| send_entry(&format!("s{index}"), &format!("body {index}")))
        .collect();
    client
        .send_message_batch()
        .queue_url(&url)
        .set_entries(Some(entries))
        .send()
        .await
        .expect("SendMessageBatch of three");
    let messages = receive_count(&client, &url, 3).await;

    let mut request = client.delete_message_batch().queue_url(&url);
    for (index, message) in messages.iter().enumerate() {
        let handle = message.receipt_handle().expect("ReceiptHandle");
        request = request.entries(delete_entry(&format!("d{index}"), handle));
    }
    request = request.entries(delete_entry("forged", "not-a-receipt-handle"));
    let output = request
        .send()
        .await
        .expect("DeleteMessageBatch with one forged handle");

    let mut deleted: Vec<&str> = output.successful().iter().map(|entry| entry.id()).collect();
    deleted.sort_unstable();
    assert_eq!(
        deleted,
        ["d0", "d1", "d2"],
        "the three real handles are deleted"
    );
    assert_eq!(output.failed().len(), 1, "the forged handle fails");
    let failed = &output.failed()[0];
    assert_eq!(failed.id(), "forged", "Id of the failed entry");
    assert_eq!(
        failed.code(),
        codes::RECEIPT_HANDLE_IS_INVALID,
        "error code of the forged handle entry"
    );
    assert!(
        failed.sender_fault(),
        "a forged handle is the sender's fault"
    );

    let again = client
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .expect("ReceiveMessage after DeleteMessageBatch");
    assert!(
        again.messages().is_empty(),
        "deleted messages must not come back: {:?}",
        again.messages()
    );
}

#[tokio::test]
async fn delete_batch_request_errors() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "delete-errors", &[]).await;

    let result = client
        .delete_message_batch()
        .queue_url(&url)
        .set_entries(Some(Vec::new()))
        .send()
        .await;
    let code = expect_service_error("DeleteMessageBatch with no entries", result);
    assert_eq!(
        code,
        codes::EMPTY_BATCH_REQUEST,
        "error code for an empty delete batch"
    );

    let eleven: Vec<_> = (0..11)
        .map(|index| delete_entry(&format!("e{index}"), "handle"))
        .collect();
    let result = client
        .delete_message_batch()
        .queue_url(&url)
        .set_entries(Some(eleven))
        .send()
        .await;
    let code = expect_service_error("DeleteMessageBatch with 11 entries", result);
    assert_eq!(
        code,
        codes::TOO_MANY_ENTRIES_IN_BATCH_REQUEST,
        "error code for 11 delete entries"
    );

    let duplicates = vec![delete_entry("same", "h1"), delete_entry("same", "h2")];
    let result = client
        .delete_message_batch()
        .queue_url(&url)
        .set_entries(Some(duplicates))
        .send()
        .await;
    let code = expect_service_error("DeleteMessageBatch with a repeated Id", result);
    assert_eq!(
        code,
        codes::BATCH_ENTRY_IDS_NOT_DISTINCT,
        "error code for repeated delete entry ids"
    );

    let result = client
        .delete_message_batch()
        .queue_url(&url)
        .entries(delete_entry("bad id", "handle"))
        .send()
        .await;
    let code = expect_service_error("DeleteMessageBatch with entry Id 'bad id'", result);
    assert_eq!(
        code,
        codes::INVALID_BATCH_ENTRY_ID,
        "error code for an invalid delete entry Id"
    );

    let result = client
        .delete_message_batch()
        .queue_url(node.queue_url("missing"))
        .entries(delete_entry("a", "handle"))
        .send()
        .await;
    let code = expect_service_error("DeleteMessageBatch on a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "error code for a missing queue"
    );
}

#[tokio::test]
async fn change_visibility_batch_round_trip() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "visibility-batch", &[]).await;
    client
        .send_message_batch()
        .queue_url(&url)
        .entries(send_entry("a", "released"))
        .entries(send_entry("b", "held"))
        .send()
        .await
        .expect("SendMessageBatch of two");
    let messages = receive_count(&client, &url, 2).await;
    let handle_of = |body: &str| {
        messages
            .iter()
            .find(|message| message.body() == Some(body))
            .and_then(Message::receipt_handle)
            .unwrap_or_else(|| panic!("no received message with body {body}"))
            .to_string()
    };

    let output = client
        .change_message_visibility_batch()
        .queue_url(&url)
        .entries(visibility_entry("release", &handle_of("released"), 0))
        .entries(visibility_entry("hold", &handle_of("held"), 600))
        .entries(visibility_entry("forged", "not-a-receipt-handle", 0))
        .send()
        .await
        .expect("ChangeMessageVisibilityBatch with one forged handle");

    let mut changed: Vec<&str> = output.successful().iter().map(|entry| entry.id()).collect();
    changed.sort_unstable();
    assert_eq!(
        changed,
        ["hold", "release"],
        "both real handles are changed"
    );
    assert_eq!(output.failed().len(), 1, "the forged handle fails");
    assert_eq!(output.failed()[0].id(), "forged", "Id of the failed entry");
    assert_eq!(
        output.failed()[0].code(),
        codes::RECEIPT_HANDLE_IS_INVALID,
        "error code of the forged handle entry"
    );
    assert!(
        output.failed()[0].sender_fault(),
        "a forged handle is the sender's fault"
    );

    let again = client
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .wait_time_seconds(5)
        .send()
        .await
        .expect("ReceiveMessage after ChangeMessageVisibilityBatch");
    let bodies: Vec<&str> = again.messages().iter().filter_map(Message::body).collect();
    assert_eq!(
        bodies,
        ["released"],
        "only the message set to visibility 0 is received again"
    );
}

#[tokio::test]
async fn change_visibility_batch_request_errors() {
    let node = Node::start().await;
    let client = node.client();
    let url = create_queue(&client, "visibility-errors", &[]).await;

    let result = client
        .change_message_visibility_batch()
        .queue_url(&url)
        .set_entries(Some(Vec::new()))
        .send()
        .await;
    let code = expect_service_error("ChangeMessageVisibilityBatch with no entries", result);
    assert_eq!(
        code,
        codes::EMPTY_BATCH_REQUEST,
        "error code for an empty visibility batch"
    );

    let eleven: Vec<_> = (0..11)
        .map(|index| visibility_entry(&format!("e{index}"), "handle", 5))
        .collect();
    let result = client
        .change_message_visibility_batch()
        .queue_url(&url)
        .set_entries(Some(eleven))
        .send()
        .await;
    let code = expect_service_error("ChangeMessageVisibilityBatch with 11 entries", result);
    assert_eq!(
        code,
        codes::TOO_MANY_ENTRIES_IN_BATCH_REQUEST,
        "error code for 11 visibility entries"
    );

    let duplicates = vec![
        visibility_entry("same", "h1", 5),
        visibility_entry("same", "h2", 5),
    ];
    let result = client
        .change_message_visibility_batch()
        .queue_url(&url)
        .set_entries(Some(duplicates))
        .send()
        .await;
    let code = expect_service_error("ChangeMessageVisibilityBatch with a repeated Id", result);
    assert_eq!(
        code,
        codes::BATCH_ENTRY_IDS_NOT_DISTINCT,
        "error code for repeated visibility entry ids"
    );

    let result = client
        .change_message_visibility_batch()
        .queue_url(&url)
        .entries(visibility_entry("bad!", "handle", 5))
        .send()
        .await;
    let code = expect_service_error("ChangeMessageVisibilityBatch with entry Id 'bad!'", result);
    assert_eq!(
        code,
        codes::INVALID_BATCH_ENTRY_ID,
        "error code for an invalid visibility entry Id"
    );

    let result = client
        .change_message_visibility_batch()
        .queue_url(node.queue_url("missing"))
        .entries(visibility_entry("a", "handle", 5))
        .send()
        .await;
    let code = expect_service_error("ChangeMessageVisibilityBatch on a missing queue", result);
    assert_eq!(
        code,
        codes::NON_EXISTENT_QUEUE,
        "error code for a missing queue"
    );
}

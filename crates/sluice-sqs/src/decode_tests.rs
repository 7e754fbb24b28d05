//! Decodes requests that botocore itself serialized: botocore 1.31 for the
//! Query protocol and botocore 1.44 for AWS JSON 1.0, from the same parameters.
//! `testdata/gen_botocore_requests.py` regenerates the file.

use serde_json::Value;

use super::*;
use crate::types::MessageAttributeValue;

const URL: &str = "http://localhost:9324/000000000000/orders";

struct Serialized {
    protocol: Protocol,
    operation: String,
    target: Option<String>,
    body: String,
}

fn fixtures() -> Vec<Serialized> {
    let all: Value = serde_json::from_str(include_str!("testdata/botocore_requests.json")).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .map(|item| Serialized {
            protocol: if item["protocol"] == "query" {
                Protocol::Query
            } else {
                Protocol::Json
            },
            operation: item["operation"].as_str().unwrap().to_owned(),
            target: item["target"].as_str().map(str::to_owned),
            body: item["body"].as_str().unwrap().to_owned(),
        })
        .collect()
}

fn decode(fixture: &Serialized) -> Request {
    decode_request(
        fixture.protocol,
        fixture.target.as_deref(),
        None,
        fixture.body.as_bytes(),
    )
    .unwrap_or_else(|error| panic!("{:?} {}: {error}", fixture.protocol, fixture.operation))
}

/// Returns the request of `operation` decoded from each protocol.
fn decoded_pair(operation: &str) -> (Request, Request) {
    let all = fixtures();
    let find = |protocol| {
        let fixture = all
            .iter()
            .find(|f| f.protocol == protocol && f.operation == operation)
            .unwrap();
        decode(fixture)
    };
    (find(Protocol::Query), find(Protocol::Json))
}

#[test]
fn botocore_requests_decode_alike() {
    let all = fixtures();
    let query: Vec<&Serialized> = all
        .iter()
        .filter(|f| f.protocol == Protocol::Query)
        .collect();
    assert_eq!(query.len(), 18);
    for fixture in query {
        let json = all
            .iter()
            .find(|f| f.protocol == Protocol::Json && f.operation == fixture.operation)
            .unwrap();
        assert_eq!(decode(fixture), decode(json), "{}", fixture.operation);
        assert_eq!(decode(fixture).action(), fixture.operation);
    }
}

#[test]
fn botocore_send_message_fields() {
    let (query, json) = decoded_pair("SendMessage");
    assert_eq!(query, json);
    let Request::SendMessage { queue_url, entry } = query else {
        panic!("wrong request kind");
    };
    assert_eq!(queue_url, URL);
    assert_eq!(entry.message_body, "line1\r\nline2 + 100%");
    assert_eq!(entry.delay_seconds, Some(3));
    assert_eq!(
        entry.message_attributes["s"],
        MessageAttributeValue {
            data_type: "String".into(),
            string_value: Some("caf\u{e9} & <x>".into()),
            binary_value: None
        }
    );
    assert_eq!(entry.message_attributes["n"].data_type, "Number.int");
    assert_eq!(
        entry.message_attributes["b"].binary_value.as_deref(),
        Some(&[0u8, 1, 0xfe][..])
    );
    assert!(entry
        .message_system_attributes
        .contains_key("AWSTraceHeader"));
    assert_eq!(entry.message_deduplication_id.as_deref(), Some("dedup-1"));
    assert_eq!(entry.message_group_id.as_deref(), Some("group-1"));
}

#[test]
fn botocore_batch_and_map_fields() {
    let (query, _) = decoded_pair("SendMessageBatch");
    let Request::SendMessageBatch { entries, .. } = query else {
        panic!("wrong request kind");
    };
    let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(entries[1].message_attributes.len(), 3);

    let (query, _) = decoded_pair("CreateQueue");
    let Request::CreateQueue {
        attributes, tags, ..
    } = query
    else {
        panic!("wrong request kind");
    };
    assert_eq!(attributes["FifoQueue"], "true");
    assert_eq!(tags["team"], "a b");

    let (query, _) = decoded_pair("TagQueue");
    let Request::TagQueue { tags, .. } = query else {
        panic!("wrong request kind");
    };
    assert_eq!(tags["k2"], "");
}

#[test]
fn botocore_json_system_attribute_names() {
    let all = fixtures();
    let fixture = all
        .iter()
        .find(|f| f.body.contains("MessageSystemAttributeNames"))
        .unwrap();
    let Request::ReceiveMessage {
        message_system_attribute_names,
        attribute_names,
        ..
    } = decode(fixture)
    else {
        panic!("wrong request kind");
    };
    assert_eq!(
        message_system_attribute_names,
        ["SentTimestamp", "SenderId"]
    );
    assert!(attribute_names.is_empty());
}

#[test]
fn botocore_list_dead_letter_sources() {
    let (query, json) = decoded_pair("ListDeadLetterSourceQueues");
    assert_eq!(
        query,
        Request::ListDeadLetterSourceQueues {
            queue_url: "http://localhost:9324/000000000000/orders".into(),
            max_results: None,
            next_token: None,
        }
    );
    assert_eq!(json, query);
}

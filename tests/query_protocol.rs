//! Raw wire checks: the Query protocol (form-encoded requests, XML responses)
//! and one AWS JSON 1.0 error, sent with SigV4-signed HTTP requests.
//!
//! Shapes follow the SQS API reference for API version 2012-11-05: a success
//! is `<XResponse><XResult>...</XResult><ResponseMetadata><RequestId>`, an
//! error is `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`,
//! and lists and maps are flattened (`Attribute.1.Name`, `<Attribute>` repeated).

use std::collections::HashMap;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use quick_xml::events::Event;
use quick_xml::Reader;
use sluice_tests::{
    codes, md5_hex, md5_of_message_attributes, AttributeValue, Node, ACCOUNT_ID, REGION,
};

const API_VERSION: &str = "2012-11-05";

/// One XML element with its concatenated text and child elements.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// Follows a path of child names and returns the text of the last one.
    fn text_at(&self, path: &[&str]) -> Option<&str> {
        let mut current = self;
        for name in path {
            current = current.child(name)?;
        }
        Some(current.text.as_str())
    }

    /// Returns `<Entry><key>k</key><value>v</value></Entry>` children as a map.
    fn pairs(&self, entry: &str, key: &str, value: &str) -> HashMap<String, String> {
        self.children_named(entry)
            .map(|item| {
                let name = item
                    .text_at(&[key])
                    .unwrap_or_else(|| panic!("<{entry}> without <{key}>: {item:?}"));
                let text = item
                    .text_at(&[value])
                    .unwrap_or_else(|| panic!("<{entry}> without <{value}>: {item:?}"));
                (name.to_string(), text.to_string())
            })
            .collect()
    }
}

/// Parses an XML document into its root element, using local names.
fn parse_xml(document: &str) -> Element {
    let mut reader = Reader::from_str(document);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let event = reader.read_event().unwrap_or_else(|err| {
            panic!(
                "invalid XML at byte {}: {err}\n{document}",
                reader.buffer_position()
            )
        });
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                stack.push(Element {
                    name,
                    ..Element::default()
                });
            }
            Event::Empty(empty) => {
                let name = String::from_utf8_lossy(empty.local_name().as_ref()).into_owned();
                let parent = stack
                    .last_mut()
                    .expect("the document node is always on the stack");
                parent.children.push(Element {
                    name,
                    ..Element::default()
                });
            }
            Event::End(_) => {
                let finished = stack.pop().expect("quick-xml checks that end tags match");
                let parent = stack
                    .last_mut()
                    .expect("an element always has a parent node");
                parent.children.push(finished);
            }
            Event::Text(text) => {
                let decoded = text.xml10_content().expect("XML text is UTF-8");
                stack
                    .last_mut()
                    .expect("a node is open")
                    .text
                    .push_str(&decoded);
            }
            Event::CData(data) => {
                let decoded = data.decode().expect("CDATA is UTF-8");
                stack
                    .last_mut()
                    .expect("a node is open")
                    .text
                    .push_str(&decoded);
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference
                    .resolve_char_ref()
                    .expect("a valid character reference")
                {
                    Some(character) => character.to_string(),
                    None => {
                        let entity = reference.decode().expect("an entity name is UTF-8");
                        quick_xml::escape::resolve_predefined_entity(&entity)
                            .unwrap_or_else(|| {
                                panic!("unknown XML entity &{entity}; in\n{document}")
                            })
                            .to_string()
                    }
                };
                stack
                    .last_mut()
                    .expect("a node is open")
                    .text
                    .push_str(&resolved);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    let mut document_node = stack.pop().expect("the document node");
    assert!(stack.is_empty(), "unclosed elements in\n{document}");
    assert_eq!(
        document_node.children.len(),
        1,
        "an XML document has exactly one root element:\n{document}"
    );
    document_node.children.remove(0)
}

/// Returns the SigV4 headers (`authorization`, `x-amz-date`) for a request.
fn sigv4_headers(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<(String, String)> {
    let identity: Identity = Credentials::new(
        "AKIDQUERYTESTS",
        "query-test-secret",
        None,
        None,
        "query-tests",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("sqs")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("complete SigV4 signing parameters")
        .into();
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .expect("a signable request");
    let (instructions, _signature) = sign(signable, &params).expect("SigV4 signing").into_parts();
    instructions
        .headers()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// A raw HTTP response: status, headers and body text.
struct RawResponse {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl RawResponse {
    fn xml(&self) -> Element {
        parse_xml(&self.body)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// Signs and sends raw requests to one node.
struct RawClient {
    host: String,
    http: reqwest::Client,
}

impl RawClient {
    fn new(node: &Node) -> RawClient {
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a plain HTTP reqwest client");
        RawClient {
            host: node.addr().to_string(),
            http,
        }
    }

    /// POSTs form parameters (plus `Version`) to `path`.
    async fn post_form(&self, path: &str, params: &[(&str, &str)]) -> RawResponse {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().copied())
            .append_pair("Version", API_VERSION)
            .finish();
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        self.send(
            "POST",
            path,
            "",
            &[("content-type", content_type)],
            body.into_bytes(),
        )
        .await
    }

    /// Sends a GET with the parameters (plus `Version`) in the query string.
    async fn get_query(&self, path: &str, params: &[(&str, &str)]) -> RawResponse {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().copied())
            .append_pair("Version", API_VERSION)
            .finish();
        self.send("GET", path, &query, &[], Vec::new()).await
    }

    /// POSTs an AWS JSON 1.0 request for `action`.
    async fn post_json(&self, action: &str, body: &serde_json::Value) -> RawResponse {
        let target = format!("AmazonSQS.{action}");
        let headers = [
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", target.as_str()),
        ];
        self.send("POST", "/", "", &headers, body.to_string().into_bytes())
            .await
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> RawResponse {
        let url = if query.is_empty() {
            format!("http://{}{path}", self.host)
        } else {
            format!("http://{}{path}?{query}", self.host)
        };
        let mut all_headers: Vec<(&str, &str)> = vec![("host", self.host.as_str())];
        all_headers.extend_from_slice(headers);
        let signature = sigv4_headers(method, &url, &all_headers, &body);

        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid HTTP method");
        let mut request = self.http.request(method, &url).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        for (name, value) in &signature {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|err| panic!("raw request to {url} failed: {err}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .text()
            .await
            .unwrap_or_else(|err| panic!("reading the response of {url} failed: {err}"));
        RawResponse {
            status,
            headers,
            body,
        }
    }
}

/// Checks the common success shape and returns the `<{action}Result>` element,
/// or the root when the action's response has no result element.
fn expect_success<'a>(action: &str, response: &RawResponse, root: &'a Element) -> &'a Element {
    assert_eq!(
        response.status, 200,
        "{action} must succeed; body:\n{}",
        response.body
    );
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.contains("xml"),
        "{action} must respond with XML, got content-type {content_type:?}"
    );
    assert_eq!(
        root.name,
        format!("{action}Response"),
        "root element of the {action} response"
    );
    let request_id = root
        .text_at(&["ResponseMetadata", "RequestId"])
        .unwrap_or_default();
    assert!(
        !request_id.is_empty(),
        "{action} response must carry ResponseMetadata/RequestId:\n{}",
        response.body
    );
    root.child(&format!("{action}Result")).unwrap_or(root)
}

fn queue_path(name: &str) -> String {
    format!("/{ACCOUNT_ID}/{name}")
}

#[tokio::test]
async fn query_create_and_get_url() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);

    let response = raw
        .post_form(
            "/",
            &[
                ("Action", "CreateQueue"),
                ("QueueName", "query-queue"),
                ("Attribute.1.Name", "VisibilityTimeout"),
                ("Attribute.1.Value", "40"),
                ("Attribute.2.Name", "DelaySeconds"),
                ("Attribute.2.Value", "1"),
            ],
        )
        .await;
    let root = response.xml();
    let result = expect_success("CreateQueue", &response, &root);
    assert_eq!(
        result.name, "CreateQueueResult",
        "CreateQueue has a CreateQueueResult element"
    );
    assert_eq!(
        result.text_at(&["QueueUrl"]),
        Some(node.queue_url("query-queue").as_str()),
        "CreateQueueResult/QueueUrl"
    );

    let response = raw
        .post_form(
            "/",
            &[("Action", "GetQueueUrl"), ("QueueName", "query-queue")],
        )
        .await;
    let root = response.xml();
    let result = expect_success("GetQueueUrl", &response, &root);
    assert_eq!(
        result.text_at(&["QueueUrl"]),
        Some(node.queue_url("query-queue").as_str()),
        "GetQueueUrlResult/QueueUrl"
    );

    let response = raw
        .post_form(
            "/",
            &[
                ("Action", "GetQueueAttributes"),
                ("QueueUrl", &node.queue_url("query-queue")),
                ("AttributeName.1", "VisibilityTimeout"),
                ("AttributeName.2", "DelaySeconds"),
                ("AttributeName.3", "QueueArn"),
            ],
        )
        .await;
    let root = response.xml();
    let result = expect_success("GetQueueAttributes", &response, &root);
    let attributes = result.pairs("Attribute", "Name", "Value");
    assert_eq!(
        attributes.len(),
        3,
        "three flattened <Attribute> elements: {attributes:?}"
    );
    assert_eq!(
        attributes.get("VisibilityTimeout").map(String::as_str),
        Some("40"),
        "VisibilityTimeout from Attribute.1"
    );
    assert_eq!(
        attributes.get("DelaySeconds").map(String::as_str),
        Some("1"),
        "DelaySeconds from Attribute.2"
    );
    assert_eq!(
        attributes.get("QueueArn").map(String::as_str),
        Some("arn:aws:sqs:us-east-1:000000000000:query-queue"),
        "QueueArn"
    );
}

#[tokio::test]
async fn query_send_receive_delete_on_queue_path() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);
    let response = raw
        .post_form(
            "/",
            &[("Action", "CreateQueue"), ("QueueName", "path-queue")],
        )
        .await;
    assert_eq!(
        response.status, 200,
        "CreateQueue; body:\n{}",
        response.body
    );
    let path = queue_path("path-queue");

    let body = "query body with <xml> & \"quotes\" é";
    let binary = [0u8, 159, 146, 150];
    let binary_base64 = base64::engine::general_purpose::STANDARD.encode(binary);
    let response = raw
        .post_form(
            &path,
            &[
                ("Action", "SendMessage"),
                ("MessageBody", body),
                ("MessageAttribute.1.Name", "color"),
                ("MessageAttribute.1.Value.DataType", "String"),
                ("MessageAttribute.1.Value.StringValue", "blue"),
                ("MessageAttribute.2.Name", "count"),
                ("MessageAttribute.2.Value.DataType", "Number"),
                ("MessageAttribute.2.Value.StringValue", "7"),
                ("MessageAttribute.3.Name", "raw"),
                ("MessageAttribute.3.Value.DataType", "Binary"),
                ("MessageAttribute.3.Value.BinaryValue", &binary_base64),
            ],
        )
        .await;
    let root = response.xml();
    let result = expect_success("SendMessage", &response, &root);
    let expected_attribute_digest = md5_of_message_attributes(&[
        ("color", "String", AttributeValue::String("blue".into())),
        ("count", "Number", AttributeValue::String("7".into())),
        ("raw", "Binary", AttributeValue::Binary(binary.to_vec())),
    ]);
    let message_id = result
        .text_at(&["MessageId"])
        .unwrap_or_default()
        .to_string();
    assert!(
        !message_id.is_empty(),
        "SendMessageResult/MessageId:\n{}",
        response.body
    );
    assert_eq!(
        result.text_at(&["MD5OfMessageBody"]),
        Some(md5_hex(body).as_str()),
        "SendMessageResult/MD5OfMessageBody"
    );
    assert_eq!(
        result.text_at(&["MD5OfMessageAttributes"]),
        expected_attribute_digest.as_deref(),
        "SendMessageResult/MD5OfMessageAttributes"
    );

    let response = raw
        .post_form(
            &path,
            &[
                ("Action", "ReceiveMessage"),
                ("AttributeName.1", "All"),
                ("MessageAttributeName.1", "All"),
                ("MaxNumberOfMessages", "1"),
                ("WaitTimeSeconds", "5"),
            ],
        )
        .await;
    let root = response.xml();
    let result = expect_success("ReceiveMessage", &response, &root);
    let messages: Vec<&Element> = result.children_named("Message").collect();
    assert_eq!(
        messages.len(),
        1,
        "one flattened <Message> element:\n{}",
        response.body
    );
    let message = messages[0];
    assert_eq!(
        message.text_at(&["MessageId"]),
        Some(message_id.as_str()),
        "Message/MessageId"
    );
    assert_eq!(
        message.text_at(&["Body"]),
        Some(body),
        "Message/Body is the XML-unescaped original"
    );
    assert_eq!(
        message.text_at(&["MD5OfBody"]),
        Some(md5_hex(body).as_str()),
        "Message/MD5OfBody"
    );
    let handle = message
        .text_at(&["ReceiptHandle"])
        .unwrap_or_default()
        .to_string();
    assert!(
        !handle.is_empty(),
        "Message/ReceiptHandle:\n{}",
        response.body
    );

    let system = message.pairs("Attribute", "Name", "Value");
    assert_eq!(
        system.get("ApproximateReceiveCount").map(String::as_str),
        Some("1"),
        "Attribute ApproximateReceiveCount"
    );
    assert!(
        system.contains_key("SentTimestamp"),
        "Attribute SentTimestamp is returned for All: {system:?}"
    );

    let user: HashMap<&str, &Element> = message
        .children_named("MessageAttribute")
        .map(|attribute| (attribute.text_at(&["Name"]).unwrap_or_default(), attribute))
        .collect();
    assert_eq!(
        user.len(),
        3,
        "three flattened <MessageAttribute> elements:\n{}",
        response.body
    );
    assert_eq!(
        user["color"].text_at(&["Value", "StringValue"]),
        Some("blue"),
        "MessageAttribute color StringValue"
    );
    assert_eq!(
        user["color"].text_at(&["Value", "DataType"]),
        Some("String"),
        "MessageAttribute color DataType"
    );
    assert_eq!(
        user["count"].text_at(&["Value", "StringValue"]),
        Some("7"),
        "MessageAttribute count StringValue"
    );
    assert_eq!(
        user["count"].text_at(&["Value", "DataType"]),
        Some("Number"),
        "MessageAttribute count DataType"
    );
    assert_eq!(
        user["raw"].text_at(&["Value", "BinaryValue"]),
        Some(binary_base64.as_str()),
        "MessageAttribute raw BinaryValue is base64"
    );
    assert_eq!(
        message.text_at(&["MD5OfMessageAttributes"]),
        expected_attribute_digest.as_deref(),
        "Message/MD5OfMessageAttributes"
    );

    let response = raw
        .post_form(
            &path,
            &[("Action", "DeleteMessage"), ("ReceiptHandle", &handle)],
        )
        .await;
    let root = response.xml();
    expect_success("DeleteMessage", &response, &root);
}

#[tokio::test]
async fn query_batch_entries() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);
    let response = raw
        .post_form(
            "/",
            &[("Action", "CreateQueue"), ("QueueName", "batch-queue")],
        )
        .await;
    assert_eq!(
        response.status, 200,
        "CreateQueue; body:\n{}",
        response.body
    );
    let url = node.queue_url("batch-queue");

    let response = raw
        .post_form(
            "/",
            &[
                ("Action", "SendMessageBatch"),
                ("QueueUrl", &url),
                ("SendMessageBatchRequestEntry.1.Id", "first"),
                ("SendMessageBatchRequestEntry.1.MessageBody", "one"),
                ("SendMessageBatchRequestEntry.2.Id", "second"),
                ("SendMessageBatchRequestEntry.2.MessageBody", "two"),
                (
                    "SendMessageBatchRequestEntry.2.MessageAttribute.1.Name",
                    "k",
                ),
                (
                    "SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType",
                    "String",
                ),
                (
                    "SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue",
                    "v",
                ),
            ],
        )
        .await;
    let root = response.xml();
    let result = expect_success("SendMessageBatch", &response, &root);
    let entries: HashMap<&str, &Element> = result
        .children_named("SendMessageBatchResultEntry")
        .map(|entry| (entry.text_at(&["Id"]).unwrap_or_default(), entry))
        .collect();
    assert_eq!(
        entries.len(),
        2,
        "two flattened <SendMessageBatchResultEntry> elements:\n{}",
        response.body
    );
    assert_eq!(
        entries["first"].text_at(&["MD5OfMessageBody"]),
        Some(md5_hex("one").as_str()),
        "entry first MD5OfMessageBody"
    );
    assert_eq!(
        entries["second"].text_at(&["MD5OfMessageBody"]),
        Some(md5_hex("two").as_str()),
        "entry second MD5OfMessageBody"
    );
    assert_eq!(
        entries["second"].text_at(&["MD5OfMessageAttributes"]),
        md5_of_message_attributes(&[("k", "String", AttributeValue::String("v".into()))])
            .as_deref(),
        "entry second MD5OfMessageAttributes"
    );
    for (id, entry) in &entries {
        assert!(
            !entry.text_at(&["MessageId"]).unwrap_or_default().is_empty(),
            "entry {id} has a MessageId"
        );
    }
    assert_eq!(
        result.children_named("BatchResultErrorEntry").count(),
        0,
        "no failed entries:\n{}",
        response.body
    );

    let mut handles: Vec<String> = Vec::new();
    for _ in 0..20 {
        if handles.len() >= 2 {
            break;
        }
        let response = raw
            .post_form(
                "/",
                &[
                    ("Action", "ReceiveMessage"),
                    ("QueueUrl", &url),
                    ("MaxNumberOfMessages", "10"),
                    ("WaitTimeSeconds", "1"),
                ],
            )
            .await;
        let root = response.xml();
        let result = expect_success("ReceiveMessage", &response, &root);
        for message in result.children_named("Message") {
            handles.push(
                message
                    .text_at(&["ReceiptHandle"])
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    assert_eq!(handles.len(), 2, "both batch messages are received");

    let response = raw
        .post_form(
            "/",
            &[
                ("Action", "DeleteMessageBatch"),
                ("QueueUrl", &url),
                ("DeleteMessageBatchRequestEntry.1.Id", "d1"),
                (
                    "DeleteMessageBatchRequestEntry.1.ReceiptHandle",
                    &handles[0],
                ),
                ("DeleteMessageBatchRequestEntry.2.Id", "d2"),
                (
                    "DeleteMessageBatchRequestEntry.2.ReceiptHandle",
                    &handles[1],
                ),
                ("DeleteMessageBatchRequestEntry.3.Id", "forged"),
                (
                    "DeleteMessageBatchRequestEntry.3.ReceiptHandle",
                    "not-a-receipt-handle",
                ),
            ],
        )
        .await;
    let root = response.xml();
    let result = expect_success("DeleteMessageBatch", &response, &root);
    let mut deleted: Vec<&str> = result
        .children_named("DeleteMessageBatchResultEntry")
        .filter_map(|entry| entry.text_at(&["Id"]))
        .collect();
    deleted.sort_unstable();
    assert_eq!(
        deleted,
        ["d1", "d2"],
        "flattened <DeleteMessageBatchResultEntry> ids"
    );
    let failed: Vec<&Element> = result.children_named("BatchResultErrorEntry").collect();
    assert_eq!(
        failed.len(),
        1,
        "one flattened <BatchResultErrorEntry>:\n{}",
        response.body
    );
    assert_eq!(
        failed[0].text_at(&["Id"]),
        Some("forged"),
        "BatchResultErrorEntry/Id"
    );
    assert_eq!(
        failed[0].text_at(&["Code"]),
        Some(codes::RECEIPT_HANDLE_IS_INVALID),
        "BatchResultErrorEntry/Code"
    );
    assert_eq!(
        failed[0].text_at(&["SenderFault"]),
        Some("true"),
        "BatchResultErrorEntry/SenderFault"
    );
}

#[tokio::test]
async fn query_tags_flattened() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);
    let response = raw
        .post_form(
            "/",
            &[
                ("Action", "CreateQueue"),
                ("QueueName", "tag-queue"),
                ("Tag.1.Key", "team"),
                ("Tag.1.Value", "core"),
            ],
        )
        .await;
    assert_eq!(
        response.status, 200,
        "CreateQueue with Tag.1; body:\n{}",
        response.body
    );
    let url = node.queue_url("tag-queue");

    let response = raw
        .post_form(
            "/",
            &[
                ("Action", "TagQueue"),
                ("QueueUrl", &url),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "ci"),
            ],
        )
        .await;
    let root = response.xml();
    expect_success("TagQueue", &response, &root);

    let response = raw
        .post_form("/", &[("Action", "ListQueueTags"), ("QueueUrl", &url)])
        .await;
    let root = response.xml();
    let result = expect_success("ListQueueTags", &response, &root);
    let tags = result.pairs("Tag", "Key", "Value");
    let expected = HashMap::from([
        ("team".to_string(), "core".to_string()),
        ("env".to_string(), "ci".to_string()),
    ]);
    assert_eq!(
        tags, expected,
        "flattened <Tag><Key/><Value/></Tag> elements"
    );

    let response = raw
        .post_form(
            "/",
            &[
                ("Action", "UntagQueue"),
                ("QueueUrl", &url),
                ("TagKey.1", "team"),
            ],
        )
        .await;
    let root = response.xml();
    expect_success("UntagQueue", &response, &root);
    let response = raw
        .post_form("/", &[("Action", "ListQueueTags"), ("QueueUrl", &url)])
        .await;
    let root = response.xml();
    let result = expect_success("ListQueueTags", &response, &root);
    let tags = result.pairs("Tag", "Key", "Value");
    assert_eq!(
        tags,
        HashMap::from([("env".to_string(), "ci".to_string())]),
        "tags after UntagQueue TagKey.1=team"
    );
}

#[tokio::test]
async fn query_error_response() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);

    let response = raw
        .post_form("/", &[("Action", "GetQueueUrl"), ("QueueName", "missing")])
        .await;
    assert_eq!(
        response.status, 400,
        "a missing queue is a client error; body:\n{}",
        response.body
    );
    let root = response.xml();
    assert_eq!(
        root.name, "ErrorResponse",
        "root element of an error:\n{}",
        response.body
    );
    assert_eq!(
        root.text_at(&["Error", "Type"]),
        Some("Sender"),
        "Error/Type of a missing queue"
    );
    assert_eq!(
        root.text_at(&["Error", "Code"]),
        Some(codes::NON_EXISTENT_QUEUE),
        "Error/Code of a missing queue"
    );
    let message = root.text_at(&["Error", "Message"]).unwrap_or_default();
    assert!(
        !message.is_empty(),
        "Error/Message explains the error:\n{}",
        response.body
    );
    let request_id = root.text_at(&["RequestId"]).unwrap_or_default();
    assert!(
        !request_id.is_empty(),
        "ErrorResponse/RequestId:\n{}",
        response.body
    );

    let response = raw.post_form("/", &[("Action", "NoSuchAction")]).await;
    assert_eq!(
        response.status, 400,
        "an unknown action is a client error; body:\n{}",
        response.body
    );
    let root = response.xml();
    assert_eq!(
        root.name, "ErrorResponse",
        "root element of an unknown-action error:\n{}",
        response.body
    );
    assert_eq!(
        root.text_at(&["Error", "Code"]),
        Some(codes::INVALID_ACTION),
        "Error/Code of an unknown action"
    );

    let response = raw.post_form("/", &[("Action", "CreateQueue")]).await;
    assert_eq!(
        response.status, 400,
        "CreateQueue without QueueName is a client error; body:\n{}",
        response.body
    );
    let root = response.xml();
    assert_eq!(
        root.text_at(&["Error", "Code"]),
        Some(codes::MISSING_PARAMETER),
        "Error/Code without QueueName"
    );
}

#[tokio::test]
async fn query_get_request() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);
    let response = raw
        .post_form(
            "/",
            &[("Action", "CreateQueue"), ("QueueName", "get-queue")],
        )
        .await;
    assert_eq!(
        response.status, 200,
        "CreateQueue; body:\n{}",
        response.body
    );

    let response = raw
        .get_query(
            "/",
            &[("Action", "ListQueues"), ("QueueNamePrefix", "get-")],
        )
        .await;
    let root = response.xml();
    let result = expect_success("ListQueues", &response, &root);
    let urls: Vec<&str> = result
        .children_named("QueueUrl")
        .map(|url| url.text.as_str())
        .collect();
    assert_eq!(
        urls,
        [node.queue_url("get-queue").as_str()],
        "flattened <QueueUrl> elements of a GET ListQueues"
    );

    let response = raw
        .get_query(
            &queue_path("get-queue"),
            &[("Action", "GetQueueAttributes"), ("AttributeName.1", "All")],
        )
        .await;
    let root = response.xml();
    let result = expect_success("GetQueueAttributes", &response, &root);
    let attributes = result.pairs("Attribute", "Name", "Value");
    assert_eq!(
        attributes.get("VisibilityTimeout").map(String::as_str),
        Some("30"),
        "GET on the queue URL path returns the queue's attributes: {attributes:?}"
    );
}

#[tokio::test]
async fn json_error_has_query_header() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);

    let response = raw
        .post_json(
            "GetQueueUrl",
            &serde_json::json!({ "QueueName": "missing" }),
        )
        .await;
    assert_eq!(
        response.status, 400,
        "a missing queue is a client error; body:\n{}",
        response.body
    );
    assert_eq!(
        response.header("x-amzn-query-error"),
        Some("AWS.SimpleQueueService.NonExistentQueue;Sender"),
        "x-amzn-query-error carries the Query code and fault"
    );
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/x-amz-json-1.0"),
        "JSON error content-type, got {content_type:?}"
    );

    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap_or_else(|err| {
        panic!(
            "the JSON error body does not parse ({err}):\n{}",
            response.body
        )
    });
    let error_type = body["__type"].as_str().unwrap_or_default();
    let shape = error_type.rsplit('#').next().unwrap_or_default();
    assert_eq!(
        shape, "QueueDoesNotExist",
        "__type names the QueueDoesNotExist shape, got {error_type:?}"
    );
    let message = body["message"]
        .as_str()
        .or_else(|| body["Message"].as_str())
        .unwrap_or_default();
    assert!(
        !message.is_empty(),
        "the JSON error carries a message:\n{}",
        response.body
    );
}

/// Returns the Error/Code of an error response, checking its shape.
fn error_code(action: &str, response: &RawResponse) -> String {
    assert!(response.status >= 400, "{action} must fail; body:\n{}", response.body);
    let root = response.xml();
    assert_eq!(root.name, "ErrorResponse", "root element of the {action} error:\n{}", response.body);
    root.text_at(&["Error", "Code"]).unwrap_or_default().to_string()
}

#[tokio::test]
async fn query_dead_letter_sources() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);
    let response = raw.post_form("/", &[("Action", "CreateQueue"), ("QueueName", "q-dlq")]).await;
    assert_eq!(response.status, 200, "CreateQueue q-dlq; body:\n{}", response.body);
    let policy = format!(r#"{{"deadLetterTargetArn":"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:q-dlq","maxReceiveCount":"2"}}"#);
    for name in ["q-b", "q-a"] {
        let params = [
            ("Action", "CreateQueue"),
            ("QueueName", name),
            ("Attribute.1.Name", "RedrivePolicy"),
            ("Attribute.1.Value", policy.as_str()),
        ];
        let response = raw.post_form("/", &params).await;
        assert_eq!(response.status, 200, "CreateQueue {name} with a RedrivePolicy; body:\n{}", response.body);
    }

    let dlq_url = node.queue_url("q-dlq");
    let response = raw.post_form("/", &[("Action", "ListDeadLetterSourceQueues"), ("QueueUrl", &dlq_url)]).await;
    let root = response.xml();
    let result = expect_success("ListDeadLetterSourceQueues", &response, &root);
    let urls: Vec<&str> = result.children_named("QueueUrl").map(|url| url.text.as_str()).collect();
    assert_eq!(urls, [node.queue_url("q-a"), node.queue_url("q-b")], "flattened <QueueUrl> elements, by name");

    let response = raw
        .post_form("/", &[("Action", "ListDeadLetterSourceQueues"), ("QueueUrl", &dlq_url), ("MaxResults", "1")])
        .await;
    let root = response.xml();
    let result = expect_success("ListDeadLetterSourceQueues", &response, &root);
    assert_eq!(result.children_named("QueueUrl").count(), 1, "MaxResults=1 returns one URL");
    assert!(result.text_at(&["NextToken"]).is_some_and(|token| !token.is_empty()), "a NextToken when more remain");

    let missing = raw.post_form("/", &[("Action", "ListDeadLetterSourceQueues"), ("QueueUrl", &node.queue_url("nope"))]).await;
    assert_eq!(error_code("ListDeadLetterSourceQueues", &missing), codes::NON_EXISTENT_QUEUE);
}

#[tokio::test]
async fn query_permissions() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);
    let response = raw.post_form("/", &[("Action", "CreateQueue"), ("QueueName", "shared")]).await;
    assert_eq!(response.status, 200, "CreateQueue shared; body:\n{}", response.body);
    let url = node.queue_url("shared");
    let add = [
        ("Action", "AddPermission"),
        ("QueueUrl", url.as_str()),
        ("Label", "partner"),
        ("AWSAccountId.1", "111122223333"),
        ("ActionName.1", "SendMessage"),
        ("ActionName.2", "GetQueueUrl"),
    ];
    let response = raw.post_form("/", &add).await;
    let root = response.xml();
    expect_success("AddPermission", &response, &root);
    assert!(root.child("AddPermissionResult").is_none(), "AddPermission has no result element");

    let duplicate = raw.post_form("/", &add).await;
    assert_eq!(error_code("AddPermission with a used label", &duplicate), codes::INVALID_PARAMETER_VALUE);

    let response = raw
        .post_form("/", &[("Action", "GetQueueAttributes"), ("QueueUrl", &url), ("AttributeName.1", "Policy")])
        .await;
    let root = response.xml();
    let result = expect_success("GetQueueAttributes", &response, &root);
    let attributes = result.pairs("Attribute", "Name", "Value");
    let policy: serde_json::Value = serde_json::from_str(&attributes["Policy"]).expect("Policy is JSON");
    assert_eq!(policy["Statement"][0]["Action"], serde_json::json!(["SQS:SendMessage", "SQS:GetQueueUrl"]));

    let response = raw.post_form("/", &[("Action", "RemovePermission"), ("QueueUrl", &url), ("Label", "partner")]).await;
    let root = response.xml();
    expect_success("RemovePermission", &response, &root);
    let missing_label = raw.post_form("/", &[("Action", "RemovePermission"), ("QueueUrl", &url)]).await;
    assert_eq!(error_code("RemovePermission without Label", &missing_label), codes::MISSING_PARAMETER);
}

#[tokio::test]
async fn query_message_move_tasks() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);
    let dlq_arn = format!("arn:aws:sqs:{REGION}:{ACCOUNT_ID}:mt-dlq");
    let response = raw.post_form("/", &[("Action", "CreateQueue"), ("QueueName", "mt-dlq")]).await;
    assert_eq!(response.status, 200, "CreateQueue mt-dlq; body:\n{}", response.body);

    let not_dlq = raw.post_form("/", &[("Action", "StartMessageMoveTask"), ("SourceArn", dlq_arn.as_str())]).await;
    assert_eq!(error_code("StartMessageMoveTask on a queue that is no dead-letter queue", &not_dlq), codes::INVALID_PARAMETER_VALUE);

    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"1"}}"#);
    let params = [
        ("Action", "CreateQueue"),
        ("QueueName", "mt-source"),
        ("Attribute.1.Name", "RedrivePolicy"),
        ("Attribute.1.Value", policy.as_str()),
    ];
    let response = raw.post_form("/", &params).await;
    assert_eq!(response.status, 200, "CreateQueue mt-source; body:\n{}", response.body);

    let response = raw
        .post_form("/", &[("Action", "StartMessageMoveTask"), ("SourceArn", dlq_arn.as_str()), ("MaxNumberOfMessagesPerSecond", "10")])
        .await;
    let root = response.xml();
    let result = expect_success("StartMessageMoveTask", &response, &root);
    assert!(result.text_at(&["TaskHandle"]).is_some_and(|handle| !handle.is_empty()), "a TaskHandle element");

    let response = raw.post_form("/", &[("Action", "ListMessageMoveTasks"), ("SourceArn", dlq_arn.as_str())]).await;
    let root = response.xml();
    let result = expect_success("ListMessageMoveTasks", &response, &root);
    let entry = result.child("ListMessageMoveTasksResultEntry").expect("one flattened result entry");
    assert_eq!(entry.text_at(&["SourceArn"]), Some(dlq_arn.as_str()));
    assert!(entry.text_at(&["Status"]).is_some(), "every entry has a Status");
    assert!(entry.text_at(&["StartedTimestamp"]).is_some(), "every entry has a StartedTimestamp");

    let unknown = raw.post_form("/", &[("Action", "CancelMessageMoveTask"), ("TaskHandle", "unknown")]).await;
    assert_eq!(error_code("CancelMessageMoveTask of an unknown handle", &unknown), codes::RESOURCE_NOT_FOUND);
}

#[tokio::test]
async fn query_queue_changes_and_visibility() {
    let node = Node::start().await;
    let raw = RawClient::new(&node);
    let response = raw.post_form("/", &[("Action", "CreateQueue"), ("QueueName", "changes")]).await;
    assert_eq!(response.status, 200, "CreateQueue changes; body:\n{}", response.body);
    let path = queue_path("changes");

    // SetQueueAttributes posted to the queue's path, without QueueUrl.
    let set = [("Action", "SetQueueAttributes"), ("Attribute.1.Name", "VisibilityTimeout"), ("Attribute.1.Value", "45")];
    let response = raw.post_form(&path, &set).await;
    let root = response.xml();
    expect_success("SetQueueAttributes", &response, &root);
    let response = raw.post_form(&path, &[("Action", "GetQueueAttributes"), ("AttributeName.1", "VisibilityTimeout")]).await;
    let root = response.xml();
    let result = expect_success("GetQueueAttributes", &response, &root);
    assert_eq!(result.pairs("Attribute", "Name", "Value").get("VisibilityTimeout").map(String::as_str), Some("45"));
    let bad = [("Action", "SetQueueAttributes"), ("Attribute.1.Name", "VisibilityTimeout"), ("Attribute.1.Value", "99999")];
    let response = raw.post_form(&path, &bad).await;
    assert_eq!(error_code("SetQueueAttributes out of range", &response), codes::INVALID_ATTRIBUTE_VALUE);

    // ChangeMessageVisibility and its batch form.
    for body in ["one", "two"] {
        let response = raw.post_form(&path, &[("Action", "SendMessage"), ("MessageBody", body)]).await;
        assert_eq!(response.status, 200, "SendMessage {body}; body:\n{}", response.body);
    }
    let response = raw.post_form(&path, &[("Action", "ReceiveMessage"), ("MaxNumberOfMessages", "10")]).await;
    let root = response.xml();
    let result = expect_success("ReceiveMessage", &response, &root);
    let handles: Vec<String> =
        result.children_named("Message").filter_map(|message| message.text_at(&["ReceiptHandle"])).map(str::to_string).collect();
    assert_eq!(handles.len(), 2, "both messages received:\n{}", response.body);
    let change = [("Action", "ChangeMessageVisibility"), ("ReceiptHandle", handles[0].as_str()), ("VisibilityTimeout", "60")];
    let response = raw.post_form(&path, &change).await;
    let root = response.xml();
    expect_success("ChangeMessageVisibility", &response, &root);
    let invalid = [("Action", "ChangeMessageVisibility"), ("ReceiptHandle", "garbage"), ("VisibilityTimeout", "60")];
    let response = raw.post_form(&path, &invalid).await;
    assert_eq!(error_code("ChangeMessageVisibility with a bad handle", &response), codes::RECEIPT_HANDLE_IS_INVALID);
    let batch = [
        ("Action", "ChangeMessageVisibilityBatch"),
        ("ChangeMessageVisibilityBatchRequestEntry.1.Id", "first"),
        ("ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle", handles[0].as_str()),
        ("ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout", "0"),
        ("ChangeMessageVisibilityBatchRequestEntry.2.Id", "bad"),
        ("ChangeMessageVisibilityBatchRequestEntry.2.ReceiptHandle", "garbage"),
        ("ChangeMessageVisibilityBatchRequestEntry.2.VisibilityTimeout", "0"),
    ];
    let response = raw.post_form(&path, &batch).await;
    let root = response.xml();
    let result = expect_success("ChangeMessageVisibilityBatch", &response, &root);
    assert_eq!(result.text_at(&["ChangeMessageVisibilityBatchResultEntry", "Id"]), Some("first"));
    assert_eq!(result.text_at(&["BatchResultErrorEntry", "Id"]), Some("bad"));
    assert_eq!(result.text_at(&["BatchResultErrorEntry", "Code"]), Some("ReceiptHandleIsInvalid"));

    // PurgeQueue, then its 60-second rule.
    let response = raw.post_form(&path, &[("Action", "PurgeQueue")]).await;
    let root = response.xml();
    expect_success("PurgeQueue", &response, &root);
    let response = raw.post_form(&path, &[("Action", "PurgeQueue")]).await;
    assert_eq!(error_code("a second PurgeQueue within 60 s", &response), codes::PURGE_QUEUE_IN_PROGRESS);

    // DeleteQueue, then the queue is gone.
    let response = raw.post_form(&path, &[("Action", "DeleteQueue")]).await;
    let root = response.xml();
    expect_success("DeleteQueue", &response, &root);
    let response = raw.post_form(&path, &[("Action", "DeleteQueue")]).await;
    assert_eq!(error_code("DeleteQueue of a deleted queue", &response), codes::NON_EXISTENT_QUEUE);
}

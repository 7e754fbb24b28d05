use super::*;
use crate::error::ErrorCode;

fn attributes(pairs: &[(&str, &str)]) -> AttributeMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn queue_names() {
    let long_standard = "a".repeat(80);
    let too_long_standard = "a".repeat(81);
    let long_fifo = format!("{}.fifo", "a".repeat(75));
    let too_long_fifo = format!("{}.fifo", "a".repeat(76));
    let cases: Vec<(&str, bool, bool)> = vec![
        ("orders", false, true),
        ("Orders-2_b", false, true),
        (&long_standard, false, true),
        (&too_long_standard, false, false),
        ("", false, false),
        ("has space", false, false),
        ("dot.name", false, false),
        ("orders.fifo", false, false),
        ("ünicode", false, false),
        ("orders.fifo", true, true),
        (&long_fifo, true, true),
        (&too_long_fifo, true, false),
        ("orders", true, false),
        (".fifo", true, false),
        ("a.b.fifo", true, false),
        ("orders.FIFO", true, false),
    ];
    for (name, fifo, valid) in cases {
        let result = validate_queue_name(name, fifo);
        assert_eq!(result.is_ok(), valid, "{name:?} fifo={fifo}");
        if let Err(error) = result {
            assert_eq!(error.code, ErrorCode::InvalidParameterValue);
        }
    }
}

#[test]
fn queue_name_messages_match_aws() {
    let standard = validate_queue_name("bad name", false).unwrap_err();
    assert_eq!(
        standard.message,
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
    );
    let fifo = validate_queue_name("bad", true).unwrap_err();
    assert!(
        fifo.message
            .starts_with("The name of a FIFO queue can only include"),
        "{}",
        fifo.message
    );
}

#[test]
fn attribute_value_ranges() {
    // (name, lowest valid, highest valid)
    let ranges = [
        ("DelaySeconds", 0, 900),
        ("MaximumMessageSize", 1_024, 1_048_576),
        ("MessageRetentionPeriod", 60, 1_209_600),
        ("ReceiveMessageWaitTimeSeconds", 0, 20),
        ("VisibilityTimeout", 0, 43_200),
        ("KmsDataKeyReusePeriodSeconds", 60, 86_400),
    ];
    for (name, low, high) in ranges {
        for valid in [low, high] {
            let attrs = attributes(&[(name, &valid.to_string())]);
            assert!(
                validate_queue_attributes(&attrs, false, true).is_ok(),
                "{name}={valid}"
            );
        }
        for invalid in [
            (low - 1).to_string(),
            (high + 1).to_string(),
            "abc".into(),
            "".into(),
            "1.5".into(),
        ] {
            let error = validate_queue_attributes(&attributes(&[(name, &invalid)]), false, true)
                .unwrap_err();
            assert_eq!(
                error.code,
                ErrorCode::InvalidAttributeValue,
                "{name}={invalid}"
            );
            assert_eq!(
                error.message,
                format!("Invalid value for the parameter {name}.")
            );
        }
    }
}

#[test]
fn unknown_and_read_only_attribute_names() {
    for name in [
        "Bogus",
        "QueueArn",
        "ApproximateNumberOfMessages",
        "CreatedTimestamp",
        "visibilitytimeout",
    ] {
        let error =
            validate_queue_attributes(&attributes(&[(name, "1")]), false, true).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidAttributeName, "{name}");
        assert_eq!(error.message, format!("Unknown Attribute {name}."));
    }
}

#[test]
fn fifo_attributes_need_fifo_queue() {
    let fifo_only = [
        ("ContentBasedDeduplication", "true"),
        ("DeduplicationScope", "messageGroup"),
        ("FifoThroughputLimit", "perMessageGroupId"),
    ];
    for (name, value) in fifo_only {
        let attrs = attributes(&[(name, value)]);
        assert!(
            validate_queue_attributes(&attrs, true, true).is_ok(),
            "{name} on FIFO"
        );
        assert!(
            validate_queue_attributes(&attrs, true, false).is_ok(),
            "{name} set on FIFO"
        );
        let error = validate_queue_attributes(&attrs, false, true).unwrap_err();
        assert_eq!(
            error.code,
            ErrorCode::InvalidAttributeName,
            "{name} on standard"
        );
    }
}

#[test]
fn fifo_attribute_enums() {
    let cases = [
        ("ContentBasedDeduplication", "false", true),
        ("ContentBasedDeduplication", "yes", false),
        ("ContentBasedDeduplication", "True", false),
        ("DeduplicationScope", "queue", true),
        ("DeduplicationScope", "group", false),
        ("FifoThroughputLimit", "perQueue", true),
        ("FifoThroughputLimit", "unlimited", false),
        ("SqsManagedSseEnabled", "false", true),
        ("SqsManagedSseEnabled", "1", false),
    ];
    for (name, value, valid) in cases {
        let result = validate_queue_attributes(&attributes(&[(name, value)]), true, true);
        assert_eq!(result.is_ok(), valid, "{name}={value}");
        if let Err(error) = result {
            assert_eq!(error.code, ErrorCode::InvalidAttributeValue);
        }
    }
}

#[test]
fn fifo_queue_attribute_only_at_creation() {
    assert!(validate_queue_attributes(&attributes(&[("FifoQueue", "true")]), true, true).is_ok());
    assert!(validate_queue_attributes(&attributes(&[("FifoQueue", "false")]), false, true).is_ok());
    let mismatch =
        validate_queue_attributes(&attributes(&[("FifoQueue", "true")]), false, true).unwrap_err();
    assert_eq!(mismatch.code, ErrorCode::InvalidAttributeValue);
    let garbage =
        validate_queue_attributes(&attributes(&[("FifoQueue", "maybe")]), true, true).unwrap_err();
    assert_eq!(garbage.code, ErrorCode::InvalidAttributeValue);
    let on_set =
        validate_queue_attributes(&attributes(&[("FifoQueue", "true")]), true, false).unwrap_err();
    assert_eq!(on_set.code, ErrorCode::InvalidAttributeName);
}

#[test]
fn policies_must_be_json_objects() {
    let arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
    let redrive_ok = format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":5}}"#);
    let redrive_string_count =
        format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":"10"}}"#);
    let redrive_zero = format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":0}}"#);
    let redrive_big = format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":1001}}"#);
    let cases: Vec<(&str, &str, bool)> = vec![
        ("Policy", r#"{"Version":"2012-10-17","Statement":[]}"#, true),
        ("Policy", "", true),
        ("Policy", "not json", false),
        ("Policy", "[1]", false),
        ("RedrivePolicy", &redrive_ok, true),
        ("RedrivePolicy", &redrive_string_count, true),
        ("RedrivePolicy", "", true),
        ("RedrivePolicy", &redrive_zero, false),
        ("RedrivePolicy", &redrive_big, false),
        ("RedrivePolicy", r#"{"maxReceiveCount":5}"#, false),
        ("RedrivePolicy", "{", false),
        (
            "RedriveAllowPolicy",
            r#"{"redrivePermission":"allowAll"}"#,
            true,
        ),
        (
            "RedriveAllowPolicy",
            r#"{"redrivePermission":"denyAll"}"#,
            true,
        ),
        (
            "RedriveAllowPolicy",
            r#"{"redrivePermission":"byQueue","sourceQueueArns":["arn:a"]}"#,
            true,
        ),
        (
            "RedriveAllowPolicy",
            r#"{"redrivePermission":"byQueue"}"#,
            false,
        ),
        (
            "RedriveAllowPolicy",
            r#"{"redrivePermission":"byQueue","sourceQueueArns":[]}"#,
            false,
        ),
        (
            "RedriveAllowPolicy",
            r#"{"redrivePermission":"allowAll","sourceQueueArns":["arn:a"]}"#,
            false,
        ),
        (
            "RedriveAllowPolicy",
            r#"{"redrivePermission":"everyone"}"#,
            false,
        ),
    ];
    for (name, value, valid) in cases {
        let result = validate_queue_attributes(&attributes(&[(name, value)]), false, false);
        assert_eq!(result.is_ok(), valid, "{name}={value}");
        if let Err(error) = result {
            assert_eq!(
                error.code,
                ErrorCode::InvalidAttributeValue,
                "{name}={value}"
            );
            assert!(error
                .message
                .starts_with(&format!("Invalid value for the parameter {name}.")));
        }
    }
    let eleven: Vec<String> = (0..11).map(|i| format!("\"arn:{i}\"")).collect();
    let too_many = format!(
        r#"{{"redrivePermission":"byQueue","sourceQueueArns":[{}]}}"#,
        eleven.join(",")
    );
    assert!(validate_queue_attributes(
        &attributes(&[("RedriveAllowPolicy", &too_many)]),
        false,
        false
    )
    .is_err());
}

#[test]
fn kms_key_accepts_any_string() {
    let attrs = attributes(&[("KmsMasterKeyId", "alias/aws/sqs")]);
    assert!(validate_queue_attributes(&attrs, false, true).is_ok());
}

#[test]
fn defaults_are_valid_and_complete() {
    let standard = default_queue_attributes(false);
    assert_eq!(standard["VisibilityTimeout"], "30");
    assert_eq!(standard["MaximumMessageSize"], "1048576");
    assert_eq!(standard["MessageRetentionPeriod"], "345600");
    assert_eq!(standard["DelaySeconds"], "0");
    assert_eq!(standard["ReceiveMessageWaitTimeSeconds"], "0");
    assert_eq!(standard["SqsManagedSseEnabled"], "true");
    assert!(!standard.contains_key("FifoQueue"));
    assert!(validate_queue_attributes(&standard, false, true).is_ok());

    let fifo = default_queue_attributes(true);
    assert_eq!(fifo["FifoQueue"], "true");
    assert_eq!(fifo["ContentBasedDeduplication"], "false");
    assert_eq!(fifo["DeduplicationScope"], "queue");
    assert_eq!(fifo["FifoThroughputLimit"], "perQueue");
    assert!(validate_queue_attributes(&fifo, true, true).is_ok());
}

#[test]
fn get_queue_attribute_names() {
    let valid: Vec<String> = [
        "All",
        "QueueArn",
        "ApproximateNumberOfMessages",
        "FifoQueue",
        "Policy",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert!(validate_attribute_names(&valid).is_ok());
    let error = validate_attribute_names(&["All".into(), "Nope".into()]).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidAttributeName);
    assert_eq!(error.message, "Unknown Attribute Nope.");
}

#[test]
fn tags() {
    let ok = TagMap::from([
        ("team".into(), "a".into()),
        ("k".repeat(128), "v".repeat(256)),
        ("empty".into(), String::new()),
    ]);
    assert!(validate_tags(&ok).is_ok());
    let cases = [
        TagMap::from([(String::new(), "v".into())]),
        TagMap::from([("k".repeat(129), "v".into())]),
        TagMap::from([("k".into(), "v".repeat(257))]),
        TagMap::from([("aws:created".into(), "v".into())]),
    ];
    for tags in cases {
        let error = validate_tags(&tags).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidParameterValue, "{tags:?}");
    }
    assert!(validate_tag_keys(&["a".into()]).is_ok());
    assert!(validate_tag_keys(&[String::new()]).is_err());
}

#[test]
fn list_queues_max_results() {
    for valid in [None, Some(1), Some(1_000)] {
        assert!(validate_list_queues(valid).is_ok(), "{valid:?}");
    }
    for invalid in [0, -1, 1_001] {
        let error = validate_list_queues(Some(invalid)).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidParameterValue, "{invalid}");
        assert_eq!(
            error.message,
            format!("Value {invalid} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.")
        );
    }
}

use super::*;
use crate::error::ErrorCode;

const MAX: usize = 1_048_576;

fn entry(body: &str) -> SendEntry {
    SendEntry {
        message_body: body.into(),
        ..SendEntry::default()
    }
}

fn string_attr(data_type: &str, value: &str) -> MessageAttributeValue {
    MessageAttributeValue {
        data_type: data_type.into(),
        string_value: Some(value.into()),
        binary_value: None,
    }
}

fn binary_attr(value: &[u8]) -> MessageAttributeValue {
    MessageAttributeValue {
        data_type: "Binary".into(),
        string_value: None,
        binary_value: Some(value.to_vec()),
    }
}

fn with_attribute(name: &str, value: MessageAttributeValue) -> SendEntry {
    SendEntry {
        message_attributes: MessageAttributes::from([(name.to_string(), value)]),
        ..entry("body")
    }
}

fn standard(entry: &SendEntry) -> Result<(), SqsError> {
    validate_send_entry(entry, MAX, false, false)
}

fn assert_code(result: Result<(), SqsError>, code: ErrorCode, case: &str) {
    match result {
        Ok(()) => panic!("{case}: accepted, expected {code:?}"),
        Err(error) => assert_eq!(error.code, code, "{case}: {}", error.message),
    }
}

#[test]
fn body_must_not_be_empty() {
    let error = standard(&entry("")).unwrap_err();
    assert_eq!(error.code, ErrorCode::MissingParameter);
    assert_eq!(
        error.message,
        "The request must contain the parameter MessageBody."
    );
}

#[test]
fn body_characters() {
    for body in [
        "plain",
        "tab\tnewline\ncr\r",
        "\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}",
        "<xml>&</xml>",
    ] {
        assert!(standard(&entry(body)).is_ok(), "{body:?}");
    }
    for body in [
        "\u{0}", "a\u{1}b", "\u{8}", "\u{B}", "\u{1F}", "\u{FFFE}", "\u{FFFF}",
    ] {
        assert_code(
            standard(&entry(body)),
            ErrorCode::InvalidMessageContents,
            &format!("{body:?}"),
        );
    }
    let error = standard(&entry("a\u{1}")).unwrap_err();
    assert!(
        error
            .message
            .starts_with("Invalid binary character '#x1' was found in the message body"),
        "{}",
        error.message
    );
}

#[test]
fn size_counts_body_and_attributes() {
    let body = "x".repeat(1_000);
    let sized = with_attribute("name", string_attr("String", "value"));
    let sized = SendEntry {
        message_body: body.clone(),
        ..sized
    };
    assert_eq!(message_size(&sized), 1_000 + 4 + 6 + 5);
    let binary = SendEntry {
        message_body: body,
        ..with_attribute("b", binary_attr(&[1, 2, 3]))
    };
    assert_eq!(message_size(&binary), 1_000 + 1 + 6 + 3);
    let traced = SendEntry {
        message_system_attributes: MessageAttributes::from([(
            "AWSTraceHeader".into(),
            string_attr("String", "Root=1"),
        )]),
        ..entry("abc")
    };
    assert_eq!(message_size(&traced), 3, "system attributes do not count");
    assert_eq!(message_size(&entry("é")), 2, "size is in UTF-8 bytes");
}

#[test]
fn size_limit_is_inclusive() {
    let exact = entry(&"x".repeat(MAX));
    assert!(standard(&exact).is_ok());
    let over = entry(&"x".repeat(MAX + 1));
    let error = standard(&over).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidParameterValue);
    assert_eq!(
        error.message,
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."
    );

    let small_queue =
        validate_send_entry(&entry(&"x".repeat(1_025)), 1_024, false, false).unwrap_err();
    assert_eq!(
        small_queue.message,
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."
    );
    let attrs_push_over = SendEntry {
        message_body: "x".repeat(1_020),
        ..with_attribute("ab", string_attr("String", "c"))
    };
    assert!(validate_send_entry(&attrs_push_over, 1_024, false, false).is_err());
}

#[test]
fn attribute_count() {
    let ten: MessageAttributes = (0..10)
        .map(|i| (format!("a{i}"), string_attr("String", "v")))
        .collect();
    assert!(standard(&SendEntry {
        message_attributes: ten,
        ..entry("b")
    })
    .is_ok());
    let eleven: MessageAttributes = (0..11)
        .map(|i| (format!("a{i}"), string_attr("String", "v")))
        .collect();
    let error = standard(&SendEntry {
        message_attributes: eleven,
        ..entry("b")
    })
    .unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidParameterValue);
    assert_eq!(
        error.message,
        "Number of message attributes [11] exceeds the allowed maximum [10]."
    );
}

#[test]
fn attribute_names() {
    let max_name = "n".repeat(256);
    let too_long = "n".repeat(257);
    let valid = [
        "a",
        "A-b_c.d",
        "x1.y2",
        max_name.as_str(),
        "AWSish",
        "Amazonia",
    ];
    for name in valid {
        assert!(
            standard(&with_attribute(name, string_attr("String", "v"))).is_ok(),
            "{name}"
        );
    }
    let invalid = [
        "",
        ".lead",
        "trail.",
        "dou..ble",
        "sp ace",
        "ümlaut",
        "a/b",
        too_long.as_str(),
        "AWS.x",
        "aws.x",
        "Amazon.x",
        "AMAZON.x",
    ];
    for name in invalid {
        assert_code(
            standard(&with_attribute(name, string_attr("String", "v"))),
            ErrorCode::InvalidParameterValue,
            name,
        );
    }
}

#[test]
fn attribute_data_types() {
    let valid = [
        string_attr("String", "v"),
        string_attr("String.json", "{}"),
        string_attr("Number", "1"),
        string_attr("Number.float", "1.5"),
        binary_attr(b"\x00\xff"),
        MessageAttributeValue {
            data_type: "Binary.gif".into(),
            string_value: None,
            binary_value: Some(vec![1]),
        },
    ];
    for value in valid {
        assert!(
            standard(&with_attribute("a", value.clone())).is_ok(),
            "{value:?}"
        );
    }
    let invalid_types = ["string", "Str", "Stringy", "Numbers", "Boolean", "binary"];
    for data_type in invalid_types {
        let result = standard(&with_attribute("a", string_attr(data_type, "v")));
        let error = result.unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidParameterValue, "{data_type}");
        assert_eq!(
            error.message,
            "The type of message (user) attribute 'a' is invalid. You must use only the following supported type \
             prefixes: Binary, Number, String."
        );
    }
    let no_type = standard(&with_attribute("a", string_attr("", "v"))).unwrap_err();
    assert_eq!(
        no_type.message,
        "The message attribute 'a' must contain non-empty message attribute type."
    );
}

#[test]
fn attribute_values_must_match_type() {
    let missing = [
        MessageAttributeValue {
            data_type: "String".into(),
            string_value: None,
            binary_value: None,
        },
        string_attr("String", ""),
        MessageAttributeValue {
            data_type: "String".into(),
            string_value: None,
            binary_value: Some(vec![1]),
        },
        MessageAttributeValue {
            data_type: "Binary".into(),
            string_value: Some("AQ==".into()),
            binary_value: None,
        },
        binary_attr(b""),
        MessageAttributeValue {
            data_type: "Number".into(),
            string_value: None,
            binary_value: None,
        },
    ];
    for value in missing {
        let error = standard(&with_attribute("testname", value.clone())).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidParameterValue, "{value:?}");
        assert!(error.message.starts_with(
            "The message attribute 'testname' must contain non-empty message attribute value"
        ));
    }
    let binary = standard(&with_attribute("testname", binary_attr(b""))).unwrap_err();
    assert_eq!(
        binary.message,
        "The message attribute 'testname' must contain non-empty message attribute value for message attribute type 'Binary'."
    );
    let control = standard(&with_attribute("a", string_attr("String", "x\u{0}")));
    assert_code(
        control,
        ErrorCode::InvalidMessageContents,
        "control character in value",
    );
}

#[test]
fn number_values() {
    for number in [
        "0",
        "-1",
        "+2",
        "3.14",
        ".5",
        "5.",
        "6.02e23",
        "1E-5",
        "123456789012345678901234567890",
    ] {
        assert!(
            standard(&with_attribute("n", string_attr("Number", number))).is_ok(),
            "{number}"
        );
    }
    for text in [
        "abc", "1,5", "e5", "1e", "--1", "1.2.3", ".", "NaN", "inf", " 1",
    ] {
        let error = standard(&with_attribute("n", string_attr("Number", text))).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidParameterValue, "{text}");
        assert_eq!(
            error.message,
            "Can't cast the value of message (user) attribute 'n' to a number."
        );
    }
}

#[test]
fn system_attributes() {
    let trace = |name: &str, value: MessageAttributeValue| SendEntry {
        message_system_attributes: MessageAttributes::from([(name.to_string(), value)]),
        ..entry("b")
    };
    assert!(standard(&trace(
        "AWSTraceHeader",
        string_attr("String", "Root=1-5759e988;Sampled=1")
    ))
    .is_ok());
    let bad = [
        trace("SenderId", string_attr("String", "x")),
        trace("AWSTraceHeader", string_attr("Number", "1")),
        trace("AWSTraceHeader", string_attr("String", "")),
        trace("AWSTraceHeader", binary_attr(b"x")),
    ];
    for entry in bad {
        assert_code(
            standard(&entry),
            ErrorCode::InvalidParameterValue,
            &format!("{:?}", entry.message_system_attributes),
        );
    }
}

#[test]
fn delay_seconds() {
    for delay in [0, 900] {
        assert!(
            standard(&SendEntry {
                delay_seconds: Some(delay),
                ..entry("b")
            })
            .is_ok(),
            "{delay}"
        );
    }
    for delay in [-1, 901] {
        let error = standard(&SendEntry {
            delay_seconds: Some(delay),
            ..entry("b")
        })
        .unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidParameterValue);
        assert_eq!(
            error.message,
            format!("Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.")
        );
    }
    let fifo_entry = SendEntry {
        delay_seconds: Some(5),
        message_group_id: Some("g".into()),
        message_deduplication_id: Some("d".into()),
        ..entry("b")
    };
    let error = validate_send_entry(&fifo_entry, MAX, true, false).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidParameterValue);
    assert_eq!(
        error.message,
        "Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."
    );
}

#[test]
fn fifo_group_and_deduplication_ids() {
    let full = SendEntry {
        message_group_id: Some("g".into()),
        message_deduplication_id: Some("d".into()),
        ..entry("b")
    };
    assert!(validate_send_entry(&full, MAX, true, false).is_ok());

    let no_group = SendEntry {
        message_group_id: None,
        ..full.clone()
    };
    let error = validate_send_entry(&no_group, MAX, true, true).unwrap_err();
    assert_eq!(error.code, ErrorCode::MissingParameter);
    assert_eq!(
        error.message,
        "The request must contain the parameter MessageGroupId."
    );

    let no_dedup = SendEntry {
        message_deduplication_id: None,
        ..full.clone()
    };
    assert!(
        validate_send_entry(&no_dedup, MAX, true, true).is_ok(),
        "content-based deduplication"
    );
    let error = validate_send_entry(&no_dedup, MAX, true, false).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidParameterValue);
    assert!(error
        .message
        .starts_with("The queue should either have ContentBasedDeduplication enabled"));

    let group_on_standard = SendEntry {
        message_group_id: Some("tenant-1".into()),
        ..entry("b")
    };
    assert!(
        standard(&group_on_standard).is_ok(),
        "fair queues accept MessageGroupId"
    );
    let dedup_on_standard = SendEntry {
        message_deduplication_id: Some("d".into()),
        ..entry("b")
    };
    assert_code(
        standard(&dedup_on_standard),
        ErrorCode::InvalidParameterValue,
        "dedup id on standard queue",
    );
}

#[test]
fn fifo_id_characters_and_length() {
    let max_id = "d".repeat(128);
    let too_long = "d".repeat(129);
    let punctuation = r##"!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##;
    for (id, valid) in [
        (max_id.as_str(), true),
        (punctuation, true),
        ("aZ09", true),
        (too_long.as_str(), false),
        ("", false),
        ("has space", false),
        ("ünicode", false),
    ] {
        let group = SendEntry {
            message_group_id: Some(id.into()),
            message_deduplication_id: Some("d".into()),
            ..entry("b")
        };
        assert_eq!(
            validate_send_entry(&group, MAX, true, false).is_ok(),
            valid,
            "group {id:?}"
        );
        let dedup = SendEntry {
            message_group_id: Some("g".into()),
            message_deduplication_id: Some(id.into()),
            ..entry("b")
        };
        assert_eq!(
            validate_send_entry(&dedup, MAX, true, false).is_ok(),
            valid,
            "dedup {id:?}"
        );
    }
}

#[test]
fn select_attributes() {
    let attrs: MessageAttributes = ["color", "foo.a", "foo.b", "foobar", "size"]
        .iter()
        .map(|name| (name.to_string(), string_attr("String", name)))
        .collect();
    let names = |selected: &MessageAttributes| selected.keys().cloned().collect::<Vec<_>>();
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["All"],
            vec!["color", "foo.a", "foo.b", "foobar", "size"],
        ),
        (
            vec![".*"],
            vec!["color", "foo.a", "foo.b", "foobar", "size"],
        ),
        (vec!["foo.*"], vec!["foo.a", "foo.b"]),
        (vec!["color", "size"], vec!["color", "size"]),
        (vec!["color", "foo.*"], vec!["color", "foo.a", "foo.b"]),
        (vec!["missing"], vec![]),
        (vec!["foo*"], vec![]),
        (vec![], vec![]),
    ];
    for (selectors, expected) in cases {
        let selectors: Vec<String> = selectors.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            names(&select_message_attributes(&attrs, &selectors)),
            expected,
            "{selectors:?}"
        );
    }
    let selected = select_message_attributes(&attrs, &["color".into()]);
    assert_eq!(selected["color"], attrs["color"]);
}

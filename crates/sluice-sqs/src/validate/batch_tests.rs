use super::*;
use crate::error::ErrorCode;

#[test]
fn batch_id_counts() {
    let empty = validate_batch_ids(&[]).unwrap_err();
    assert_eq!(empty.code, ErrorCode::EmptyBatchRequest);

    let ten: Vec<String> = (0..10).map(|i| format!("id{i}")).collect();
    let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
    assert!(validate_batch_ids(&ten).is_ok());

    let eleven: Vec<String> = (0..11).map(|i| format!("id{i}")).collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
    let error = validate_batch_ids(&eleven).unwrap_err();
    assert_eq!(error.code, ErrorCode::TooManyEntriesInBatchRequest);
    assert_eq!(
        error.message,
        "Maximum number of entries per request are 10. You have sent 11."
    );
}

#[test]
fn batch_ids_must_be_distinct() {
    let error = validate_batch_ids(&["a", "b", "a"]).unwrap_err();
    assert_eq!(error.code, ErrorCode::BatchEntryIdsNotDistinct);
    assert_eq!(error.message, "Id a repeated.");
    assert!(
        validate_batch_ids(&["a", "A"]).is_ok(),
        "ids are case-sensitive"
    );
}

#[test]
fn batch_id_characters() {
    let max = "i".repeat(80);
    let too_long = "i".repeat(81);
    for (id, valid) in [
        ("a", true),
        ("msg_1-A", true),
        (max.as_str(), true),
        (too_long.as_str(), false),
        ("", false),
        ("a.b", false),
        ("a b", false),
        ("ü", false),
    ] {
        let result = validate_batch_ids(&[id]);
        assert_eq!(result.is_ok(), valid, "{id:?}");
        if let Err(error) = result {
            assert_eq!(error.code, ErrorCode::InvalidBatchEntryId, "{id:?}");
        }
    }
}

#[test]
fn batch_total_size() {
    let entry = |size: usize| SendEntry {
        message_body: "x".repeat(size),
        ..SendEntry::default()
    };
    let exact = vec![
        entry(BATCH_SIZE_BYTES_MAX / 2),
        entry(BATCH_SIZE_BYTES_MAX / 2),
    ];
    assert!(validate_batch_size(&exact).is_ok());
    let over = vec![
        entry(BATCH_SIZE_BYTES_MAX / 2),
        entry(BATCH_SIZE_BYTES_MAX / 2 + 1),
    ];
    let error = validate_batch_size(&over).unwrap_err();
    assert_eq!(error.code, ErrorCode::BatchRequestTooLong);
    assert_eq!(
        error.message,
        "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes."
    );
}

#[test]
fn receive_parameters() {
    let valid = [
        (None, None, None),
        (Some(1), Some(0), Some(0)),
        (Some(10), Some(43_200), Some(20)),
    ];
    for (max, visibility, wait) in valid {
        assert!(
            validate_receive(max, visibility, wait).is_ok(),
            "{max:?} {visibility:?} {wait:?}"
        );
    }
    let invalid = [
        (Some(0), None, None, "Value 0 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."),
        (Some(11), None, None, "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."),
        (None, Some(-1), None, "Value -1 for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided."),
        (None, Some(43_201), None, "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided."),
        (None, None, Some(-1), "Value -1 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."),
        (None, None, Some(21), "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."),
    ];
    for (max, visibility, wait, message) in invalid {
        let error = validate_receive(max, visibility, wait).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidParameterValue, "{message}");
        assert_eq!(error.message, message);
    }
}

#[test]
fn change_visibility_timeout() {
    for valid in [0, 30, 43_200] {
        assert!(validate_visibility_timeout(valid).is_ok(), "{valid}");
    }
    for invalid in [-1, 43_201, i32::MAX] {
        let error = validate_visibility_timeout(invalid).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidParameterValue, "{invalid}");
    }
}

#[test]
fn receive_request_attempt_ids() {
    let max = "a".repeat(128);
    let too_long = "a".repeat(129);
    for (id, valid) in [
        ("attempt-1", true),
        ("!~", true),
        (max.as_str(), true),
        (too_long.as_str(), false),
        ("", false),
        ("a b", false),
    ] {
        let result = validate_receive_request_attempt_id(id);
        assert_eq!(result.is_ok(), valid, "{id:?}");
        if let Err(error) = result {
            assert_eq!(error.code, ErrorCode::InvalidParameterValue);
        }
    }
}

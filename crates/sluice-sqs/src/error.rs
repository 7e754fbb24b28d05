//! The error table of the server: every SQS error code with its AWS JSON 1.0
//! `__type`, its Query-protocol code, its HTTP status and its fault side.
//!
//! The modeled errors take their values from the `aws.protocols#awsQueryError`
//! traits of the SQS Smithy model in smithy-rs (`aws/sdk/aws-models/sqs.json`)
//! and from botocore 1.31's Query model. The common ones (`InvalidParameterValue`,
//! `MissingParameter`, `InternalError`, ...) come from the "Common Errors"
//! pages of the SQS API reference, current and for API version 2011-10-01.

use std::fmt;

use crate::types::BatchResultError;

/// One SQS error code. See [`ErrorCode::spec`] for its wire names and status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // Errors of the SQS model.
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidAddress,
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidBatchEntryId,
    InvalidIdFormat,
    InvalidMessageContents,
    InvalidSecurity,
    KmsAccessDenied,
    KmsDisabled,
    KmsInvalidKeyUsage,
    KmsInvalidState,
    KmsNotFound,
    KmsOptInRequired,
    KmsThrottled,
    MessageNotInflight,
    OverLimit,
    PurgeQueueInProgress,
    QueueDeletedRecently,
    QueueDoesNotExist,
    QueueNameExists,
    ReceiptHandleIsInvalid,
    RequestThrottled,
    ResourceNotFound,
    TooManyEntriesInBatchRequest,
    UnsupportedOperation,
    // Errors common to AWS services, not in the SQS model.
    InvalidParameterValue,
    MissingParameter,
    InvalidAction,
    /// A JSON request body that is not valid JSON or has a member of the wrong type.
    Serialization,
    AccessDenied,
    InvalidClientTokenId,
    SignatureDoesNotMatch,
    IncompleteSignature,
    MissingAuthenticationToken,
    RequestExpired,
    InternalError,
    ServiceUnavailable,
}

/// The wire names, HTTP status and fault side of one [`ErrorCode`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorSpec {
    /// `__type` of an AWS JSON 1.0 error body.
    pub json_type: &'static str,
    /// `<Code>` of a Query error, and the code in the `x-amzn-query-error` header.
    pub query_code: &'static str,
    pub status: u16,
    /// True when the client caused the error (`Sender`), false for `Receiver`.
    pub sender_fault: bool,
}

const fn client(json_type: &'static str, query_code: &'static str, status: u16) -> ErrorSpec {
    ErrorSpec {
        json_type,
        query_code,
        status,
        sender_fault: true,
    }
}

const fn server(json_type: &'static str, query_code: &'static str, status: u16) -> ErrorSpec {
    ErrorSpec {
        json_type,
        query_code,
        status,
        sender_fault: false,
    }
}

impl ErrorCode {
    /// Returns the wire names, HTTP status and fault side of this code.
    ///
    /// Modeled errors without an `awsQueryError` trait (InvalidAttributeName,
    /// InvalidAttributeValue, InvalidIdFormat, InvalidMessageContents) use
    /// their shape name as Query code and HTTP 400, as Smithy defines.
    pub const fn spec(self) -> ErrorSpec {
        use ErrorCode::*;
        match self {
            BatchEntryIdsNotDistinct => client(
                "com.amazonaws.sqs#BatchEntryIdsNotDistinct",
                "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
                400,
            ),
            BatchRequestTooLong => client(
                "com.amazonaws.sqs#BatchRequestTooLong",
                "AWS.SimpleQueueService.BatchRequestTooLong",
                400,
            ),
            EmptyBatchRequest => client(
                "com.amazonaws.sqs#EmptyBatchRequest",
                "AWS.SimpleQueueService.EmptyBatchRequest",
                400,
            ),
            InvalidAddress => client("com.amazonaws.sqs#InvalidAddress", "InvalidAddress", 404),
            InvalidAttributeName => client(
                "com.amazonaws.sqs#InvalidAttributeName",
                "InvalidAttributeName",
                400,
            ),
            InvalidAttributeValue => client(
                "com.amazonaws.sqs#InvalidAttributeValue",
                "InvalidAttributeValue",
                400,
            ),
            InvalidBatchEntryId => client(
                "com.amazonaws.sqs#InvalidBatchEntryId",
                "AWS.SimpleQueueService.InvalidBatchEntryId",
                400,
            ),
            InvalidIdFormat => client("com.amazonaws.sqs#InvalidIdFormat", "InvalidIdFormat", 400),
            InvalidMessageContents => client(
                "com.amazonaws.sqs#InvalidMessageContents",
                "InvalidMessageContents",
                400,
            ),
            InvalidSecurity => client("com.amazonaws.sqs#InvalidSecurity", "InvalidSecurity", 403),
            KmsAccessDenied => client(
                "com.amazonaws.sqs#KmsAccessDenied",
                "KMS.AccessDeniedException",
                400,
            ),
            KmsDisabled => client(
                "com.amazonaws.sqs#KmsDisabled",
                "KMS.DisabledException",
                400,
            ),
            KmsInvalidKeyUsage => client(
                "com.amazonaws.sqs#KmsInvalidKeyUsage",
                "KMS.InvalidKeyUsageException",
                400,
            ),
            KmsInvalidState => client(
                "com.amazonaws.sqs#KmsInvalidState",
                "KMS.InvalidStateException",
                400,
            ),
            KmsNotFound => client(
                "com.amazonaws.sqs#KmsNotFound",
                "KMS.NotFoundException",
                400,
            ),
            KmsOptInRequired => client(
                "com.amazonaws.sqs#KmsOptInRequired",
                "KMS.OptInRequired",
                403,
            ),
            KmsThrottled => client(
                "com.amazonaws.sqs#KmsThrottled",
                "KMS.ThrottlingException",
                400,
            ),
            MessageNotInflight => client(
                "com.amazonaws.sqs#MessageNotInflight",
                "AWS.SimpleQueueService.MessageNotInflight",
                400,
            ),
            OverLimit => client("com.amazonaws.sqs#OverLimit", "OverLimit", 403),
            PurgeQueueInProgress => client(
                "com.amazonaws.sqs#PurgeQueueInProgress",
                "AWS.SimpleQueueService.PurgeQueueInProgress",
                403,
            ),
            QueueDeletedRecently => client(
                "com.amazonaws.sqs#QueueDeletedRecently",
                "AWS.SimpleQueueService.QueueDeletedRecently",
                400,
            ),
            QueueDoesNotExist => client(
                "com.amazonaws.sqs#QueueDoesNotExist",
                "AWS.SimpleQueueService.NonExistentQueue",
                400,
            ),
            QueueNameExists => client(
                "com.amazonaws.sqs#QueueNameExists",
                "QueueAlreadyExists",
                400,
            ),
            ReceiptHandleIsInvalid => client(
                "com.amazonaws.sqs#ReceiptHandleIsInvalid",
                "ReceiptHandleIsInvalid",
                404,
            ),
            RequestThrottled => client(
                "com.amazonaws.sqs#RequestThrottled",
                "RequestThrottled",
                403,
            ),
            ResourceNotFound => client(
                "com.amazonaws.sqs#ResourceNotFoundException",
                "ResourceNotFoundException",
                404,
            ),
            TooManyEntriesInBatchRequest => client(
                "com.amazonaws.sqs#TooManyEntriesInBatchRequest",
                "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                400,
            ),
            UnsupportedOperation => client(
                "com.amazonaws.sqs#UnsupportedOperation",
                "AWS.SimpleQueueService.UnsupportedOperation",
                400,
            ),
            // NOTE: AWS documents no JSON `__type` for the common errors below.
            // SDKs of awsQueryCompatible services read the code from the
            // `x-amzn-query-error` header, so these `__type` values are a
            // best guess that clients only show as a secondary code.
            InvalidParameterValue => client(
                "com.amazonaws.sqs#InvalidParameterValue",
                "InvalidParameterValue",
                400,
            ),
            MissingParameter => client(
                "com.amazonaws.sqs#MissingParameter",
                "MissingParameter",
                400,
            ),
            InvalidAction => client(
                "com.amazon.coral.service#UnknownOperationException",
                "InvalidAction",
                400,
            ),
            Serialization => client(
                "com.amazon.coral.service#SerializationException",
                "SerializationException",
                400,
            ),
            AccessDenied => client(
                "com.amazon.coral.service#AccessDeniedException",
                "AccessDenied",
                403,
            ),
            InvalidClientTokenId => client(
                "com.amazon.coral.service#UnrecognizedClientException",
                "InvalidClientTokenId",
                403,
            ),
            SignatureDoesNotMatch => client(
                "com.amazon.coral.service#InvalidSignatureException",
                "SignatureDoesNotMatch",
                403,
            ),
            IncompleteSignature => client(
                "com.amazon.coral.service#IncompleteSignatureException",
                "IncompleteSignature",
                400,
            ),
            MissingAuthenticationToken => client(
                "com.amazon.coral.service#MissingAuthenticationTokenException",
                "MissingAuthenticationToken",
                403,
            ),
            RequestExpired => client(
                "com.amazon.coral.service#RequestExpired",
                "RequestExpired",
                400,
            ),
            InternalError => server(
                "com.amazon.coral.service#InternalFailure",
                "InternalError",
                500,
            ),
            ServiceUnavailable => server(
                "com.amazon.coral.service#ServiceUnavailableException",
                "ServiceUnavailable",
                503,
            ),
        }
    }
}

/// An SQS error: a code from the table and the message sent to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqsError {
    pub code: ErrorCode,
    pub message: String,
}

impl fmt::Display for SqsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.query_code(), self.message)
    }
}

impl std::error::Error for SqsError {}

impl SqsError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        SqsError {
            code,
            message: message.into(),
        }
    }

    /// `__type` of the AWS JSON 1.0 error body, e.g. `com.amazonaws.sqs#QueueDoesNotExist`.
    pub fn json_type(&self) -> &'static str {
        self.code.spec().json_type
    }

    /// Query error code, e.g. `AWS.SimpleQueueService.NonExistentQueue`; it is
    /// also the first part of the `x-amzn-query-error` header.
    pub fn query_code(&self) -> &'static str {
        self.code.spec().query_code
    }

    pub fn status(&self) -> u16 {
        self.code.spec().status
    }

    pub fn sender_fault(&self) -> bool {
        self.code.spec().sender_fault
    }

    /// `Sender` or `Receiver`, as in the Query `<Type>` element and the header.
    pub fn fault_name(&self) -> &'static str {
        if self.sender_fault() {
            "Sender"
        } else {
            "Receiver"
        }
    }

    /// Value of the `x-amzn-query-error` header of a JSON error response.
    pub fn query_error_header(&self) -> String {
        format!("{};{}", self.query_code(), self.fault_name())
    }

    /// Converts this error into a failed entry of a batch response.
    pub fn to_batch_error(&self, id: &str) -> BatchResultError {
        BatchResultError {
            id: id.to_owned(),
            code: self.query_code().to_owned(),
            message: self.message.clone(),
            sender_fault: self.sender_fault(),
        }
    }

    // Constructors, one per error the server raises. Messages without a
    // parameter are the ones AWS returns.

    pub fn queue_does_not_exist() -> Self {
        Self::new(
            ErrorCode::QueueDoesNotExist,
            "The specified queue does not exist.",
        )
    }

    /// `QueueNameExists` in the model; Query code `QueueAlreadyExists`.
    pub fn queue_already_exists(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::QueueNameExists, message)
    }

    pub fn queue_deleted_recently(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::QueueDeletedRecently, message)
    }

    pub fn purge_queue_in_progress(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::PurgeQueueInProgress, message)
    }

    pub fn invalid_parameter_value(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameterValue, message)
    }

    pub fn missing_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::MissingParameter, message)
    }

    /// `MissingParameter` for the named parameter, in AWS's wording.
    pub fn missing_named_parameter(name: &str) -> Self {
        Self::missing_parameter(format!("The request must contain the parameter {name}."))
    }

    pub fn invalid_attribute_name(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidAttributeName, message)
    }

    pub fn invalid_attribute_value(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidAttributeValue, message)
    }

    pub fn invalid_message_contents(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidMessageContents, message)
    }

    pub fn receipt_handle_is_invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ReceiptHandleIsInvalid, message)
    }

    pub fn message_not_inflight() -> Self {
        Self::new(
            ErrorCode::MessageNotInflight,
            "Message does not exist or is not available for visibility timeout change.",
        )
    }

    pub fn empty_batch_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::EmptyBatchRequest, message)
    }

    pub fn too_many_entries_in_batch_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::TooManyEntriesInBatchRequest, message)
    }

    pub fn batch_entry_ids_not_distinct(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BatchEntryIdsNotDistinct, message)
    }

    pub fn invalid_batch_entry_id(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidBatchEntryId, message)
    }

    pub fn batch_request_too_long(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BatchRequestTooLong, message)
    }

    pub fn unsupported_operation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnsupportedOperation, message)
    }

    pub fn invalid_action(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidAction, message)
    }

    /// `InvalidAddress`: a queue URL or account id that this server does not serve.
    pub fn invalid_address(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidAddress, message)
    }

    pub fn over_limit(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::OverLimit, message)
    }

    pub fn request_throttled(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::RequestThrottled, message)
    }

    pub fn invalid_security(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidSecurity, message)
    }

    /// Returns the error for a JSON body that does not parse or has a member of the wrong type.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Serialization, message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::AccessDenied, message)
    }

    pub fn invalid_client_token_id(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClientTokenId, message)
    }

    pub fn signature_does_not_match(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::SignatureDoesNotMatch, message)
    }

    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::IncompleteSignature, message)
    }

    pub fn missing_authentication_token(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::MissingAuthenticationToken, message)
    }

    pub fn request_expired(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::RequestExpired, message)
    }

    /// HTTP 500, receiver fault.
    pub fn internal_error(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InternalError, message)
    }

    /// HTTP 503, receiver fault; clients retry it.
    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ServiceUnavailable, message)
    }
}

/// The codes of the errors in the SQS model.
pub const MODELED_ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::BatchEntryIdsNotDistinct,
    ErrorCode::BatchRequestTooLong,
    ErrorCode::EmptyBatchRequest,
    ErrorCode::InvalidAddress,
    ErrorCode::InvalidAttributeName,
    ErrorCode::InvalidAttributeValue,
    ErrorCode::InvalidBatchEntryId,
    ErrorCode::InvalidIdFormat,
    ErrorCode::InvalidMessageContents,
    ErrorCode::InvalidSecurity,
    ErrorCode::KmsAccessDenied,
    ErrorCode::KmsDisabled,
    ErrorCode::KmsInvalidKeyUsage,
    ErrorCode::KmsInvalidState,
    ErrorCode::KmsNotFound,
    ErrorCode::KmsOptInRequired,
    ErrorCode::KmsThrottled,
    ErrorCode::MessageNotInflight,
    ErrorCode::OverLimit,
    ErrorCode::PurgeQueueInProgress,
    ErrorCode::QueueDeletedRecently,
    ErrorCode::QueueDoesNotExist,
    ErrorCode::QueueNameExists,
    ErrorCode::ReceiptHandleIsInvalid,
    ErrorCode::RequestThrottled,
    ErrorCode::ResourceNotFound,
    ErrorCode::TooManyEntriesInBatchRequest,
    ErrorCode::UnsupportedOperation,
];

/// The codes of the errors common to AWS services, not in the SQS model.
pub const COMMON_ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::InvalidParameterValue,
    ErrorCode::MissingParameter,
    ErrorCode::InvalidAction,
    ErrorCode::Serialization,
    ErrorCode::AccessDenied,
    ErrorCode::InvalidClientTokenId,
    ErrorCode::SignatureDoesNotMatch,
    ErrorCode::IncompleteSignature,
    ErrorCode::MissingAuthenticationToken,
    ErrorCode::RequestExpired,
    ErrorCode::InternalError,
    ErrorCode::ServiceUnavailable,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Namespace of the `__type` of the errors in the SQS model.
    const SQS_NAMESPACE: &str = "com.amazonaws.sqs#";

    #[test]
    fn table_matches_sqs_model() {
        // (code, __type, Query code, status, sender fault) as in the SQS Smithy model.
        let cases = [
            (
                ErrorCode::QueueDoesNotExist,
                "com.amazonaws.sqs#QueueDoesNotExist",
                "AWS.SimpleQueueService.NonExistentQueue",
                400,
                true,
            ),
            (
                ErrorCode::QueueNameExists,
                "com.amazonaws.sqs#QueueNameExists",
                "QueueAlreadyExists",
                400,
                true,
            ),
            (
                ErrorCode::PurgeQueueInProgress,
                "com.amazonaws.sqs#PurgeQueueInProgress",
                "AWS.SimpleQueueService.PurgeQueueInProgress",
                403,
                true,
            ),
            (
                ErrorCode::OverLimit,
                "com.amazonaws.sqs#OverLimit",
                "OverLimit",
                403,
                true,
            ),
            (
                ErrorCode::ReceiptHandleIsInvalid,
                "com.amazonaws.sqs#ReceiptHandleIsInvalid",
                "ReceiptHandleIsInvalid",
                404,
                true,
            ),
            (
                ErrorCode::InvalidAddress,
                "com.amazonaws.sqs#InvalidAddress",
                "InvalidAddress",
                404,
                true,
            ),
            (
                ErrorCode::KmsOptInRequired,
                "com.amazonaws.sqs#KmsOptInRequired",
                "KMS.OptInRequired",
                403,
                true,
            ),
            (
                ErrorCode::ResourceNotFound,
                "com.amazonaws.sqs#ResourceNotFoundException",
                "ResourceNotFoundException",
                404,
                true,
            ),
            (
                ErrorCode::InternalError,
                "com.amazon.coral.service#InternalFailure",
                "InternalError",
                500,
                false,
            ),
            (
                ErrorCode::ServiceUnavailable,
                "com.amazon.coral.service#ServiceUnavailableException",
                "ServiceUnavailable",
                503,
                false,
            ),
        ];
        for (code, json_type, query_code, status, sender) in cases {
            let error = SqsError::new(code, "m");
            assert_eq!(error.json_type(), json_type, "{code:?}");
            assert_eq!(error.query_code(), query_code, "{code:?}");
            assert_eq!(error.status(), status, "{code:?}");
            assert_eq!(error.sender_fault(), sender, "{code:?}");
        }
    }

    #[test]
    fn table_entries_are_distinct() {
        let mut query_codes = std::collections::BTreeSet::new();
        let mut json_types = std::collections::BTreeSet::new();
        for code in MODELED_ERROR_CODES.iter().chain(COMMON_ERROR_CODES) {
            let spec = code.spec();
            assert!(
                query_codes.insert(spec.query_code),
                "duplicate Query code {}",
                spec.query_code
            );
            assert!(
                json_types.insert(spec.json_type),
                "duplicate __type {}",
                spec.json_type
            );
            assert!(
                spec.json_type.contains('#'),
                "{code:?} __type has no namespace"
            );
            assert!(
                (400..600).contains(&spec.status),
                "{code:?} status {}",
                spec.status
            );
            assert_eq!(spec.sender_fault, spec.status < 500, "{code:?} fault side");
        }
    }

    #[test]
    fn modeled_errors_use_sqs_namespace() {
        for code in MODELED_ERROR_CODES {
            assert!(code.spec().json_type.starts_with(SQS_NAMESPACE), "{code:?}");
        }
    }

    #[test]
    fn query_error_header_names_fault() {
        assert_eq!(
            SqsError::queue_does_not_exist().query_error_header(),
            "AWS.SimpleQueueService.NonExistentQueue;Sender"
        );
        assert_eq!(
            SqsError::internal_error("x").query_error_header(),
            "InternalError;Receiver"
        );
    }

    #[test]
    fn constructors_pick_codes() {
        let cases = [
            (
                SqsError::queue_already_exists("m"),
                ErrorCode::QueueNameExists,
            ),
            (
                SqsError::invalid_parameter_value("m"),
                ErrorCode::InvalidParameterValue,
            ),
            (
                SqsError::missing_parameter("m"),
                ErrorCode::MissingParameter,
            ),
            (
                SqsError::invalid_attribute_name("m"),
                ErrorCode::InvalidAttributeName,
            ),
            (
                SqsError::invalid_attribute_value("m"),
                ErrorCode::InvalidAttributeValue,
            ),
            (
                SqsError::invalid_message_contents("m"),
                ErrorCode::InvalidMessageContents,
            ),
            (
                SqsError::receipt_handle_is_invalid("m"),
                ErrorCode::ReceiptHandleIsInvalid,
            ),
            (
                SqsError::message_not_inflight(),
                ErrorCode::MessageNotInflight,
            ),
            (
                SqsError::purge_queue_in_progress("m"),
                ErrorCode::PurgeQueueInProgress,
            ),
            (
                SqsError::queue_deleted_recently("m"),
                ErrorCode::QueueDeletedRecently,
            ),
            (
                SqsError::empty_batch_request("m"),
                ErrorCode::EmptyBatchRequest,
            ),
            (
                SqsError::too_many_entries_in_batch_request("m"),
                ErrorCode::TooManyEntriesInBatchRequest,
            ),
            (
                SqsError::batch_entry_ids_not_distinct("m"),
                ErrorCode::BatchEntryIdsNotDistinct,
            ),
            (
                SqsError::invalid_batch_entry_id("m"),
                ErrorCode::InvalidBatchEntryId,
            ),
            (
                SqsError::batch_request_too_long("m"),
                ErrorCode::BatchRequestTooLong,
            ),
            (
                SqsError::unsupported_operation("m"),
                ErrorCode::UnsupportedOperation,
            ),
            (SqsError::invalid_action("m"), ErrorCode::InvalidAction),
            (SqsError::invalid_address("m"), ErrorCode::InvalidAddress),
            (SqsError::over_limit("m"), ErrorCode::OverLimit),
            (
                SqsError::request_throttled("m"),
                ErrorCode::RequestThrottled,
            ),
            (SqsError::invalid_security("m"), ErrorCode::InvalidSecurity),
            (SqsError::internal_error("m"), ErrorCode::InternalError),
            (
                SqsError::service_unavailable("m"),
                ErrorCode::ServiceUnavailable,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.code, code);
        }
    }

    #[test]
    fn batch_error_carries_query_code() {
        let entry = SqsError::receipt_handle_is_invalid("bad handle").to_batch_error("e1");
        assert_eq!(entry.id, "e1");
        assert_eq!(entry.code, "ReceiptHandleIsInvalid");
        assert_eq!(entry.message, "bad handle");
        assert!(entry.sender_fault);
    }

    #[test]
    fn missing_queue_message_matches_aws() {
        assert_eq!(
            SqsError::queue_does_not_exist().message,
            "The specified queue does not exist."
        );
        assert_eq!(
            SqsError::missing_named_parameter("QueueName").message,
            "The request must contain the parameter QueueName."
        );
    }
}

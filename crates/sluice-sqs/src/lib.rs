//! The SQS wire protocols: request decoding, validation, MD5 digests and
//! response and error encoding, for AWS JSON 1.0 and for the Query protocol.
//!
//! The crate does no I/O and reads no clock: the gateway hands it the parts
//! of an HTTP request and gets back a [`Request`], and hands it a
//! [`Response`] or an [`SqsError`] and gets back an [`EncodedResponse`].

pub mod types;

mod decode;
pub mod digest;
mod encode;
pub mod error;
pub mod json;
pub mod limits;
pub mod query;
pub mod url;
pub mod validate;

pub use decode::decode_request;
pub use digest::{md5_of_body, md5_of_message_attributes, md5_of_message_system_attributes};
pub use encode::{encode_error, encode_response, EncodedResponse};
pub use error::{ErrorCode, ErrorSpec, SqsError};
pub use types::*;
pub use url::{parse_queue_url, queue_url};
pub use validate::{
    default_queue_attributes, message_size, select_message_attributes, validate_attribute_names,
    validate_batch_ids, validate_batch_size, validate_list_queues, validate_queue_attributes,
    validate_queue_name, validate_receive, validate_receive_request_attempt_id,
    validate_send_entry, validate_tag_keys, validate_tags, validate_visibility_timeout,
};

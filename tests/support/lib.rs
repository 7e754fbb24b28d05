//! Harness for the Sluice end-to-end tests.
//!
//! Each test starts its own `sluice serve` process on a free 127.0.0.1 port
//! with a temporary data directory ([`Node`]), talks to it through the AWS SDK
//! for Rust ([`sqs_client`]) and compares what the server returns with AWS's
//! documented SQS behaviour. Cluster tests start several processes that form
//! one cluster ([`Cluster`]) and use clients that retry like an application's
//! would ([`sqs_retrying_client`]). Helpers here never talk to any address
//! outside 127.0.0.0/8, and every wait is bounded.

mod client;
mod cluster;
mod digest;
mod node;
mod wait;

pub mod codes;

pub use client::{
    create_queue, expect_service_error, queue_attributes, sqs_client, sqs_retrying_client,
    ACCOUNT_ID, REGION, RETRY_ATTEMPTS_MAX,
};
pub use cluster::{
    parse_role_change, parse_utc_millis, Cluster, ClusterConfig, DataDir, RoleChange,
};
pub use digest::{
    md5_hex, md5_of_message_attributes, md5_of_sdk_message_attributes, AttributeValue,
};
pub use node::{free_port, sluice_binary, Node};
pub use wait::{eventually, unix_now_millis, unix_now_secs};

/// The crate the support code was built against, re-exported so that test
/// files and the support code always agree on one version.
pub use aws_sdk_sqs;

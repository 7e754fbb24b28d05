//! AWS SDK clients for a local server, and helpers for their results.

use std::collections::HashMap;
use std::fmt::Debug;
use std::time::Duration;

use aws_sdk_sqs::config::retry::{RetryConfig, RetryPartition, TokenBucket};
use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::QueueAttributeName;

/// The region that `sluice serve` uses by default and the tests sign for.
pub const REGION: &str = "us-east-1";
/// The account id that `sluice serve` uses by default in queue URLs and ARNs.
pub const ACCOUNT_ID: &str = "000000000000";

/// Builds an SQS client for `endpoint` (for example `http://127.0.0.1:9324`).
///
/// The client signs with static test credentials for us-east-1 and speaks
/// plain HTTP, since no TLS stack is compiled in. It makes one attempt per
/// call, so that retries do not hide server errors, and gives up on a call
/// after 60 s.
/// Long polls wait at most 20 s, so that bound is never reached by a healthy
/// server.
pub fn sqs_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(60))
        .build();
    sqs_client_with_timeouts(endpoint, timeouts)
}

/// Maximum attempts that [`sqs_retrying_client`] makes per call.
pub const RETRY_ATTEMPTS_MAX: u32 = 8;

/// Builds an SQS client for a cluster node, with the SDK's standard retry mode.
///
/// During a leader election a node may return 503 ServiceUnavailable, and a
/// killed node refuses connections, both of which the SDK retries: up to
/// [`RETRY_ATTEMPTS_MAX`] attempts with jittered exponential backoff from
/// 100 ms to 2 s. Each attempt may take 20 s, which covers a node's own 10 s
/// routing deadline plus the longest long poll that the cluster tests use,
/// and a whole call gives up after 60 s.
///
/// These clients share a retry token bucket without a limit. The SDK's
/// default bucket is shared by every SQS client of the process and contains 500
/// tokens, of which a retry takes 5, or 10 after a timeout (aws-smithy-runtime
/// 1.16). Several load tasks that retry through one failover could empty it,
/// which would turn a retryable 503 into a failed call.
pub fn sqs_retrying_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build();
    let retries = RetryConfig::standard()
        .with_max_attempts(RETRY_ATTEMPTS_MAX)
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_secs(2));
    let partition = RetryPartition::custom("sluice-cluster-tests")
        .token_bucket(TokenBucket::unlimited())
        .build();
    build_client(endpoint, timeouts, retries, Some(partition))
}

/// Builds a client like [`sqs_client`] with other timeouts.
pub(crate) fn sqs_client_with_timeouts(
    endpoint: &str,
    timeouts: TimeoutConfig,
) -> aws_sdk_sqs::Client {
    build_client(endpoint, timeouts, RetryConfig::disabled(), None)
}

fn build_client(
    endpoint: &str,
    timeouts: TimeoutConfig,
    retries: RetryConfig,
    retry_partition: Option<RetryPartition>,
) -> aws_sdk_sqs::Client {
    // `build_http` makes a hyper client without TLS, which is all that a
    // server on 127.0.0.1 needs and keeps rustls and aws-lc out of the build.
    let http_client = aws_smithy_http_client::Builder::new().build_http();
    let credentials = Credentials::new(
        "AKIDSLUICETESTS",
        "sluice-test-secret",
        None,
        None,
        "sluice-tests",
    );
    let mut config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(credentials)
        .endpoint_url(endpoint)
        .http_client(http_client)
        .retry_config(retries)
        .timeout_config(timeouts);
    if let Some(partition) = retry_partition {
        config = config.retry_partition(partition);
    }
    aws_sdk_sqs::Client::from_conf(config.build())
}

/// Returns the error code of a call that must fail with a service error.
///
/// `call` names the call in the panic message.
///
/// # Panics
///
/// Panics when the call succeeded or failed without a response from the
/// server (connection, timeout or SDK-side validation errors).
pub fn expect_service_error<T, E>(call: &str, result: Result<T, SdkError<E>>) -> String
where
    T: Debug,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(output) => {
            panic!("{call}: expected an error response, but the call succeeded with {output:?}")
        }
        Err(SdkError::ServiceError(context)) => match context.err().code() {
            Some(code) => code.to_string(),
            None => panic!(
                "{call}: the error response carried no error code (raw response: {:?})",
                context.raw()
            ),
        },
        Err(other) => panic!(
            "{call}: expected an error response from the server, got {}",
            DisplayErrorContext(&other)
        ),
    }
}

/// Fetches all attributes of a queue as a map from attribute name to value.
///
/// # Panics
///
/// Panics when GetQueueAttributes fails.
pub async fn queue_attributes(
    client: &aws_sdk_sqs::Client,
    queue_url: &str,
) -> HashMap<String, String> {
    let output = client
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap_or_else(|err| {
            panic!(
                "GetQueueAttributes All on {queue_url} failed: {}",
                DisplayErrorContext(&err)
            )
        });
    output
        .attributes()
        .map(|attributes| {
            attributes
                .iter()
                .map(|(name, value)| (name.as_str().to_string(), value.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Creates a queue with the given attributes and returns its URL.
///
/// # Panics
///
/// Panics when CreateQueue fails or returns no URL.
pub async fn create_queue(
    client: &aws_sdk_sqs::Client,
    queue_name: &str,
    attributes: &[(QueueAttributeName, &str)],
) -> String {
    let mut request = client.create_queue().queue_name(queue_name);
    for (name, value) in attributes {
        request = request.attributes(name.clone(), *value);
    }
    let output = request.send().await.unwrap_or_else(|err| {
        panic!(
            "CreateQueue {queue_name} failed: {}",
            DisplayErrorContext(&err)
        )
    });
    output
        .queue_url()
        .unwrap_or_else(|| panic!("CreateQueue {queue_name} returned no QueueUrl"))
        .to_string()
}

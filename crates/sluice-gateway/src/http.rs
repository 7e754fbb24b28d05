//! The HTTP server: one handler for every path, both protocols.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sluice_cluster::Router;
use sluice_sqs::{EncodedResponse, Protocol, Request, SqsError};
use tracing::{debug, info_span, warn, Instrument};

use crate::context::RequestContext;

/// Largest HTTP body accepted: a 1 MiB batch grows up to three times when
/// form-encoded, plus parameter names.
const HTTP_BODY_BYTES_MAX: usize = 4 << 20;

/// Settings of the gateway of one node.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// Region of requests without a SigV4 credential scope.
    pub default_region: String,
    /// Account that owns the queues created through this node.
    pub account_id: String,
    /// Host used in queue URLs when a request has no Host header.
    pub listen_host: String,
    /// Partitions of a new queue unless its `sluice:partitions` tag sets another count.
    pub partitions_per_queue: u32,
    /// Replicas of each new partition (capped by the number of members).
    pub replication_factor: usize,
    /// Raft ids of the cluster's nodes, for placing new partitions.
    pub members: Vec<u64>,
    /// Maximum time a request waits for its proposal to be applied.
    pub proposal_timeout: Duration,
}

/// Everything the request handlers share.
pub struct Gateway {
    pub(crate) config: GatewayConfig,
    pub(crate) router: Router,
}

impl Gateway {
    pub fn new(config: GatewayConfig, router: Router) -> Gateway {
        Gateway { config, router }
    }

    pub(crate) fn node(&self) -> &sluice_replication::Node {
        self.router.node()
    }
}

/// Requests that take at least this long, from the handler's start to the
/// encoded response, are logged at debug level with their duration.
const SLOW_REQUEST: std::time::Duration = std::time::Duration::from_millis(50);

/// Builds the axum router serving both SQS protocols on every path.
pub fn router(gateway: Arc<Gateway>) -> axum::Router {
    axum::Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(HTTP_BODY_BYTES_MAX))
        .with_state(gateway)
}

async fn handle(
    State(gateway): State<Arc<Gateway>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method == Method::GET && uri.path() == "/health" && uri.query().is_none() {
        return (StatusCode::OK, "ok\n").into_response();
    }
    let started = std::time::Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let target = headers.get("x-amz-target").and_then(|value| value.to_str().ok());
    let protocol = if target.is_some() { Protocol::Json } else { Protocol::Query };
    let span = info_span!("request", request_id = %request_id, action = tracing::field::Empty);
    let encoded = async {
        match serve(&gateway, protocol, target, &uri, &headers, &body, &request_id).await {
            Ok(response) => sluice_sqs::encode_response(protocol, &request_id, &response),
            Err(error) => {
                if error.status() >= 500 {
                    warn!(code = error.query_code(), message = %error.message, "request failed");
                }
                sluice_sqs::encode_error(protocol, &request_id, &error)
            }
        }
    }
    .instrument(span)
    .await;
    let elapsed = started.elapsed();
    if elapsed >= SLOW_REQUEST {
        // Debug level, because a long poll is slow by design.
        debug!(%request_id, target, elapsed_ms = elapsed.as_millis() as u64, "slow request");
    }
    into_http(encoded, &request_id)
}

async fn serve(
    gateway: &Gateway,
    protocol: Protocol,
    target: Option<&str>,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    request_id: &str,
) -> Result<sluice_sqs::Response, SqsError> {
    let mut request = sluice_sqs::decode_request(protocol, target, uri.query(), body)?;
    let context = RequestContext::from_headers(
        headers,
        &gateway.config.default_region,
        &gateway.config.account_id,
        &gateway.config.listen_host,
        request_id,
    );
    if protocol == Protocol::Query {
        fill_queue_url_from_path(&mut request, uri.path(), &context.host);
    }
    crate::actions::dispatch(gateway, &context, request).await
}

/// In the Query protocol a request may be POSTed to the queue URL itself and
/// leave the QueueUrl parameter out.
fn fill_queue_url_from_path(request: &mut Request, path: &str, host: &str) {
    let from_path = || sluice_sqs::parse_queue_url(path).map(|(account, name)| sluice_sqs::queue_url(host, &account, &name));
    let queue_url = match request {
        Request::DeleteQueue { queue_url }
        | Request::GetQueueAttributes { queue_url, .. }
        | Request::SetQueueAttributes { queue_url, .. }
        | Request::PurgeQueue { queue_url }
        | Request::SendMessage { queue_url, .. }
        | Request::SendMessageBatch { queue_url, .. }
        | Request::ReceiveMessage { queue_url, .. }
        | Request::DeleteMessage { queue_url, .. }
        | Request::DeleteMessageBatch { queue_url, .. }
        | Request::ChangeMessageVisibility { queue_url, .. }
        | Request::ChangeMessageVisibilityBatch { queue_url, .. }
        | Request::TagQueue { queue_url, .. }
        | Request::UntagQueue { queue_url, .. }
        | Request::ListQueueTags { queue_url }
        | Request::ListDeadLetterSourceQueues { queue_url, .. }
        | Request::AddPermission { queue_url, .. }
        | Request::RemovePermission { queue_url, .. } => queue_url,
        _ => return,
    };
    if queue_url.is_empty() {
        if let Some(url) = from_path() {
            *queue_url = url;
        }
    }
}

fn into_http(encoded: EncodedResponse, request_id: &str) -> Response {
    let status = StatusCode::from_u16(encoded.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, encoded.body).into_response();
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(encoded.content_type));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    for (name, value) in encoded.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

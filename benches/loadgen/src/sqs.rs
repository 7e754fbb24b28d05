//! A minimal SQS client for the AWS JSON 1.0 protocol over keep-alive HTTP/1.1.
//!
//! Requests carry a SigV4-shaped `Authorization` header with a dummy
//! signature: the servers this tool targets (Sluice, moto) accept it without
//! verification. Real Amazon SQS would reject it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::options::Endpoint;

/// The SQS actions this tool calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    ListQueues,
    CreateQueue,
    DeleteQueue,
    SendMessage,
    SendMessageBatch,
    ReceiveMessage,
    DeleteMessage,
    DeleteMessageBatch,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::ListQueues => "ListQueues",
            Action::CreateQueue => "CreateQueue",
            Action::DeleteQueue => "DeleteQueue",
            Action::SendMessage => "SendMessage",
            Action::SendMessageBatch => "SendMessageBatch",
            Action::ReceiveMessage => "ReceiveMessage",
            Action::DeleteMessage => "DeleteMessage",
            Action::DeleteMessageBatch => "DeleteMessageBatch",
        }
    }
}

/// A failed call: an SQS error code, or a code of this tool for transport
/// failures (`Timeout`, `ConnectionError`, `InvalidResponse`, `HttpStatusNNN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// A client that spreads requests round-robin over the endpoints.
pub struct SqsClient {
    http: Client<HttpConnector, Full<Bytes>>,
    endpoints: Vec<Endpoint>,
    next_endpoint: AtomicUsize,
    region: String,
    request_timeout: Duration,
}

impl SqsClient {
    pub fn new(endpoints: Vec<Endpoint>, region: String, request_timeout: Duration) -> SqsClient {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector);
        SqsClient { http, endpoints, next_endpoint: AtomicUsize::new(0), region, request_timeout }
    }

    /// Calls `action` on the next endpoint in turn and returns the parsed JSON response.
    pub async fn call(&self, action: Action, input: &Value) -> Result<Value, CallError> {
        let index = self.next_endpoint.fetch_add(1, Ordering::Relaxed) % self.endpoints.len();
        self.call_endpoint(index, action, input).await
    }

    /// Calls `action` on endpoint `index` (an index into `--endpoint` values).
    pub async fn call_endpoint(&self, index: usize, action: Action, input: &Value) -> Result<Value, CallError> {
        let body = serde_json::to_vec(input).expect("a serde_json Value always serializes");
        let request = self.build_request(&self.endpoints[index], action, body);
        match tokio::time::timeout(self.request_timeout, self.send(request)).await {
            Ok(result) => result,
            Err(_) => Err(CallError {
                code: "Timeout".into(),
                message: format!("{} got no response within {:?}", action.name(), self.request_timeout),
            }),
        }
    }

    fn build_request(&self, endpoint: &Endpoint, action: Action, body: Vec<u8>) -> Request<Full<Bytes>> {
        let (date, timestamp) = amz_date(SystemTime::now());
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDLOADGEN/{date}/{}/sqs/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={}",
            self.region,
            "0".repeat(64)
        );
        Request::builder()
            .method(Method::POST)
            .uri(endpoint.uri.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.0"))
            .header("x-amz-target", format!("AmazonSQS.{}", action.name()))
            .header("x-amz-date", timestamp)
            .header(AUTHORIZATION, authorization)
            .body(Full::new(Bytes::from(body)))
            .expect("the request parts are valid")
    }

    async fn send(&self, request: Request<Full<Bytes>>) -> Result<Value, CallError> {
        let response = self.http.request(request).await.map_err(|error| CallError {
            code: "ConnectionError".into(),
            message: error_chain(&error),
        })?;
        let status = response.status();
        let query_error = response
            .headers()
            .get("x-amzn-query-error")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|error| CallError { code: "ConnectionError".into(), message: format!("reading the body: {error}") })?
            .to_bytes();
        if status == StatusCode::OK {
            return serde_json::from_slice(&bytes).map_err(|error| CallError {
                code: "InvalidResponse".into(),
                message: format!("the 200 response is not JSON: {error}"),
            });
        }
        Err(parse_error(status, query_error.as_deref(), &bytes))
    }
}

/// Formats an error with its sources: "client error (Connect): tcp connect error: ...".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Reads the error code of a non-200 response: the part of the JSON `__type`
/// after `#`, else the first part of `x-amzn-query-error`, else the status.
fn parse_error(status: StatusCode, query_error: Option<&str>, body: &[u8]) -> CallError {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let type_name = json.as_ref().and_then(|value| value.get("__type")).and_then(Value::as_str);
    let message = json
        .as_ref()
        .and_then(|value| value.get("message").or_else(|| value.get("Message")))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
    let code = match (type_name, query_error) {
        (Some(type_name), _) => type_name.rsplit('#').next().unwrap_or(type_name).to_owned(),
        (None, Some(header)) => header.split(';').next().unwrap_or(header).to_owned(),
        (None, None) => format!("HttpStatus{}", status.as_u16()),
    };
    CallError { code, message }
}

/// Formats `time` as the SigV4 date (`YYYYMMDD`) and timestamp (`YYYYMMDDTHHMMSSZ`), in UTC.
fn amz_date(time: SystemTime) -> (String, String) {
    let seconds = time.duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or(0);
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let second_of_day = seconds % 86_400;
    let date = format!("{year:04}{month:02}{day:02}");
    let timestamp = format!(
        "{date}T{:02}{:02}{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
    (date, timestamp)
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day),
/// by counting 400-year eras that start on March 1.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(10_957), (2000, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_453), (2025, 12, 31));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }

    #[test]
    fn amz_date_format() {
        let time = UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 2015-08-30T12:36:00Z
        assert_eq!(amz_date(time), ("20150830".to_string(), "20150830T123600Z".to_string()));
    }

    #[test]
    fn error_code_from_json_type() {
        let body = br#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#;
        let error = parse_error(StatusCode::BAD_REQUEST, None, body);
        assert_eq!(error.code, "QueueDoesNotExist");
        assert_eq!(error.message, "The specified queue does not exist.");
    }

    #[test]
    fn error_code_from_query_header() {
        let error = parse_error(StatusCode::SERVICE_UNAVAILABLE, Some("ServiceUnavailable;Receiver"), b"busy");
        assert_eq!(error.code, "ServiceUnavailable");
        assert_eq!(error.message, "busy");
    }

    #[test]
    fn error_code_from_status() {
        let error = parse_error(StatusCode::BAD_GATEWAY, None, b"<html>");
        assert_eq!(error.code, "HttpStatus502");
    }
}

//! Request context: the sender's region and account, and the host it addressed.

use http::HeaderMap;

/// Facts about one HTTP request that actions need besides its parameters.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// From the SigV4 credential scope, else the configured default region.
    pub region: String,
    /// The account that owns new queues and whose queues are listed.
    pub account_id: String,
    /// The Host header, used to build queue URLs.
    pub host: String,
    /// Reported as the SenderId system attribute.
    pub sender_id: String,
    /// The request's `x-amzn-RequestId`; commands that are not idempotent by
    /// themselves carry it so that a retried proposal applies once.
    pub request_id: String,
}

impl RequestContext {
    pub fn from_headers(
        headers: &HeaderMap,
        default_region: &str,
        account_id: &str,
        listen_host: &str,
        request_id: &str,
    ) -> RequestContext {
        let region = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(region_from_authorization)
            .unwrap_or_else(|| default_region.to_string());
        let host = headers
            .get(http::header::HOST)
            .and_then(|value| value.to_str().ok())
            .filter(|host| !host.is_empty())
            .unwrap_or(listen_host)
            .to_string();
        RequestContext {
            region,
            account_id: account_id.to_string(),
            host,
            sender_id: account_id.to_string(),
            request_id: request_id.to_string(),
        }
    }
}

/// Extracts the region from `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, ...`.
fn region_from_authorization(authorization: &str) -> Option<String> {
    let credential = authorization.split("Credential=").nth(1)?;
    let scope = credential.split([',', ' ']).next()?;
    let mut parts = scope.split('/');
    let (_key, _date, region) = (parts.next()?, parts.next()?, parts.next()?);
    (!region.is_empty()).then(|| region.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_sigv4_scope() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-2/sqs/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(region_from_authorization(header).as_deref(), Some("eu-west-2"));
    }

    #[test]
    fn region_missing_from_other_schemes() {
        assert_eq!(region_from_authorization("Bearer token"), None);
    }
}

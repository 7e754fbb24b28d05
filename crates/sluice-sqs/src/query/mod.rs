//! The Query protocol of older SDKs and the aws CLI v1: form-encoded
//! `Action=...&Version=2012-11-05&...` parameters, XML responses.
//!
//! Parameter names are the location names of botocore 1.31's Query model:
//! maps and lists are flattened, as in `Attribute.1.Name`, `AttributeName.1`
//! and `SendMessageBatchRequestEntry.1.Id`.

mod xml;

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::decode::{decode_action, MapName, Name, Params};
use crate::error::SqsError;
use crate::types::{MessageAttributeValue, MessageAttributes, Protocol, Request};

pub(crate) use xml::{encode_error, encode_response};

/// Content type of Query responses.
pub const CONTENT_TYPE: &str = "text/xml";

/// XML namespace of every Query response.
pub const XML_NAMESPACE: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

/// Decodes a Query request; see [`crate::decode_request`].
pub(crate) fn decode(query_string: Option<&str>, body: &[u8]) -> Result<Request, SqsError> {
    let params = merge_params(query_string, body);
    let action = params
        .get("Action")
        .ok_or_else(|| SqsError::missing_named_parameter("Action"))?;
    decode_action(
        action,
        &QueryParams {
            params: &params,
            prefix: String::new(),
        },
    )
}

/// Merges the URL query string and the form body; the body wins on a repeated name.
fn merge_params(query_string: Option<&str>, body: &[u8]) -> BTreeMap<String, String> {
    let from_url = form_urlencoded::parse(query_string.unwrap_or_default().as_bytes());
    let from_body = form_urlencoded::parse(body);
    from_url
        .chain(from_body)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect()
}

/// The parameters of a request, or of one batch entry under `prefix`.
pub(crate) struct QueryParams<'a> {
    params: &'a BTreeMap<String, String>,
    /// Prefix of this entry's parameters, e.g. `SendMessageBatchRequestEntry.2.`.
    prefix: String,
}

impl QueryParams<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.params
            .get(&format!("{}{key}", self.prefix))
            .map(String::as_str)
    }

    /// Returns the first Query name of `name` that the request uses, with the
    /// indices `N` of its `{name}.N` parameters in ascending order.
    fn indexed(&self, name: &Name) -> (&'static str, Vec<u32>) {
        for query_name in name.query_names() {
            let indices = self.indices(query_name);
            if !indices.is_empty() {
                return (query_name, indices);
            }
        }
        (name.query_names()[0], Vec::new())
    }

    /// Collects the distinct `N` of the keys `{prefix}{base}.N` and `{prefix}{base}.N.*`.
    fn indices(&self, base: &str) -> Vec<u32> {
        let start = format!("{}{base}.", self.prefix);
        let mut indices: Vec<u32> = self
            .params
            .range(start.clone()..)
            .take_while(|(key, _)| key.starts_with(&start))
            .filter_map(|(key, _)| key[start.len()..].split('.').next()?.parse().ok())
            .collect();
        indices.sort_unstable();
        indices.dedup();
        indices
    }

    fn required(&self, key: &str) -> Result<&str, SqsError> {
        self.get(key)
            .ok_or_else(|| SqsError::missing_named_parameter(&format!("{}{key}", self.prefix)))
    }

    /// Reads `{base}.N.Name` and `{base}.N.Value.*` of one message attribute.
    fn attribute(&self, base: &str) -> Result<(String, MessageAttributeValue), SqsError> {
        let name = self.required(&format!("{base}.Name"))?.to_owned();
        let binary_value = match self.get(&format!("{base}.Value.BinaryValue")) {
            Some(encoded) => Some(BASE64.decode(encoded).map_err(|_| {
                SqsError::invalid_parameter_value(format!(
                    "The message attribute '{name}' has a BinaryValue that is not valid base64."
                ))
            })?),
            None => None,
        };
        let value = MessageAttributeValue {
            data_type: self
                .get(&format!("{base}.Value.DataType"))
                .unwrap_or_default()
                .to_owned(),
            string_value: self
                .get(&format!("{base}.Value.StringValue"))
                .map(str::to_owned),
            binary_value,
        };
        Ok((name, value))
    }
}

impl Params for QueryParams<'_> {
    const PROTOCOL: Protocol = Protocol::Query;

    fn string(&self, name: &Name) -> Result<Option<String>, SqsError> {
        Ok(name
            .query_names()
            .iter()
            .find_map(|query_name| self.get(query_name))
            .map(str::to_owned))
    }

    fn int(&self, name: &Name) -> Result<Option<i32>, SqsError> {
        let Some(text) = self.string(name)? else {
            return Ok(None);
        };
        text.parse().map(Some).map_err(|_| {
            SqsError::invalid_parameter_value(format!(
                "Value {text} for parameter {} is invalid. Reason: Must be an integer.",
                self.path(name)
            ))
        })
    }

    fn string_list(&self, name: &Name) -> Result<Vec<String>, SqsError> {
        let (query_name, indices) = self.indexed(name);
        Ok(indices
            .iter()
            .filter_map(|n| self.get(&format!("{query_name}.{n}")))
            .map(str::to_owned)
            .collect())
    }

    fn string_map(&self, map: &MapName) -> Result<BTreeMap<String, String>, SqsError> {
        let (query_name, indices) = self.indexed(&map.name);
        indices
            .iter()
            .map(|n| {
                let key = self.required(&format!("{query_name}.{n}.{}", map.key))?;
                let value = self.required(&format!("{query_name}.{n}.{}", map.value))?;
                Ok((key.to_owned(), value.to_owned()))
            })
            .collect()
    }

    fn message_attributes(&self, name: &Name) -> Result<MessageAttributes, SqsError> {
        let (query_name, indices) = self.indexed(name);
        indices
            .iter()
            .map(|n| self.attribute(&format!("{query_name}.{n}")))
            .collect()
    }

    fn entries(&self, name: &Name) -> Result<Vec<Self>, SqsError> {
        let (query_name, indices) = self.indexed(name);
        let entries = indices
            .iter()
            .map(|n| QueryParams {
                params: self.params,
                prefix: format!("{}{query_name}.{n}.", self.prefix),
            })
            .collect();
        Ok(entries)
    }

    fn path(&self, name: &Name) -> String {
        format!("{}{}", self.prefix, name.query_names()[0])
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod decode_tests;

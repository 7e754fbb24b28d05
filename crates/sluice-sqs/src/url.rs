//! Queue URLs: `http://{host}/{account id}/{queue name}`, the form AWS uses
//! (without the region in the host, which this server does not have).

/// Builds the URL of a queue as `CreateQueue`, `GetQueueUrl` and `ListQueues` return it.
pub fn queue_url(host: &str, account_id: &str, queue_name: &str) -> String {
    format!("http://{host}/{account_id}/{queue_name}")
}

/// Splits a queue URL (any scheme and host) or a path `/account/name` into
/// the account id and the queue name.
///
/// Returns `None` unless the path has exactly two non-empty segments; one
/// trailing slash and a query string are ignored.
pub fn parse_queue_url(url_or_path: &str) -> Option<(String, String)> {
    let path = strip_scheme_and_host(url_or_path.trim())?;
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path.strip_prefix('/').unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);

    let mut segments = path.split('/');
    let account = segments.next().filter(|s| !s.is_empty())?;
    let name = segments.next().filter(|s| !s.is_empty())?;
    if segments.next().is_some() {
        return None;
    }
    Some((account.to_owned(), name.to_owned()))
}

/// Returns the path part of an absolute URL, or the input if it is already a path.
fn strip_scheme_and_host(url: &str) -> Option<&str> {
    let Some((_scheme, rest)) = url.split_once("://") else {
        return Some(url);
    };
    // An authority with no path (`http://host`) names no queue.
    rest.find('/').map(|slash| &rest[slash..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_url_format() {
        assert_eq!(
            queue_url("localhost:9324", "000000000000", "orders"),
            "http://localhost:9324/000000000000/orders"
        );
    }

    #[test]
    fn parse_accepts_urls_and_paths() {
        let expected = Some(("123456789012".to_string(), "orders.fifo".to_string()));
        let inputs = [
            "http://localhost:9324/123456789012/orders.fifo",
            "https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo",
            "http://127.0.0.1/123456789012/orders.fifo/",
            "/123456789012/orders.fifo",
            "123456789012/orders.fifo",
            "/123456789012/orders.fifo?Action=SendMessage",
            " http://host/123456789012/orders.fifo ",
        ];
        for input in inputs {
            assert_eq!(parse_queue_url(input), expected, "{input}");
        }
    }

    #[test]
    fn parse_rejects_other_shapes() {
        let inputs = [
            "",
            "/",
            "http://host",
            "http://host/",
            "http://host/123456789012",
            "/123456789012/",
            "//orders",
            "/a/b/c",
            "http://host/a/b/c",
            "http://host//orders",
        ];
        for input in inputs {
            assert_eq!(parse_queue_url(input), None, "{input}");
        }
    }

    #[test]
    fn parse_round_trips_queue_url() {
        let url = queue_url("example.test:80", "42", "q-1_x");
        assert_eq!(parse_queue_url(&url), Some(("42".into(), "q-1_x".into())));
    }
}

//! [`Prepared`]: a request ready to go through the client's stack (a
//! typed call's, or a task handle's), and its sending.

use http::{HeaderMap, HeaderValue, Method};

use super::answer::Answer;
use super::error::{Error, Problem};
use super::Client;

/// A request ready to go through the client's stack.
pub(crate) struct Prepared {
    pub(crate) client: Client,
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Vec<u8>>,
    /// This request's own timeout (a long poll's), else the client's.
    pub(crate) timeout: Option<std::time::Duration>,
}

impl Prepared {
    /// A bodyless request of the client's (a task handle's).
    pub(crate) fn to(client: &Client, method: Method, path: &str) -> Self {
        Self {
            client: client.clone(),
            method,
            url: format!("{}{path}", client.base_url()),
            headers: HeaderMap::new(),
            body: None,
            timeout: None,
        }
    }

    /// Sends the request; a success answer comes back whole, an error
    /// status is [`Error::Status`].
    pub(crate) async fn send(mut self) -> Result<Answer, Error> {
        let inner = &self.client.0;
        // Inside a request the client's `Propagate` sends its ID (and
        // trace); outside one, the call is a request of its own.
        if crate::context::request_id().is_none() && !self.headers.contains_key(&inner.header) {
            let id = inner.generator.generate();
            self.headers
                .insert(inner.header.clone(), id.to_header_value());
        }
        let mut request = inner
            .http
            .request(self.method, self.url)
            .headers(self.headers);
        if let Some(body) = self.body {
            request = request
                .header(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )
                .body(body);
        }
        if let Some(timeout) = self.timeout.or(inner.timeout) {
            request = request.timeout(timeout);
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        if !status.is_success() {
            let problem = Problem::from_answer(status, &headers, &body, &inner.header);
            return Err(Error::Status(Box::new(problem)));
        }
        Ok(Answer::new(status, headers, body))
    }
}

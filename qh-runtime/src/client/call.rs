//! [`Call`]: the request a generated `call` builds, argument by argument
//! from the sources the server reads them from, then sends and decodes.

use std::marker::PhantomData;

use http::{HeaderMap, HeaderName, Method};
use serde_json::{Map, Value};

use super::bounds::{Decoder, HeaderArg, JsonArg, UrlArg};
use super::encode::path_segment;
use super::error::{EncodeError, Error};
use super::pending::Pending;
use super::send::Prepared;
use super::task::TaskHandle;
use super::Client;

/// One request of a typed call, as the generated code fills it in. The
/// first argument that cannot be encoded is the call's error, reported
/// when it is awaited.
///
/// `'c` is the generated `call`'s lifetime parameter: the argument bounds
/// are stated over it (see `bounds`), so the methods' bounds are met by
/// `call`'s where-clauses.
pub struct Call<'c> {
    client: Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    fields: Option<Map<String, Value>>,
    body: Option<Vec<u8>>,
    error: Option<Error>,
    lifetime: PhantomData<&'c ()>,
}

impl<'c> Call<'c> {
    /// A request to `template` (the route's path, placeholders unfilled).
    #[must_use]
    pub fn new(client: &'c Client, method: Method, template: &'static str) -> Self {
        Self {
            client: client.clone(),
            method,
            path: template.to_owned(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            fields: None,
            body: None,
            error: None,
            lifetime: PhantomData,
        }
    }

    fn fail(
        &mut self,
        name: &'static str,
        error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) {
        if self.error.is_none() {
            self.error = Some(Error::Encode(EncodeError::new(name, error.into())));
        }
    }

    /// Fills the placeholder `{name}` (or `{*name}`).
    pub fn path<T: UrlArg<'c> + ?Sized>(&mut self, name: &'static str, value: &T) {
        let text = match value.__qh_texts() {
            Ok(mut values) if values.len() == 1 => values.remove(0),
            Ok(_) => return self.fail(name, "a path value must be exactly one value"),
            Err(e) => return self.fail(name, e),
        };
        let plain = format!("{{{name}}}");
        let catch_all = format!("{{*{name}}}");
        if self.path.contains(&plain) {
            self.path = self.path.replace(&plain, &path_segment(&text, false));
        } else {
            self.path = self.path.replace(&catch_all, &path_segment(&text, true));
        }
    }

    /// Adds `name=value` (once per item of a list; none for `None`).
    pub fn query<T: UrlArg<'c> + ?Sized>(&mut self, name: &'static str, value: &T) {
        match value.__qh_texts() {
            Ok(values) => self
                .query
                .extend(values.into_iter().map(|v| (name.to_owned(), v))),
            Err(e) => self.fail(name, e),
        }
    }

    /// Adds each field of a `#[query(flatten)]` struct.
    pub fn query_flatten<T: UrlArg<'c> + ?Sized>(&mut self, name: &'static str, value: &T) {
        match value.__qh_pairs() {
            Ok(values) => self.query.extend(values),
            Err(e) => self.fail(name, e),
        }
    }

    /// Sets header `name` (lowercase), unless the value is `None` (or
    /// cannot be a header value: the server then answers as for a missing
    /// header).
    pub fn header<T: HeaderArg<'c> + ?Sized>(&mut self, name: &'static str, value: &T) {
        let Some(value) = value.__qh_header() else {
            return;
        };
        match HeaderName::from_bytes(name.as_bytes()) {
            Ok(header) => {
                self.headers.insert(header, value);
            }
            Err(e) => self.fail(name, e),
        }
    }

    /// Sets the body key `name`.
    pub fn field<T: JsonArg<'c> + ?Sized>(&mut self, name: &'static str, value: &T) {
        match value.__qh_value() {
            Ok(value) => {
                self.fields
                    .get_or_insert_with(Map::new)
                    .insert(name.to_owned(), value);
            }
            Err(e) => self.fail(name, e),
        }
    }

    /// Sets the whole body (`#[body]`).
    pub fn body<T: JsonArg<'c> + ?Sized>(&mut self, name: &'static str, value: &T) {
        match value.__qh_bytes() {
            Ok(bytes) => self.body = Some(bytes),
            Err(e) => self.fail(name, e),
        }
    }

    /// Sends the request and reads a success answer with `decode` (the
    /// return type's kind's decoder).
    pub fn answer<O: 'static>(self, decode: Decoder<O>) -> Pending<O> {
        let prepared = self.prepare();
        Pending::new(async move {
            let answer = prepared?.send().await?;
            decode(answer).map_err(Error::Decode)
        })
    }

    /// Sends a task submission (asking for the background with
    /// `?async=true` when `ask`) and returns the task's handle.
    pub fn submit<O: 'static>(mut self, ask: bool) -> Pending<TaskHandle<O>> {
        if ask {
            self.query.push(("async".to_owned(), "true".to_owned()));
        }
        let client = self.client.clone();
        let prepared = self.prepare();
        Pending::new(async move {
            let answer = prepared?.send().await?;
            TaskHandle::submitted(client, &answer).map_err(Error::Decode)
        })
    }

    fn prepare(self) -> Result<Prepared, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut url = format!("{}{}", self.client.base_url(), self.path);
        if !self.query.is_empty() {
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&self.query)
                .finish();
            url.push('?');
            url.push_str(&query);
        }
        let body = match (self.body, self.fields) {
            (Some(body), _) => Some(body),
            (None, Some(fields)) => Some(serde_json::to_vec(&fields).unwrap_or_default()),
            (None, None) => None,
        };
        Ok(Prepared {
            client: self.client,
            method: self.method,
            url,
            headers: self.headers,
            body,
            timeout: None,
        })
    }
}

//! The HTTP client the OTLP exporter sends with.
//!
//! The SDK's batch processor exports from a thread of its own, outside any
//! tokio runtime, so an async client cannot run there directly. Each export
//! is instead spawned onto the application's runtime (captured when export
//! is set up) and awaited from the processor's thread. Unlike the SDK's
//! runtime-driven processor, a flush or shutdown called from a runtime thread
//! then cannot hang forever: the SDK bounds both with timeouts.

use std::time::Duration;

use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};

#[derive(Debug)]
pub(super) struct RuntimeClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

impl RuntimeClient {
    pub(super) fn new(
        runtime: tokio::runtime::Handle,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Self { client, runtime })
    }
}

#[async_trait::async_trait]
impl HttpClient for RuntimeClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        // A stopped runtime cancels the task: the export fails instead of hanging.
        self.runtime
            .spawn(async move { client.send_bytes(request).await })
            .await?
    }
}

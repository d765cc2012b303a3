//! Every runtime path the expansions name, built from one crate root: `::qh`
//! by default, or the user's `crate = "…"`. Expansions call one method per
//! item and never spell a `__private` path themselves, so the runtime's
//! table and this file are the only two places to change when an item moves.

use proc_macro2::TokenStream;
use quote::quote;

pub struct Paths {
    private: TokenStream,
}

/// One method per runtime item: `name => path under __private`.
macro_rules! private_paths {
    ($($(#[$doc:meta])* $method:ident => $($segment:ident)::+;)*) => {
        impl Paths {
            $(
                $(#[$doc])*
                // Named after the item (`into_response`, `from_request_parts`),
                // not conversions of `self`.
                #[allow(clippy::wrong_self_convention)]
                pub fn $method(&self) -> TokenStream {
                    let private = &self.private;
                    quote!(#private $(::$segment)+)
                }
            )*
        }
    };
}

/// Paths of the standard library, spelled absolutely so a user's item of the
/// same name cannot capture them. Segments, not a `$path:path`: `quote!`
/// can only re-lex a `path` fragment from its text.
macro_rules! std_paths {
    ($($method:ident => $($segment:ident)::+;)*) => {
        impl Paths {
            $(
                pub fn $method(&self) -> TokenStream {
                    quote!($(::$segment)+)
                }
            )*
        }
    };
}

impl Paths {
    pub fn new(krate: Option<&syn::Path>) -> Self {
        let root = match krate {
            Some(path) => quote!(#path),
            None => quote!(::qh),
        };
        Self {
            private: quote!(#root::__private),
        }
    }
}

private_paths! {
    // Plumbing shared by both macros.
    option => Option;
    some => Some;
    none => None;
    result => Result;
    ok => Ok;
    err => Err;
    from_request_parts => FromRequestParts;
    into_response => IntoResponse;
    header_name => HeaderName;
    serde => serde;

    // `#[qh::endpoint]`.
    endpoint => Endpoint;
    endpoint_marker => EndpointMarker;
    handler => Handler;
    request => Request;
    response => Response;
    method => Method;
    box_future => BoxFuture;
    boxed => Box;
    ready => ready;
    ready_future => Ready;
    prepare => prepare;
    run => run;
    run_sync => run_sync;
    run_body => run_body;
    parts => Parts;
    bytes => Bytes;
    return_kind => return_kind;
    kind => Kind;
    reply => Reply;
    ok_reply => OkReply;
    error_reply => ErrorReply;
    path_params => path_params;
    rejection => rejection;
    header_param => HeaderParam;
    extract_param => ExtractParam;
    fields => Fields;
    body_field => BodyField;
    url_field => UrlField;
    body_fields => body_fields;
    query_fields => query_fields;
    query_struct => query_struct;
    repeat => Repeat;
    repeat_option => RepeatOption;
    repeat_collection => RepeatCollection;
    repeat_none => RepeatNone;
    path_fields => path_fields;
    whole_body => WholeBody;
    read_body => read_body;
    field_index => field_index;

    // `#[qh::endpoint(task)]`.
    caller_tasks => caller_tasks;
    parse_async_flag => parse_async_flag;
    refuse_invalid_key => refuse_invalid_key;
    submit_endpoint_task => submit_endpoint_task;
    task_capture => Capture;
    task_endpoint => TaskEndpoint;
    blocking_outcome => blocking_outcome;
    task_return => TaskReturn;
    task_failure => TaskFailure;

    // The typed call (feature `client` of the runtime).
    client => client;
    client_item => client_item;

    // The OpenAPI operation (feature `openapi` of the runtime).
    openapi => openapi;
    openapi_item => openapi_item;

    // `#[derive(TrackingContext)]`.
    tracking_header_map => HeaderMap;
    tracking_header_name => HeaderName;
    tracking_request_id => RequestId;
    tracking_error => Error;
    tracking_parts => Parts;
    to_header => ToHeader;
    tracking_get => context_get;
    tracking_store => Store;
    tracking_store_clone => StoreClone;
    tracking_store_nothing => StoreNothing;
    from_request_id => FromRequestId;
    id_from_headers => id_from_headers;
    id_from_parts => id_from_parts;
    tracking_id_header => id_header;
    tracking_request_error => request_error;
    tracking_register => register;
    tracking_check_header => context_header;
    tracking_peer_trusted => peer_trusted;
}

std_paths! {
    clone => core::clone::Clone;
    default => core::default::Default;
    send => core::marker::Send;
    sync => core::marker::Sync;
    unreachable => core::unreachable;
}

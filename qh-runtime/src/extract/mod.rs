//! Reading parameters out of a request: headers, the tracking ID, and the
//! fields of the JSON body, the query string and the path.

mod fields;
mod header;
mod request_id;
mod url;

pub(crate) use fields::unsupported_media_type;
pub use fields::{
    body_fields, is_json, path_fields, query_fields, whole_body, BodyField, Fields, UrlField,
    WholeBody,
};
pub use header::{header, FromHeader};
pub use request_id::FromRequestId;
pub use url::UrlError;

//! `x-python-signature`: the extension Python qh writes on each operation
//! and its client reads function names (and docstrings) from.

use serde_json::{json, Value};
use utoipa::openapi::extensions::Extensions;

/// The extension's key.
pub(crate) const KEY: &str = "x-python-signature";

/// One parameter, as Python qh's `extract_function_signature` lists it.
#[derive(Clone)]
pub(crate) struct SignatureParam {
    name: &'static str,
    ty: &'static str,
    required: bool,
    default: Option<Value>,
}

impl SignatureParam {
    pub(crate) fn new(
        name: &'static str,
        ty: &'static str,
        required: bool,
        default: Option<Value>,
    ) -> Self {
        Self {
            name,
            ty,
            required,
            default,
        }
    }
}

/// A function's signature: `name`, `module`, `parameters`, `return_type`,
/// `docstring`.
#[derive(Clone)]
pub(crate) struct Signature {
    pub(crate) name: &'static str,
    pub(crate) module: &'static str,
    pub(crate) params: Vec<SignatureParam>,
    pub(crate) return_type: &'static str,
    pub(crate) docstring: String,
}

impl Signature {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            module: "",
            params: Vec::new(),
            return_type: "()",
            docstring: String::new(),
        }
    }

    pub(crate) fn param(&mut self, param: SignatureParam) {
        self.params.push(param);
    }

    pub(crate) fn to_json(&self) -> Value {
        let params: Vec<Value> = self
            .params
            .iter()
            .map(|p| {
                let mut v = json!({"name": p.name, "type": p.ty, "required": p.required});
                if let (Some(default), Some(map)) = (&p.default, v.as_object_mut()) {
                    map.insert("default".to_owned(), default.clone());
                }
                v
            })
            .collect();
        json!({
            "name": self.name,
            "module": self.module,
            "parameters": params,
            "return_type": self.return_type,
            "docstring": self.docstring,
        })
    }

    pub(crate) fn extension(&self) -> Extensions {
        [(KEY, self.to_json())].into_iter().collect()
    }
}

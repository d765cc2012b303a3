//! What the scripts answer, as Rust values: the records they return, the
//! outcome of a submission (`CREATE`) and the refusal of a late one.

use super::events::RawRecord;

/// Why a submission Redis ran too late was refused (the caller had given
/// up on it already: answered 503).
#[derive(Debug)]
pub(super) struct Late;

impl std::fmt::Display for Late {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redis ran the submission after its deadline; nothing was stored")
    }
}

impl std::error::Error for Late {}

/// Records as scripts return them: `{id, fields}` pairs.
pub(super) type Records = Vec<(String, RawRecord)>;

/// What `CREATE` answers.
pub(super) enum CreateReply {
    Created,
    Existing(String, RawRecord),
    Reused,
    Quota(String),
    Late,
}

impl redis::FromRedisValue for CreateReply {
    fn from_redis_value(v: &redis::Value) -> redis::RedisResult<Self> {
        let items: Vec<redis::Value> = redis::from_redis_value(v)?;
        let kind: String = items
            .first()
            .map(redis::from_redis_value)
            .transpose()?
            .unwrap_or_default();
        let at = |i: usize| items.get(i).cloned().unwrap_or(redis::Value::Nil);
        Ok(match kind.as_str() {
            "created" => Self::Created,
            "existing" => Self::Existing(
                redis::from_redis_value(&at(1))?,
                redis::from_redis_value(&at(2))?,
            ),
            "reused" => Self::Reused,
            "quota" => Self::Quota(redis::from_redis_value(&at(1))?),
            _ => Self::Late,
        })
    }
}

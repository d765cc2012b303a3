//! The `/tasks` routes: their handlers (`routes`), their query parameters
//! (`query`), how they answer (`answers`), long-polls (`waiting`), refusals
//! logged at a bounded rate (`refusals`), how they are mounted so that
//! mounting them twice is harmless (`mounting`), and the one table the
//! router and the OpenAPI document both read (`table`).

pub(crate) mod answers;
pub(crate) mod mounting;
pub(crate) mod query;
pub(crate) mod refusals;
pub(crate) mod routes;
pub(crate) mod table;
pub(crate) mod waiting;

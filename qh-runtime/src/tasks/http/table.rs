//! The `/tasks` routes, listed once: their paths, methods, names, query
//! parameters and answers. The router ([`router`](super::routes::router))
//! mounts them from this table, and the OpenAPI document describes them
//! from it (`crate::openapi`), so the two cannot drift apart.

use http::Method;

/// What serves a route (the handlers are in `routes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Serve {
    Status,
    Result,
    Record,
    Delete,
    List,
}

/// A parameter a route reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Param {
    /// `{task_id}` in the path.
    TaskId,
    /// `?wait=`.
    Wait,
    /// `?timeout=` (seconds).
    Timeout,
    /// `?limit=`.
    Limit,
    /// `?request_id=`.
    RequestId,
}

/// What a route answers with a status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `{task_id, status, created_at, started_at, completed_at, attempt, max_attempts}`.
    Status,
    /// `{task_id, status: "completed", result}`.
    Done,
    /// `{task_id, status, message}`.
    NotYet,
    /// The whole record.
    Record,
    /// `{task_id, status: "deleted"}`.
    Deleted,
    /// `{"tasks": [record, …]}`.
    List,
    /// A problem document.
    Problem,
}

/// One `/tasks` route.
// Without the feature `openapi` only the router reads the table.
#[cfg_attr(not(feature = "openapi"), allow(dead_code))]
pub(crate) struct TaskRoute {
    pub(crate) path: &'static str,
    /// Other paths serving the same (not documented).
    pub(crate) aliases: &'static [&'static str],
    pub(crate) method: Method,
    /// Its `operationId` (and Python qh's name for it).
    pub(crate) name: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) serve: Serve,
    pub(crate) params: &'static [Param],
    /// Its answers besides the `400` (a bad ID or query) and `503` (the
    /// store) every route has.
    pub(crate) answers: &'static [(u16, &'static str, Shape)],
}

const NOT_FOUND: (u16, &str, Shape) = (404, "No such task (or not the caller's)", Shape::Problem);

/// The routes, in the order the document lists them.
pub(crate) const ROUTES: &[TaskRoute] = &[
    TaskRoute {
        path: "/tasks/{task_id}/status",
        aliases: &[],
        method: Method::GET,
        name: "task_status",
        summary: "A task's status",
        serve: Serve::Status,
        params: &[Param::TaskId],
        answers: &[(200, "The task's status", Shape::Status), NOT_FOUND],
    },
    TaskRoute {
        path: "/tasks/{task_id}/result",
        aliases: &[],
        method: Method::GET,
        name: "task_result",
        summary: "A task's result, optionally waiting for it",
        serve: Serve::Result,
        params: &[Param::TaskId, Param::Wait, Param::Timeout],
        answers: &[
            (200, "Completed: the result", Shape::Done),
            (
                202,
                "Not finished yet (also when a wait ends first): ask again",
                Shape::NotYet,
            ),
            NOT_FOUND,
            (409, "The task was cancelled", Shape::Problem),
            (
                429,
                "The caller has too many waits (its quota); `Retry-After` says when to retry",
                Shape::Problem,
            ),
            (500, "The task failed", Shape::Problem),
        ],
    },
    TaskRoute {
        path: "/tasks/{task_id}",
        aliases: &[],
        method: Method::GET,
        name: "get_task",
        summary: "A task's whole record",
        serve: Serve::Record,
        params: &[Param::TaskId],
        answers: &[(200, "The record", Shape::Record), NOT_FOUND],
    },
    TaskRoute {
        path: "/tasks/{task_id}",
        aliases: &[],
        method: Method::DELETE,
        name: "delete_task",
        summary: "Cancels a task if running, and removes it",
        serve: Serve::Delete,
        params: &[Param::TaskId],
        answers: &[(200, "Deleted", Shape::Deleted), NOT_FOUND],
    },
    TaskRoute {
        path: "/tasks/",
        aliases: &["/tasks"],
        method: Method::GET,
        name: "list_tasks",
        summary: "The tasks, newest first (when listing is on)",
        serve: Serve::List,
        params: &[Param::Limit, Param::RequestId],
        answers: &[
            (200, "The tasks", Shape::List),
            (404, "Listing is off", Shape::Problem),
        ],
    },
];

/// Every path served (documented ones and aliases), each with its routes.
pub(crate) fn paths() -> Vec<(&'static str, Vec<&'static TaskRoute>)> {
    let mut paths: Vec<(&'static str, Vec<&'static TaskRoute>)> = Vec::new();
    for route in ROUTES {
        for path in std::iter::once(route.path).chain(route.aliases.iter().copied()) {
            match paths.iter_mut().find(|(p, _)| *p == path) {
                Some((_, routes)) => routes.push(route),
                None => paths.push((path, vec![route])),
            }
        }
    }
    paths
}

/// The `Allow` value of `routes` (one path's): `GET` brings `HEAD`, as
/// axum serves it.
pub(crate) fn allow(routes: &[&TaskRoute]) -> String {
    let mut methods: Vec<&str> = Vec::new();
    for route in routes {
        methods.push(route.method.as_str());
        if route.method == Method::GET {
            methods.push("HEAD");
        }
    }
    methods.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_served_once_per_method() {
        let paths = paths();
        let listed: Vec<(&str, String)> = paths.iter().map(|(p, r)| (*p, allow(r))).collect();
        assert_eq!(
            listed,
            [
                ("/tasks/{task_id}/status", "GET,HEAD".to_owned()),
                ("/tasks/{task_id}/result", "GET,HEAD".to_owned()),
                ("/tasks/{task_id}", "GET,HEAD,DELETE".to_owned()),
                ("/tasks/", "GET,HEAD".to_owned()),
                ("/tasks", "GET,HEAD".to_owned()),
            ]
        );
    }
}

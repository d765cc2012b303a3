//! The context store: scopes, values, and what spawned work keeps.

use super::*;

#[tokio::test]
async fn values_live_as_long_as_the_scope() {
    assert!(!insert(5u8));
    Context::new(RequestId::from_static("a"))
        .scope(async {
            assert!(insert(5u8));
            tokio::task::yield_now().await;
            assert_eq!(get::<u8>(), Some(5));
            assert_eq!(get::<u16>(), None);
        })
        .await;
    assert_eq!(get::<u8>(), None);
    assert!(!is_set());
}

#[test]
fn sync_scope_sets_the_id() {
    let seen = Context::new(RequestId::from_static("s")).sync_scope(request_id);
    assert_eq!(seen.unwrap(), "s");
    assert_eq!(request_id(), None);
}

#[test]
fn within_keeps_what_was_stored() {
    let ctx = Context::new(RequestId::from_static("e"));
    within(&ctx, || assert!(insert(7u32)));
    assert_eq!(get::<u32>(), None);
    assert_eq!(ctx.sync_scope(get::<u32>), Some(7));
}

#[test]
fn nested_scopes_restore_the_outer_one() {
    let outer = Context::new(RequestId::from_static("outer"));
    outer.sync_scope(|| {
        Context::new(RequestId::from_static("inner"))
            .sync_scope(|| assert_eq!(request_id().unwrap(), "inner"));
        assert_eq!(request_id().unwrap(), "outer");
    });
    assert_eq!(request_id(), None);
}

#[test]
fn a_panic_inside_restores_the_outer_context() {
    let caught = std::panic::catch_unwind(|| {
        Context::new(RequestId::from_static("p")).sync_scope(|| panic!("boom"))
    });
    assert!(caught.is_err());
    assert!(!is_set());
}

/// Code reading the current context can enter another one (a stored
/// value's `Drop` that runs a job in a context of its own): the store lends
/// the context, it does not hold it borrowed.
#[test]
fn a_context_can_be_entered_while_one_is_read() {
    let outer = Context::new(RequestId::from_static("outer"));
    let seen = outer.sync_scope(|| {
        with_current(|_| Context::new(RequestId::from_static("inner")).sync_scope(request_id))
    });
    assert_eq!(seen.flatten().unwrap(), "inner");
    assert!(!is_set());
}

/// Whether the current context's value map is empty (a trace has a slot
/// of its own).
fn values_empty() -> bool {
    with_current(|c| {
        c.rare
            .borrow()
            .as_ref()
            .is_none_or(|rare| rare.values.is_empty())
    })
    .unwrap()
}

#[tokio::test]
async fn the_trace_slot_answers_insert_get_start_and_copies() {
    use crate::trace_context::TraceContext;

    Context::new(RequestId::from_static("t"))
        .scope(async {
            assert_eq!(get::<TraceContext>(), None);
            // Started on first need, then kept: `get` sees that one.
            let started = TraceContext::current_or_start().unwrap();
            assert_eq!(get::<TraceContext>(), Some(started.clone()));
            #[cfg(feature = "logs")]
            assert_eq!(line_trace_ids(), Some(started.ids()));
            // A context holding only its trace: copies and spawned work
            // carry it.
            assert!(values_empty());
            let spawned = crate::spawn(async { get::<TraceContext>() }).await.unwrap();
            assert_eq!(spawned, Some(started.clone()));
            let copy = Context::current().unwrap();
            assert_eq!(copy.sync_scope(TraceContext::current), Some(started));
            // `insert` replaces it, as it does any value of its type,
            // and leaves the other values alone.
            assert!(insert(9u8));
            let mine = TraceContext::new_root();
            assert!(insert(mine.clone()));
            assert_eq!(TraceContext::current_or_start(), Some(mine.clone()));
            #[cfg(feature = "logs")]
            assert_eq!(line_ids().map(|ids| ids.trace), Some(mine.ids()));
            assert_eq!(get::<u8>(), Some(9));
            assert!(!values_empty());
            let spawned = crate::spawn(async { get::<TraceContext>() }).await.unwrap();
            assert_eq!(spawned, Some(mine));
        })
        .await;
    assert_eq!(TraceContext::current_or_start(), None);
}

#[test]
fn an_incoming_trace_goes_to_its_slot_and_survives_a_copy() {
    use crate::trace_context::TraceContext;

    let tc = TraceContext::new_root();
    let resolved = Resolved::new(RequestId::from_static("in"), DEFAULT_HEADER, None);
    let ctx = Context::opened(resolved, None, Some(tc.clone()));
    let copy = ctx.clone();
    for ctx in [ctx, copy] {
        ctx.sync_scope(|| {
            assert!(values_empty());
            assert_eq!(TraceContext::current(), Some(tc.clone()));
        });
    }
}

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
    let mut slot = Some(Context::new(RequestId::from_static("e")));
    within(&mut slot, || assert!(insert(7u32)));
    assert_eq!(get::<u32>(), None);
    assert_eq!(slot.unwrap().sync_scope(get::<u32>), Some(7));
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

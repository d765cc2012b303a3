//! Unit tests of `MemoryTaskStore`: its bounds and its listing order.

use super::MemoryTaskStore;
use crate::tasks::{ListFilter, TaskRecord, TaskStore, Transition};

async fn finish(store: &MemoryTaskStore, id: &str) {
    store
        .create(TaskRecord::pending(id, None, "f"))
        .await
        .unwrap();
    store.transition(id, Transition::Start).await.unwrap();
    store
        .transition(id, Transition::Complete(serde_json::json!(1)))
        .await
        .unwrap();
}

#[tokio::test]
async fn submitting_and_deleting_keeps_the_queue_bounded() {
    let store = MemoryTaskStore::new();
    for i in 0..5_000 {
        let id = format!("t-{i}");
        finish(&store, &id).await;
        assert!(store.delete(&id).await.unwrap());
    }
    let inner = store.lock();
    assert!(inner.records.is_empty());
    assert!(inner.finished.len() <= 65, "{}", inner.finished.len());
}

#[tokio::test]
async fn list_gives_the_newest_first_up_to_the_limit() {
    let store = MemoryTaskStore::new();
    for i in 0..50 {
        finish(&store, &format!("t-{i:02}")).await;
        // Distinct creation times, newest last.
        store
            .lock()
            .records
            .get_mut(&format!("t-{i:02}"))
            .unwrap()
            .record
            .created_at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(i);
    }
    let filter = ListFilter::new(3);
    let ids: Vec<String> = store
        .list(&filter)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.task_id)
        .collect();
    assert_eq!(ids, ["t-49", "t-48", "t-47"]);
}

//! The [`LeaseStore`] port's behaviour: exclusive,
//! renewable leases that expire.
//!
//! [`LeaseStore`]: rowcol_core::LeaseStore

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

/// Leases are exclusive renewable and expire.
pub async fn leases_are_exclusive_renewable_and_expire(store: Arc<dyn LeaseStore>) {
    let store = store;
    let ttl = std::time::Duration::from_secs(60);
    assert!(store.try_acquire("sync:acme:qbo", "worker-a", ttl).await.unwrap());
    assert!(
        !store.try_acquire("sync:acme:qbo", "worker-b", ttl).await.unwrap(),
        "held by a"
    );
    assert!(
        store.try_acquire("sync:acme:qbo", "worker-a", ttl).await.unwrap(),
        "a renews"
    );
    assert!(
        store.try_acquire("sync:other:qbo", "worker-b", ttl).await.unwrap(),
        "names are independent"
    );

    store.release("sync:acme:qbo", "worker-b").await.unwrap();
    assert!(
        !store.try_acquire("sync:acme:qbo", "worker-b", ttl).await.unwrap(),
        "b cannot release a's lease"
    );
    store.release("sync:acme:qbo", "worker-a").await.unwrap();
    assert!(
        store.try_acquire("sync:acme:qbo", "worker-b", ttl).await.unwrap(),
        "free after release"
    );

    let short = std::time::Duration::from_millis(30);
    assert!(store.try_acquire("refresh:acme:qbo", "worker-a", short).await.unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(80)).await;
    assert!(
        store.try_acquire("refresh:acme:qbo", "worker-b", ttl).await.unwrap(),
        "an expired lease is taken over"
    );

    let mut racers = tokio::task::JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        racers.spawn(async move { store.try_acquire("race", &format!("worker-{i}"), ttl).await.unwrap() });
    }
    let won = racers.join_all().await;
    assert_eq!(
        won.iter().filter(|w| **w).count(),
        1,
        "exactly one of eight racers wins: {won:?}"
    );
}

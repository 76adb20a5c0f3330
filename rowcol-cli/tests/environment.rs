//! Issue 19: the configured QBO app is used against a look-alike too, so a
//! wrong client id or secret is refused (`invalid_client`) instead of being
//! silently replaced, and the refusal never marks the connection.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{World, text};
use rowcol_core::ConnectionStatus;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_is_refused_by_the_look_alike_and_marks_nothing() {
    let world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    world.connect("acme", &realm).await;
    // The next call must refresh, so the app's credentials are checked.
    world.sim.admin().expire_access_tokens(&realm);

    let wrong = world.run(
        &["sync"],
        &[
            ("ROWCOL_QBO_CLIENT_ID", "sim-client-id"),
            ("ROWCOL_QBO_CLIENT_SECRET", "not-the-secret"),
        ],
    );
    assert!(!wrong.status.success(), "{}", text(&wrong));
    assert!(text(&wrong).contains("invalid_client"), "{}", text(&wrong));
    assert!(!text(&wrong).contains("not-the-secret"), "{}", text(&wrong));
    let mirror = world.mirror().await;
    let connections = mirror.connections().await.unwrap();
    assert!(
        connections.iter().all(|c| c.status != ConnectionStatus::NeedsReauth),
        "{connections:?}"
    );

    // The right app (here the look-alike's default) syncs with the same tokens.
    let right = world.run(&["sync"], &[]);
    assert!(right.status.success(), "{}", text(&right));
}

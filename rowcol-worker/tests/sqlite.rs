//! The behaviour suite on apalis' SQLite backend (and the SQLite mirror).

mod behaviour;
mod common;

macro_rules! sqlite_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                behaviour::$name(common::Backend::Sqlite).await;
            }
        )*
    };
}

for_each_behaviour!(sqlite_tests);

/// The queue file holds client ids and change notices: a new one is private
/// to its owner whatever the umask (issue 19).
#[tokio::test]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
async fn a_new_queue_file_and_its_wal_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.db");
    let _queue = rowcol_worker::JobQueue::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}: {mode:o}", path.display());
    for suffix in ["-wal", "-shm"] {
        let side = dir.path().join(format!("queue.db{suffix}"));
        if let Ok(meta) = std::fs::metadata(&side) {
            let mode = meta.permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}: {mode:o}", side.display());
        }
    }
}

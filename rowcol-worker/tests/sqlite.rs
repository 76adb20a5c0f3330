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

//! The behaviour suite on apalis' PostgreSQL backend (and the PostgreSQL
//! mirror), each test in a fresh database on the server at `DATABASE_URL`.
//! Without a reachable server these tests fail; they never skip.

mod behaviour;
mod common;

macro_rules! postgres_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                behaviour::$name(common::Backend::Postgres).await;
            }
        )*
    };
}

for_each_behaviour!(postgres_tests);

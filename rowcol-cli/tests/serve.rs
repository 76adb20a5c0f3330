//! `rowcol serve` under hostile clients and stop signals (issue 19): slow
//! sockets are cut off, `/metrics` answers only on its own listener, forged
//! webhooks do not flood the log, and SIGTERM stops gracefully.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{VERIFIER, World, eventually, free_port, interrupt, text};
use rowcol_core::ClientId;
use rowcol_core::sync::RunStatus;
use rowcol_qbo_sim::FaultConfig;
use rowcol_qbo_sim::webhooks::sign;
use rowcol_worker::{JobQueue, JobState};

/// Starts `serve` with `flags`, its stderr in `log`, and waits for `/healthz`.
async fn serve(world: &World, flags: &[&str], log: &std::path::Path) -> (Child, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut args = vec!["serve"];
    args.extend_from_slice(flags);
    let child = world
        .command(&args, &[("ROWCOL_LISTEN", listen.as_str())])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let healthz = format!("http://{listen}/healthz");
    eventually(Duration::from_secs(60), "serve to answer", || {
        let request = reqwest::get(healthz.clone());
        async move { request.await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    (child, listen)
}

/// Reads from `stream` until the server closes it; answers what it sent and
/// how long that took. Fails if the server holds it past `limit`.
fn read_until_closed(mut stream: TcpStream, limit: Duration) -> (String, Duration) {
    let start = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server held the connection past {limit:?}: {e}"),
        }
    }
    (String::from_utf8_lossy(&answer).into_owned(), start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_and_slow_bodies_are_cut_off_within_the_configured_timeouts() {
    let world = World::start(1).await;
    let log = world.dir.path().join("serve.log");
    let (child, listen) = serve(&world, &["--header-timeout", "1", "--request-timeout", "2"], &log).await;

    // Half a request head, then silence (slowloris).
    let mut slow = TcpStream::connect(&listen).unwrap();
    slow.write_all(b"POST /webhooks/qbo HTTP/1.1\r\nHost: rowcol\r\nX-Slow: ")
        .unwrap();
    let (_, took) = read_until_closed(slow, Duration::from_secs(5));
    assert!(took < Duration::from_secs(4), "a partial head was held {took:?}");

    // A connection that never sends a byte is closed as well.
    let idle = TcpStream::connect(&listen).unwrap();
    let (_, took) = read_until_closed(idle, Duration::from_secs(5));
    assert!(took < Duration::from_secs(4), "an idle connection was held {took:?}");

    // A whole head, then a body that trickles: 408 and the connection closes.
    let mut trickle = TcpStream::connect(&listen).unwrap();
    trickle
        .write_all(b"POST /webhooks/qbo HTTP/1.1\r\nHost: rowcol\r\nContent-Length: 1000\r\n\r\n{\"event")
        .unwrap();
    let (answer, took) = read_until_closed(trickle, Duration::from_secs(8));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(5), "a trickling body was held {took:?}");

    let out = interrupt(child).await;
    assert!(out.status.success(), "{}", std::fs::read_to_string(&log).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_only_on_their_own_listener_and_refusals_do_not_flood_the_log() {
    let world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    world.connect("acme", &realm).await;
    let log = world.dir.path().join("serve.log");
    let (child, listen) = serve(&world, &[], &log).await;
    let http = reqwest::Client::new();

    let public = http.get(format!("http://{listen}/metrics")).send().await.unwrap();
    assert_eq!(public.status(), reqwest::StatusCode::NOT_FOUND);
    let metrics_at = format!("http://{}/metrics", world.env["ROWCOL_METRICS_LISTEN"]);
    let private = http.get(&metrics_at).send().await.unwrap();
    assert!(private.status().is_success(), "{}", private.status());
    assert!(private.text().await.unwrap().contains("acme"));

    for _ in 0..50 {
        let forged = http
            .post(format!("http://{listen}/webhooks/qbo"))
            .header("intuit-signature", "Zm9yZ2Vk")
            .body(r#"{"eventNotifications":[]}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), reqwest::StatusCode::UNAUTHORIZED);
    }
    let out = interrupt(child).await;
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(out.status.success(), "{said}");
    let lines = said.lines().filter(|line| line.contains("webhook refused")).count();
    assert_eq!(lines, 1, "fifty refusals within seconds write one line:\n{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_sync_in_flight_finish_and_leaves_nothing_running() {
    let world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    world.connect("acme", &realm).await;
    // Slow answers so that the webhook's sync is still running at SIGTERM.
    world.sim.admin().set_faults(
        &realm,
        FaultConfig {
            latency: Duration::from_millis(400),
            ..FaultConfig::none()
        },
    );
    let log = world.dir.path().join("serve.log");
    // The first minute tick also queues the client's daily reconciliation,
    // which at 400 ms a call may be the sync in flight at SIGTERM and take
    // longer than the default 30 s grace: give it room, so the test checks
    // that what is in flight finishes, whichever job it is.
    let (child, listen) = serve(&world, &["--grace", "120"], &log).await;
    let body = format!(r#"{{"eventNotifications":[{{"realmId":"{realm}","dataChangeEvent":{{"entities":[]}}}}]}}"#);
    let delivered = reqwest::Client::new()
        .post(format!("http://{listen}/webhooks/qbo"))
        .header("intuit-signature", sign(body.as_bytes(), VERIFIER))
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(delivered.status().is_success());
    let mirror = world.mirror().await;
    let client: ClientId = "acme".parse().unwrap();
    eventually(Duration::from_secs(60), "the webhook's sync to start", || {
        let runs = mirror.runs(&client, 10);
        async move { runs.await.unwrap().iter().any(|r| r.status == RunStatus::Running) }
    })
    .await;

    let stopping = Instant::now();
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let said = format!("{}{}", text(&out), std::fs::read_to_string(&log).unwrap());
    assert!(
        out.status.success(),
        "SIGTERM is a clean stop: {:?}\n{said}",
        out.status
    );
    assert!(
        stopping.elapsed() < Duration::from_secs(120),
        "took {:?} to stop",
        stopping.elapsed()
    );

    let runs = mirror.runs(&client, 10).await.unwrap();
    assert!(
        runs.iter().all(|r| r.status != RunStatus::Running),
        "a run is left running: {runs:?}"
    );
    assert!(
        runs.iter().any(|r| r.status == RunStatus::Succeeded),
        "the sync in flight finished: {runs:?}"
    );
    assert!(
        mirror
            .try_acquire("sync:acme:qbo", "the-test", Duration::from_secs(5))
            .await
            .unwrap(),
        "the sync lease was released"
    );
    let queue = JobQueue::connect(&world.env["ROWCOL_QUEUE_URL"]).await.unwrap();
    let running = queue.jobs(JobState::Running).await.unwrap();
    assert!(running.is_empty(), "jobs left running: {running:?}");
}

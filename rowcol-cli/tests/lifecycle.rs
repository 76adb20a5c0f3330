//! The `rowcol` binary's life with a company, against the QBO look-alike
//! over real HTTP: `connect` (consent, redirect, code exchange), `sync`,
//! `serve` (health, metrics, signed webhooks reaching the mirror), and the
//! errors of bad credentials and bad signatures.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod common;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use common::{KEY, OTHER_KEY, VERIFIER, World, eventually, free_port, interrupt, text};
use rowcol_core::entity::EntityKind;
use rowcol_core::sync::SyncTrigger;
use rowcol_core::{ClientId, Rail};
use rowcol_mirror::Mirror;
use rowcol_qbo_sim::{FaultConfig, Kind, WebhookConfig};
use secrecy::ExposeSecret;

/// The mirror's live bills of `client` equal the look-alike's (ids and
/// versions).
async fn bills_match(world: &World, mirror: &dyn Mirror, client: &str, realm: &str) -> bool {
    let truth = world.sim.admin().ground_truth(realm).unwrap();
    let source: BTreeMap<String, String> = truth.kinds.get("Bill").map(|k| k.live.clone()).unwrap_or_default();
    let mirrored: BTreeMap<String, String> = mirror
        .live_versions(&client.parse::<ClientId>().unwrap(), Rail::Qbo, EntityKind::Bill)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, version)| (id.as_str().to_owned(), version.as_str().to_owned()))
        .collect();
    !source.is_empty() && source == mirrored
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_sync_and_serve_keep_the_mirror_equal_to_the_source() {
    let world = World::start(2).await;
    let realms = world.sim.admin().realm_ids();
    let clients = ["acme", "globex"];
    for (client, realm) in clients.iter().zip(&realms) {
        world.connect(client, realm).await;
    }

    // `sync`: both companies, first full sync, mirror equals source.
    let synced = world.run(&["sync"], &[]);
    assert!(synced.status.success(), "{}", text(&synced));
    assert_eq!(
        String::from_utf8_lossy(&synced.stdout).matches("synced").count(),
        2,
        "{}",
        text(&synced)
    );
    let mirror = world.mirror().await;
    for (client, realm) in clients.iter().zip(&realms) {
        assert!(
            bills_match(&world, mirror.as_ref(), client, realm).await,
            "{client} differs after sync"
        );
    }
    let digest = world.run(&["digest", "--format", "json"], &[]);
    assert!(digest.status.success(), "{}", text(&digest));
    let json: serde_json::Value = serde_json::from_slice(&digest.stdout).unwrap();
    assert_eq!(json["clients"].as_array().unwrap().len(), 2, "{json}");

    // `serve`: health and metrics answer; a forged webhook is refused; the
    // look-alike's signed webhook brings a changed bill into the mirror
    // without waiting for the schedule.
    let listen = format!("127.0.0.1:{}", free_port());
    let serve = world
        .command(&["serve"], &[("ROWCOL_LISTEN", listen.as_str())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://{listen}");
    eventually(Duration::from_secs(60), "serve to answer /healthz", || {
        let request = http.get(format!("{base}/healthz")).send();
        async move { request.await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    let metrics_at = format!("http://{}/metrics", world.env["ROWCOL_METRICS_LISTEN"]);
    let metrics = http.get(metrics_at).send().await.unwrap();
    assert!(metrics.status().is_success());
    let metrics = metrics.text().await.unwrap();
    assert!(metrics.contains("acme") && metrics.contains("globex"), "{metrics}");

    let forged = http
        .post(format!("{base}/webhooks/qbo"))
        .header("intuit-signature", "bm90IGEgc2lnbmF0dXJl")
        .body(r#"{"eventNotifications":[]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), reqwest::StatusCode::UNAUTHORIZED);

    let admin = world.sim.admin();
    admin.set_webhook(Some(WebhookConfig {
        url: format!("{base}/webhooks/qbo"),
        verifier_token: VERIFIER.to_owned(),
        ..WebhookConfig::default()
    }));
    let realm = &realms[0];
    let bill: u64 = admin.ground_truth(realm).unwrap().kinds["Bill"]
        .live
        .keys()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    admin
        .update(
            realm,
            Kind::Bill,
            bill,
            &serde_json::json!({ "PrivateNote": "changed by the lifecycle test" }),
        )
        .unwrap();
    eventually(Duration::from_secs(60), "the webhook's change in the mirror", || {
        bills_match(&world, mirror.as_ref(), "acme", realm)
    })
    .await;
    let runs = mirror.runs(&"acme".parse().unwrap(), 1).await.unwrap();
    assert_eq!(runs[0].trigger, SyncTrigger::Webhook, "{runs:?}");
    assert!(admin.webhook_stats().delivered >= 1, "{:?}", admin.webhook_stats());

    let stopped = interrupt(serve).await;
    assert!(
        stopped.status.success(),
        "serve did not stop cleanly on Ctrl-C: {}",
        text(&stopped)
    );

    // Bad credentials: another key cannot unseal the stored tokens.
    let wrong_key = world.run(&["sync"], &[("ROWCOL_CREDENTIAL_KEY", OTHER_KEY)]);
    assert_eq!(wrong_key.status.code(), Some(3), "{}", text(&wrong_key));
    let said = text(&wrong_key);
    assert!(said.contains("key"), "{said}");
    assert!(!said.contains(OTHER_KEY) && !said.contains(KEY), "a key leaked: {said}");
}

/// The sealed tokens of `client`, as text.
async fn tokens(mirror: &dyn Mirror, client: &str) -> [String; 2] {
    let stored = mirror
        .load_credentials(&client.parse().unwrap(), Rail::Qbo)
        .await
        .unwrap()
        .unwrap();
    let stored = stored.oauth().expect("QBO credentials are OAuth tokens");
    [
        stored.access_token.expose_secret().to_owned(),
        stored.refresh_token.expose_secret().to_owned(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_logs_or_error_text_even_under_faults() {
    let world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    world.connect("acme", &realm).await;
    let mirror = world.mirror().await;
    let before = tokens(mirror.as_ref(), "acme").await;

    // The access token is dead, so the sync must refresh; answers fail,
    // drop and come back malformed along the way.
    let admin = world.sim.admin();
    admin.expire_access_tokens(&realm);
    admin.set_faults(
        &realm,
        FaultConfig {
            seed: 7,
            error_500: 0.2,
            drop_connection: 0.1,
            malformed_json: 0.1,
            ..FaultConfig::default()
        },
    );
    let trace = [("RUST_LOG", "trace")];
    let synced = world.run(&["sync"], &trace);
    assert!(matches!(synced.status.code(), Some(0 | 6)), "{}", text(&synced));
    let after = tokens(mirror.as_ref(), "acme").await;
    assert_ne!(before, after, "the sync did not refresh the tokens");
    admin.clear_faults(&realm);

    // serve, with a forged and a genuine webhook, also at trace level.
    let listen = format!("127.0.0.1:{}", free_port());
    // Logs go to a file: a pipe nobody reads could fill and stall serve.
    let log = world.dir.path().join("serve.log");
    let serve = world
        .command(&["serve"], &[("ROWCOL_LISTEN", listen.as_str()), ("RUST_LOG", "trace")])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let hook = format!("http://{listen}/webhooks/qbo");
    eventually(Duration::from_secs(60), "serve to listen", || {
        let request = http.get(format!("http://{listen}/healthz")).send();
        async move { request.await.is_ok() }
    })
    .await;
    let body = format!(r#"{{"eventNotifications":[{{"realmId":"{realm}","dataChangeEvent":{{"entities":[]}}}}]}}"#);
    for signature in [
        rowcol_qbo_sim::webhooks::sign(body.as_bytes(), VERIFIER),
        "Zm9yZ2Vk".to_owned(),
    ] {
        http.post(&hook)
            .header("intuit-signature", signature)
            .body(body.clone())
            .send()
            .await
            .unwrap();
    }
    assert!(interrupt(serve).await.status.success());
    let served = std::fs::read_to_string(&log).unwrap();

    let everything = format!("{}{served}", text(&synced));
    assert!(
        everything.contains(&realm),
        "the trace logs were not captured:\n{everything}"
    );
    let secrets = before
        .iter()
        .chain(&after)
        .map(String::as_str)
        .chain(["sim-client-secret", VERIFIER, KEY]);
    for secret in secrets {
        assert!(!everything.contains(secret), "a secret leaked into the output");
    }
}

/// The page `rowcol connect` shows the browser tells the truth: a forged
/// state is 403, refused consent and a code QBO will not exchange are 400,
/// none says "connected", and the command exits 2 or 3 with nothing stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connect_page_says_what_failed_for_forged_denied_and_bogus_redirects() {
    let world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    for (case, status, says, exit) in [
        ("forged", 403, "state does not match", 2),
        ("denied", 400, "QBO refused the connection: access_denied", 2),
        ("bogus", 400, "RowCol could not link the company", 3),
    ] {
        let listen = format!("127.0.0.1:{}", free_port());
        let redirect = format!("http://{listen}/callback");
        let mut child = world
            .command(
                &["connect", "--client", "acme", "--name", "Acme", "--listen", &listen],
                &[("ROWCOL_QBO_REDIRECT_URI", redirect.as_str())],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (consent, rest) = common::consent_url(&mut child);
        let state = consent
            .split(['?', '&'])
            .find_map(|pair| pair.strip_prefix("state="))
            .unwrap()
            .to_owned();
        let query = match case {
            "forged" => format!("state=rowcol-forged&code=abc&realmId={realm}"),
            "denied" => format!("state={state}&error=access_denied"),
            _ => format!("state={state}&code=bogus-code&realmId={realm}"),
        };
        let answer = reqwest::get(format!("{redirect}?{query}")).await.unwrap();
        let got = answer.status().as_u16();
        let page = answer.text().await.unwrap();
        assert_eq!(got, status, "{case}: {page}");
        assert!(page.contains(says), "{case}: {page}");
        assert!(!page.contains("connected"), "{case}: {page}");
        let out = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        let said = format!("{}{}", rest.join().unwrap(), text(&out));
        assert_eq!(out.status.code(), Some(exit), "{case}: {said}");
        assert!(!said.contains("connected acme"), "{case}: {said}");
    }
    let mirror = world.mirror().await;
    let clients = mirror.portfolio(&"jane-cfo".parse().unwrap()).await.unwrap();
    assert!(
        clients.iter().all(|c| c.connections.is_empty()),
        "a failed connect stored a connection: {clients:?}"
    );
}

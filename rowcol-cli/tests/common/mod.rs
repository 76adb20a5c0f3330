//! What the binary's end-to-end tests share: a scratch directory, the QBO
//! look-alike, and the environment that points `rowcol` at both.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses part of it; test code

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rowcol_mirror::{CredentialKey, Mirror};
use rowcol_qbo_sim::{PortfolioSpec, SimConfig, SimServer, Size};

pub const KEY: &str = "1111111111111111111111111111111111111111111111111111111111111111";
pub const OTHER_KEY: &str = "2222222222222222222222222222222222222222222222222222222222222222";
pub const VERIFIER: &str = "lifecycle-verifier-token";

/// A scratch directory, the look-alike, and the environment that points the
/// binary at both.
pub struct World {
    pub dir: tempfile::TempDir,
    pub sim: SimServer,
    pub env: BTreeMap<&'static str, String>,
}

impl World {
    pub async fn start(realms: usize) -> World {
        let sim = rowcol_qbo_sim::start(SimConfig {
            portfolio: PortfolioSpec {
                realms,
                size: Size::Small,
                ..PortfolioSpec::default()
            },
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let env = BTreeMap::from([
            ("ROWCOL_DATABASE_URL", sqlite_url(&dir.path().join("mirror.db"))),
            ("ROWCOL_QUEUE_URL", sqlite_url(&dir.path().join("queue.db"))),
            ("ROWCOL_CREDENTIAL_KEY", KEY.to_owned()),
            ("ROWCOL_ADVISOR", "jane-cfo".to_owned()),
            ("ROWCOL_QBO_ENVIRONMENT", sim.base_url()),
            ("ROWCOL_WEBHOOK_VERIFIER", VERIFIER.to_owned()),
            // Tests run `serve`s side by side: each world scrapes its own port.
            ("ROWCOL_METRICS_LISTEN", format!("127.0.0.1:{}", free_port())),
        ]);
        World { dir, sim, env }
    }

    pub fn command(&self, args: &[&str], extra: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rowcol"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("ROWCOL_CONFIG")
            .envs(&self.env)
            .envs(extra.iter().copied());
        command
    }

    pub fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        self.command(args, extra).output().unwrap()
    }

    pub async fn mirror(&self) -> Arc<dyn Mirror> {
        rowcol_mirror::open(&self.env["ROWCOL_DATABASE_URL"], CredentialKey::from_hex(KEY).unwrap())
            .await
            .unwrap()
    }

    /// `rowcol connect` for `client`, consenting to `realm` as a browser would.
    pub async fn connect(&self, client: &str, realm: &str) {
        let listen = format!("127.0.0.1:{}", free_port());
        let redirect = format!("http://{listen}/callback");
        let mut child = self
            .command(
                &["connect", "--client", client, "--name", client, "--listen", &listen],
                &[("ROWCOL_QBO_REDIRECT_URI", redirect.as_str())],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (consent, rest) = consent_url(&mut child);
        assert!(
            consent.contains(&urlencode(&redirect)),
            "{consent} lacks the redirect URI"
        );
        // The browser: the look-alike consents at once and redirects to the
        // listener, which answers with its closing page.
        let answer = reqwest::get(format!("{consent}&realmId={realm}")).await.unwrap();
        let status = answer.status();
        let page = answer.text().await.unwrap();
        assert_eq!(status, reqwest::StatusCode::OK, "{page}");
        assert!(page.contains("is connected"), "{page}");
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let said = rest.join().unwrap();
        assert!(
            said.contains(&format!("connected {client} to QBO company {realm}")),
            "{said}"
        );
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn urlencode(text: &str) -> String {
    text.replace(':', "%3A").replace('/', "%2F")
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Reads the child's stdout up to the consent URL it prints; the rest of its
/// stdout is collected by the returned thread, so the child never blocks on
/// a full pipe.
pub fn consent_url(child: &mut Child) -> (String, std::thread::JoinHandle<String>) {
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines().map(Result::unwrap);
    let url = lines
        .by_ref()
        .find(|line| line.starts_with("http"))
        .expect("connect printed no consent URL");
    (url, std::thread::spawn(move || lines.collect::<Vec<_>>().join("\n")))
}

/// Polls `check` until it holds or `limit` passes.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Stops `child` as Ctrl-C would (SIGINT) and collects what it printed.
pub async fn interrupt(child: Child) -> Output {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap()
}

/// The QBO world with client `acme` connected, and a Plaid look-alike
/// holding acme's bank, configured for the binary.
pub async fn plaid_world() -> (World, rowcol_plaid_sim::SimServer) {
    let mut world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    world.connect("acme", &realm).await;
    let plaid = rowcol_plaid_sim::start(rowcol_plaid_sim::SimConfig::default())
        .await
        .unwrap();
    let today = plaid.admin().now().date_naive();
    plaid
        .admin()
        .add_bank(rowcol_plaid_sim::derive::sample::small_business(
            "acme", 5, 0.9, 3, today,
        ))
        .unwrap();
    world.env.insert("ROWCOL_PLAID_ENVIRONMENT", plaid.base_url());
    (world, plaid)
}

/// A Link public token for acme's bank (`/sandbox/public_token/create`).
pub async fn public_token(plaid: &rowcol_plaid_sim::SimServer) -> String {
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/sandbox/public_token/create", plaid.base_url()))
        .json(&serde_json::json!({
            "client_id": "sim-client-id", "secret": "sim-secret",
            "institution_id": "ins_109508", "initial_products": ["transactions"],
            "options": {"override_username": "acme"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["public_token"].as_str().unwrap().to_owned()
}

pub async fn link(world: &World, plaid: &rowcol_plaid_sim::SimServer) -> std::process::Output {
    let token = public_token(plaid).await;
    world.run(
        &[
            "connect",
            "--rail",
            "plaid",
            "--client",
            "acme",
            "--public-token",
            &token,
        ],
        &[],
    )
}

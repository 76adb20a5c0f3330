//! The `rowcol` binary end to end: the demo's happy path, the read commands
//! on the mirror it leaves, and clear errors with their exit codes.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::process::{Command, Output};

const KEY: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn rowcol(args: &[&str], env: &[(&str, &str)], dir: &std::path::Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rowcol"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    for name in [
        "ROWCOL_DATABASE_URL",
        "ROWCOL_CREDENTIAL_KEY",
        "ROWCOL_ADVISOR",
        "ROWCOL_CONFIG",
    ] {
        command.env_remove(name);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn demo_then_read_commands_on_its_mirror() {
    let dir = tempfile::tempdir().unwrap();
    let out = rowcol(&["demo", "--clients", "3", "--db", "demo.db"], &[], dir.path());
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for client in ["client-001", "client-002", "client-003", "TOTAL"] {
        assert!(stdout.contains(client), "digest lacks {client}:\n{stdout}");
    }

    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let env = [
        ("ROWCOL_DATABASE_URL", url.as_str()),
        ("ROWCOL_CREDENTIAL_KEY", KEY),
        ("ROWCOL_ADVISOR", "demo-advisor"),
    ];
    let audit = rowcol(&["verify-audit"], &env, dir.path());
    assert!(audit.status.success(), "{}", text(&audit));
    assert_eq!(String::from_utf8_lossy(&audit.stdout).matches(": intact").count(), 3);

    let health = rowcol(&["health", "--json"], &env, dir.path());
    assert!(health.status.success(), "{}", text(&health));
    let json: serde_json::Value = serde_json::from_slice(&health.stdout).unwrap();
    assert_eq!(json["clients"].as_array().unwrap().len(), 3);

    let html = rowcol(
        &["digest", "--format", "html", "--out", "digest.html"],
        &env,
        dir.path(),
    );
    assert!(html.status.success(), "{}", text(&html));
    let page = std::fs::read_to_string(dir.path().join("digest.html")).unwrap();
    assert_eq!(page.matches("class=\"forecast-chart\"").count(), 3);

    let letters = rowcol(&["dead-letters", "list", "--json"], &env, dir.path());
    assert!(letters.status.success(), "{}", text(&letters));

    let outsider = rowcol(&["verify-audit", "--client", "someone-else"], &env, dir.path());
    assert_eq!(outsider.status.code(), Some(2), "{}", text(&outsider));
}

#[test]
fn missing_configuration_is_explained_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = rowcol(&["digest"], &[], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("ROWCOL_DATABASE_URL"), "{}", text(&out));

    let no_key = rowcol(&["health"], &[("ROWCOL_DATABASE_URL", "sqlite://x.db")], dir.path());
    assert_eq!(no_key.status.code(), Some(2));
    assert!(text(&no_key).contains("ROWCOL_CREDENTIAL_KEY"), "{}", text(&no_key));

    let bad_key = rowcol(
        &["health"],
        &[
            ("ROWCOL_DATABASE_URL", "sqlite://x.db"),
            ("ROWCOL_CREDENTIAL_KEY", "zz"),
        ],
        dir.path(),
    );
    assert_ne!(bad_key.status.code(), Some(0), "{}", text(&bad_key));

    let no_verifier = rowcol(
        &["serve"],
        &[("ROWCOL_DATABASE_URL", "sqlite://x.db"), ("ROWCOL_CREDENTIAL_KEY", KEY)],
        dir.path(),
    );
    assert_eq!(no_verifier.status.code(), Some(2));
    assert!(
        text(&no_verifier).contains("ROWCOL_WEBHOOK_VERIFIER"),
        "{}",
        text(&no_verifier)
    );
}

#[test]
fn an_unreachable_database_is_exit_code_4() {
    let dir = tempfile::tempdir().unwrap();
    let out = rowcol(
        &["digest"],
        &[
            ("ROWCOL_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"),
            ("ROWCOL_CREDENTIAL_KEY", KEY),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(!text(&out).contains("panicked"));
}

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

    // The cash roll-forward of one client, in each format.
    let cash = rowcol(
        &["cash", "--client", "client-002", "--months", "3", "--format", "json"],
        &env,
        dir.path(),
    );
    assert!(cash.status.success(), "{}", text(&cash));
    let roll: serde_json::Value = serde_json::from_slice(&cash.stdout).unwrap();
    let accounts = roll["accounts"].as_array().unwrap();
    assert!(accounts.len() >= 3, "checking, savings and the card: {roll}");
    assert!(accounts.iter().any(|a| a["kind"] == "card"), "{roll}");
    for account in accounts {
        let months = account["months"].as_array().unwrap();
        assert_eq!(months.len(), 3, "{account}");
        for pair in months.windows(2) {
            assert_eq!(pair[0]["closing"], pair[1]["opening"], "{account}");
        }
    }
    assert!(roll["definition"].as_str().unwrap().contains("financing"));
    let csv = rowcol(
        &["cash", "--client", "client-002", "--months", "3", "--format", "csv"],
        &env,
        dir.path(),
    );
    assert!(csv.status.success(), "{}", text(&csv));
    let csv = String::from_utf8_lossy(&csv.stdout);
    let lines: Vec<&str> = csv.lines().filter(|l| !l.is_empty()).collect();
    assert!(
        lines[0].starts_with("account,account_name,kind,currency,month,through,opening,"),
        "{csv}"
    );
    assert_eq!(lines.len(), 1 + 3 * accounts.len() + 3, "{csv}");
    assert!(lines.iter().any(|l| l.starts_with("TOTAL,")), "{csv}");
    assert!(!csv.contains(",-0,"), "no negative zero: {csv}");
    let table = rowcol(&["cash", "--client", "client-002", "--months", "3"], &env, dir.path());
    assert!(table.status.success(), "{}", text(&table));
    assert!(
        text(&table).contains("Checking") && text(&table).contains("closing"),
        "{}",
        text(&table)
    );
    let nobody = rowcol(&["cash", "--client", "someone-else"], &env, dir.path());
    assert_ne!(nobody.status.code(), Some(0), "{}", text(&nobody));

    // A scenario: a loan today lifts every week by its amount; bad input is
    // a usage error (exit 2) saying what is wrong.
    let today = chrono::Utc::now().date_naive().to_string();
    let loan = format!("25000:{today}");
    let scenario = rowcol(
        &[
            "scenario",
            "--client",
            "client-002",
            "--loan",
            &loan,
            "--format",
            "json",
        ],
        &env,
        dir.path(),
    );
    assert!(scenario.status.success(), "{}", text(&scenario));
    let c: serde_json::Value = serde_json::from_slice(&scenario.stdout).unwrap();
    let weeks = c["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 13, "{c}");
    assert!(
        weeks.iter().all(|w| w["difference"]["amount"] == "25000.00"),
        "{}",
        c["weeks"]
    );
    assert_eq!(
        c["base"]["runway"]["net_burn_monthly"],
        c["scenario"]["runway"]["net_burn_monthly"]
    );
    let hire = format!("8000:{today}");
    let table = rowcol(
        &["scenario", "--client", "client-002", "--hire", &hire],
        &env,
        dir.path(),
    );
    assert!(table.status.success(), "{}", text(&table));
    assert!(
        text(&table).contains("scenario closing") && text(&table).contains("runway: base"),
        "{}",
        text(&table)
    );
    let unknown = rowcol(
        &[
            "scenario",
            "--client",
            "client-002",
            "--delay-vendor",
            "no-such-vendor:10",
        ],
        &env,
        dir.path(),
    );
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(
        text(&unknown).contains("vendor no-such-vendor is not in the client's books"),
        "{}",
        text(&unknown)
    );
    let undated = rowcol(
        &["scenario", "--client", "client-002", "--hire", "8000"],
        &env,
        dir.path(),
    );
    assert_eq!(undated.status.code(), Some(2), "{}", text(&undated));
    assert!(text(&undated).contains("AMOUNT:YYYY-MM-DD"), "{}", text(&undated));

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

/// A mistyped `ROWCOL_DATABASE_URL` is a configuration error (exit 2) that
/// says what was understood, and no mirror is made anywhere; the accepted
/// `sqlite:///absolute/path` form is exactly that file.
#[test]
fn a_mistyped_database_url_is_exit_code_2_and_makes_no_mirror() {
    let dir = tempfile::tempdir().unwrap();
    for (url, says) in [
        (
            "::::",
            "ROWCOL_DATABASE_URL `::::`: not a database URL; expected sqlite:///absolute/path.db",
        ),
        ("sqlite:/x", "ROWCOL_DATABASE_URL `sqlite:/x`: not a database URL"),
        (
            "foo.db",
            "ROWCOL_DATABASE_URL `foo.db`: a path, not a database URL; write sqlite://foo.db",
        ),
        ("mysql://x", "ROWCOL_DATABASE_URL unknown scheme `mysql`"),
        ("", "ROWCOL_DATABASE_URL empty"),
    ] {
        let out = rowcol(
            &["health"],
            &[("ROWCOL_DATABASE_URL", url), ("ROWCOL_CREDENTIAL_KEY", KEY)],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{url:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{url:?}: {}", text(&out));
    }
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(made.is_empty(), "a mistyped URL made {made:?}");
    assert!(!std::path::Path::new("/x").exists(), "sqlite:/x made /x");

    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("abs.db");
    let url = format!("sqlite://{}", file.display()); // sqlite:/// + /tmp/...
    assert!(url.starts_with("sqlite:///") && !url.starts_with("sqlite:////"));
    let out = rowcol(
        &["dead-letters", "list"],
        &[("ROWCOL_DATABASE_URL", url.as_str()), ("ROWCOL_CREDENTIAL_KEY", KEY)],
        dir.path(),
    );
    // The mirror opens there (then finds no advisor: an empty mirror).
    assert!(text(&out).contains("unknown advisor"), "{}", text(&out));
    assert!(file.exists(), "{url} made no {}", file.display());
}

/// True when this process may write where permissions say it may not
/// (root): the read-only case then runs the binary as `nobody`.
fn privileged() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// A database that cannot be opened or written (a missing directory, a
/// read-only file, a directory nobody may write) is exit code 4 with the
/// file's path and the cause, never "no context".
#[test]
fn an_unopenable_or_read_only_database_is_exit_code_4_naming_the_path() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir").join("mirror.db");
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    // A zero-byte file is an empty SQLite database; read-only, in a
    // directory nobody may write, the mirror cannot set it up.
    let read_only = locked.join("read-only.db");
    std::fs::write(&read_only, b"").unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).unwrap();
    let fresh = locked.join("fresh.db");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for (path, cause) in [
        (&missing, "No such file or directory"),
        (&read_only, "readonly database"),
        (&fresh, "Permission denied"),
    ] {
        let url = format!("sqlite://{}", path.display());
        let mut command = Command::new(env!("CARGO_BIN_EXE_rowcol"));
        command
            .args(["dead-letters", "list"])
            .current_dir(dir.path())
            .env_remove("ROWCOL_CONFIG")
            .env("ROWCOL_DATABASE_URL", &url)
            .env("ROWCOL_CREDENTIAL_KEY", KEY);
        if privileged() {
            command.uid(65534).gid(65534);
        }
        let out = command.output().unwrap();
        let said = text(&out);
        assert_eq!(out.status.code(), Some(4), "{url}: {said}");
        assert!(said.contains(&path.display().to_string()), "{url}: {said}");
        assert!(said.contains(cause), "{url}: {said}");
        assert!(!said.contains("no context"), "{url}: {said}");
    }
    assert!(!missing.parent().unwrap().exists());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A malformed `ROWCOL_CREDENTIAL_KEY` is a configuration error (exit 2)
/// naming the variable and what is wrong, never echoing the key.
#[test]
fn a_malformed_credential_key_is_exit_code_2_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let not_hex = format!("{}zz", "ab".repeat(31));
    for (key, says) in [
        (
            "zz",
            "ROWCOL_CREDENTIAL_KEY is 2 characters long; it must be 64 hex digits",
        ),
        (
            not_hex.as_str(),
            "ROWCOL_CREDENTIAL_KEY has a character that is not a hex digit",
        ),
    ] {
        let out = rowcol(
            &["health"],
            &[("ROWCOL_DATABASE_URL", "sqlite://x.db"), ("ROWCOL_CREDENTIAL_KEY", key)],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains(says), "{}", text(&out));
        assert!(!text(&out).contains(key), "the key is echoed: {}", text(&out));
    }
}

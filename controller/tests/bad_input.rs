//! Issue 19: what a new user found by running `cgrid` with bad input. Each refusal is one
//! sentence on stderr and a non-zero exit, with no panic and nothing changed; each case failed
//! before its fix (a panic, a raw `ModuleError`, a trade billed and then refused, a store made
//! or deleted).

use std::path::Path;
use std::process::{Command, Output};

fn cgrid(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cgrid"))
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", dir)
        .env_remove("RUST_LOG")
        // As in a plain shell (before, the bundles were looked for under the checkout's
        // `target/` unless `CGRID_BUNDLES` was set).
        .env_remove("CGRID_BUNDLES")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("cgrid runs")
}

/// Refused with exit status 2 and one line on stderr that contains `says`; stdout empty.
#[track_caller]
fn refused(out: &Output, says: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
    assert!(stderr.contains(says), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Before: a panic (`attempt to add with overflow`, exit 101), a raw `ModuleError { index: 3 }`
/// from the chain, and a trade billed and closed before `no checkpoint was made`.
#[test]
fn demo_parameters_are_checked_before_anything_is_sent() {
    let dir = tempfile::tempdir().expect("dir");
    for (args, says) in [
        (
            vec!["demo", "--minutes", "18446744073709551615"],
            "minutes must be 1 to 10000",
        ),
        (vec!["demo", "--minutes", "0"], "minutes must be 1 to 10000"),
        (
            vec!["demo", "--minutes", "4294967285"],
            "minutes must be 1 to 10000",
        ),
        (
            vec!["demo", "--min-cost", &u128::MAX.to_string()],
            "more than the demo consumer may spend",
        ),
        (
            vec!["demo", "--price", &(u128::MAX / 3).to_string()],
            "more than the demo consumer may spend",
        ),
        (
            vec!["demo", "--minutes", "5", "--checkpoint-every", "10"],
            "the demo shows a checkpoint",
        ),
    ] {
        let out = cgrid(&args, dir.path());
        refused(&out, says);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("read").count(),
        0,
        "nothing made, not even a temporary directory"
    );
}

/// Before: `cgrid demo --data DIR` deleted the stores another run had left in DIR.
#[test]
fn demo_never_deletes_stores_it_did_not_make() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("dir");
    std::fs::write(data.join("provider.redb"), b"another run's store").expect("write");
    let out = cgrid(
        &["demo", "--data", data.to_str().expect("utf-8")],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("already holds provider.redb from an earlier run"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(data.join("provider.redb")).expect("kept"),
        b"another run's store"
    );
    assert!(!data.join("consumer.redb").exists(), "nothing added");
}

/// The demo's own temporary stores go when it ends (before: `cgrid-demo-<pid>` folders of
/// 3–8 MB each stayed in the temporary directory).
#[test]
fn the_demos_temporary_stores_are_removed() {
    let dir = tempfile::tempdir().expect("dir");
    let out = cgrid(
        &["demo", "--minutes", "3", "--checkpoint-every", "2"],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Before: `cgrid inspect --store missing.redb` made a new 3.6 MB store and exited 0.
#[test]
fn reading_a_missing_store_makes_none() {
    let dir = tempfile::tempdir().expect("dir");
    let out = cgrid(&["inspect", "--store", "missing.redb"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no store at missing.redb"), "{stderr}");
    assert!(!dir.path().join("missing.redb").exists());
}

/// Issue 24: `cgrid recommend` reads its three files offline; a bad file is one sentence
/// naming the member, exit 2, nothing printed on stdout; good files print the plan.
#[test]
fn recommend_names_the_bad_member_of_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "offers.json",
        r#"{"offers":[{"id":"o1","provider":"p1","units":8,"memory_gib":32,"gpu":"none","region":"eu-west","price":10,"green_share":0.5,"carbon_intensity":250,"pue":1.2,"offer_file":"o1.offer.json"}]}"#,
    );
    write(
        "requests.json",
        r#"{"requests":[{"id":"r1","consumer":"c1","units":2,"minutes":30,"deadline":60,"home":"eu-west","budget":10000}]}"#,
    );
    write("bad-offers.json", r#"{"offers":[{"id":"o1"}]}"#);
    write("history.json", r#"{"history":[{"consumer":"c1"}]}"#);
    let args = |offers: &str, extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "recommend",
            "--requests",
            "requests.json",
            "--offers",
            offers,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |v: Vec<String>| {
        cgrid(
            &v.iter().map(String::as_str).collect::<Vec<_>>(),
            dir.path(),
        )
    };
    refused(
        &run(args("bad-offers.json", &[])),
        "offers[0]: missing field `provider`",
    );
    refused(
        &run(args("missing.json", &[])),
        "cannot read the offers file missing.json",
    );
    refused(
        &run(args("offers.json", &["--history", "history.json"])),
        "history[0]: missing field `request`",
    );
    let out = run(args("offers.json", &["--json"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["recommendations"][0]["ranked"][0]["offer_file"],
        "o1.offer.json"
    );
    assert_eq!(v["recommendations"][0]["ranked"][0]["units"], 2);
}

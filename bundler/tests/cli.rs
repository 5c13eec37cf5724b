//! The command line as `scripts/build-contracts.sh` uses it (building a contract is the test
//! command's `build-contracts.sh --check`, against the committed code hashes).

use std::process::Command;

fn bundler(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cgrid-bundler"))
        .args(args)
        .output()
        .expect("cgrid-bundler runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn version_names_the_contract_build_release() {
    let (ok, stdout, _) = bundler(&["--version"]);
    assert!(ok);
    assert!(
        stdout.trim_end().ends_with("(contract-build 5.0.3)"),
        "{stdout}"
    );
}

#[test]
fn bad_arguments_fail_with_one_sentence_and_build_nothing() {
    for (args, says) in [
        (&[][..], "name at least one Cargo.toml"),
        (&["--release"][..], "unknown option --release"),
        (&["README.md"][..], "README.md: not a Cargo.toml"),
    ] {
        let (ok, stdout, stderr) = bundler(args);
        assert!(!ok, "{args:?} succeeded");
        assert!(stdout.is_empty(), "{args:?} printed {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(says),
            "{stderr}"
        );
    }
}

//! The controller benchmark runs (its figures come from `scripts/bench.sh` in release): a few
//! rounds of a few channels through the daemons, written to a scratch folder. Before, a change
//! to how stores are opened broke the benchmark and no test noticed.

#[test]
fn the_controller_benchmark_runs() {
    let out = tempfile::tempdir().expect("dir");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_controller-bench"))
        .args(["--smoke", "--out", out.path().to_str().expect("utf-8")])
        .status()
        .expect("runs");
    assert!(status.success());
    let results: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("results.json")).expect("written"),
    )
    .expect("JSON");
    assert_eq!(
        results["controller"]["runs"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(results["controller_updates_per_s"].as_f64().unwrap_or(0.0) > 0.0);
}

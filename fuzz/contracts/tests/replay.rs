//! Replays the committed inputs of the contracts' decoder target (`seeds/`, one real call of
//! every message and constructor from the contracts' metadata; `corpus/`, what a campaign kept)
//! on the project's toolchain, in the test command.

use std::path::Path;

#[test]
fn every_committed_input_is_handled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["seeds", "corpus"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir).join("message_args")) {
            files.extend(entries.map(|e| e.expect("entry").path()));
        }
    }
    assert!(!files.is_empty(), "no seeds");
    for file in files {
        let data = std::fs::read(&file).expect("read");
        if std::panic::catch_unwind(|| cgrid_fuzz_contracts::message_args(&data)).is_err() {
            panic!("message_args panicked on {}", file.display());
        }
    }
}

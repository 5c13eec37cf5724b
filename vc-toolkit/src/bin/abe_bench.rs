//! `abe-bench --out bench`: CP-ABE figures (AC17 of rabe on BN254, release build): attribute key
//! generation, sealing and opening against the number of attributes in the tree (an AND of n
//! attributes: every leaf is needed to open, the scheme's most expensive case for the
//! decryptor's pairing inputs), and the ciphertext's size. Merged into `<out>/results.json`
//! ("cpabe") and `<out>/RESULTS.md` (section "CP-ABE"). Medians of 5 runs; times in ms on one
//! core, measured in one run.

use cgrid_vc::abe::{seal, AccessTree, Authority, Epoch};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

const RUNS: usize = 5;

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1_000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[RUNS / 2] * 100.0).round() / 100.0
}

fn main() {
    let mut out = PathBuf::from("bench");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().expect("--out needs a folder").into(),
            other => {
                eprintln!("abe-bench: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let epoch = Epoch::parse("2026-12").expect("epoch");
    let setup_ms = median_ms(|| {
        Authority::setup("did:cgrid:bench");
    });
    let authority = Authority::setup("did:cgrid:bench");
    // A credential's claims as the toolkit seals them: about 1 KB of JSON.
    let plaintext = vec![b'x'; 1_024];
    let mut rows = Vec::new();
    for n in [5usize, 10, 20, 50] {
        let names: Vec<String> = (0..n).map(|k| format!("attr:{k}")).collect();
        let tree = AccessTree::And(names.iter().cloned().map(AccessTree::Attr).collect());
        let keygen_ms = median_ms(|| {
            authority
                .issue_key("holder", &names, epoch, 1)
                .expect("key");
        });
        let key = authority
            .issue_key("holder", &names, epoch, 1)
            .expect("key");
        let encrypt_ms = median_ms(|| {
            seal(&authority.public, &tree, epoch, &plaintext).expect("sealed");
        });
        let sealed = seal(&authority.public, &tree, epoch, &plaintext).expect("sealed");
        let decrypt_ms = median_ms(|| {
            assert_eq!(
                sealed.open(&authority.public, &key).expect("opened"),
                plaintext
            );
        });
        let file_bytes = serde_json::to_vec(&sealed).expect("json").len();
        let row = json!({
            "attributes": n,
            "keygen_ms": keygen_ms,
            "encrypt_ms": encrypt_ms,
            "decrypt_ms": decrypt_ms,
            "sealed_file_bytes": file_bytes,
            "plaintext_bytes": plaintext.len(),
        });
        eprintln!("{row}");
        rows.push(row);
    }
    let json_path = out.join("results.json");
    let mut doc: Value = std::fs::read_to_string(&json_path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| json!({}));
    doc["cpabe"] = json!({
        "build": "release, abe-bench (scripts/bench.sh)",
        "scheme": cgrid_vc::abe::SCHEME,
        "tree": "AND of n attributes, sealed with the month's epoch attribute (n + 1 leaves)",
        "runs": RUNS,
        "setup_ms": setup_ms,
        "by_attributes": rows,
    });
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&doc).expect("json") + "\n",
    )
    .expect("results.json written");
    let md_path = out.join("RESULTS.md");
    let md = std::fs::read_to_string(&md_path).unwrap_or_default();
    let marker = "\n## CP-ABE\n";
    let (head, tail) = match md.split_once(marker) {
        Some((head, rest)) => (
            head.to_string(),
            rest.find("\n## ")
                .map(|i| rest[i..].to_string())
                .unwrap_or_default(),
        ),
        None => (md.clone(), String::new()),
    };
    let mut section = format!(
        "{marker}\n{} (`cgrid_vc::abe`), release build, one core, medians of {RUNS} runs. Tree: an AND of n \
         attributes plus the month's epoch attribute; plaintext 1 KiB; the sealed file is the JSON \
         `cgrid credential` writes. Authority setup: {setup_ms} ms.\n\n\
         | attributes | key generation ms | encrypt ms | decrypt ms | sealed file bytes |\n|---:|---:|---:|---:|---:|\n",
        cgrid_vc::abe::SCHEME
    );
    for r in &rows {
        section += &format!(
            "| {} | {} | {} | {} | {} |\n",
            r["attributes"],
            r["keygen_ms"],
            r["encrypt_ms"],
            r["decrypt_ms"],
            r["sealed_file_bytes"]
        );
    }
    std::fs::write(
        &md_path,
        format!(
            "{}{section}{tail}",
            head.trim_end_matches('\n').to_string() + "\n"
        ),
    )
    .expect("RESULTS.md written");
}

//! `abe-bench --out bench`: predicate-proof figures (a Bulletproofs range proof of one bound, and
//! of a range, over a claim's Pedersen commitment: size, prove and verify time) and CP-ABE figures (AC17 of rabe on BN254, release build): attribute key
//! generation, sealing and opening against the number of attributes in the tree (an AND of n
//! attributes: every leaf is needed to open, the scheme's most expensive case for the
//! decryptor's pairing inputs), and the ciphertext's size. Merged into `<out>/results.json`
//! ("cpabe") and `<out>/RESULTS.md` (section "CP-ABE"). Medians of 5 runs; times in ms on one
//! core, measured in one run.

use cgrid_shared::{trade_start_template, TRADE_START_CPT};
use cgrid_vc::abe::{seal, AccessTree, Authority, Epoch};
use cgrid_vc::predicate::Predicate;
use serde_json::{json, Value};
use sp_core::Pair as _;
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
    let predicates = predicate_figures();
    eprintln!("{predicates}");
    cgrid_bench_report::merge_json(
        &out,
        [
            (
                "cpabe",
                json!({
                    "build": "release, abe-bench (scripts/bench.sh)",
                    "scheme": cgrid_vc::abe::SCHEME,
                    "tree": "AND of n attributes, sealed with the month's epoch attribute (n + 1 leaves)",
                    "runs": RUNS,
                    "setup_ms": setup_ms,
                    "by_attributes": rows,
                }),
            ),
            ("predicate_proofs", predicates.clone()),
        ],
    )
    .expect("results.json written");
    let mut section = format!(
        "{} (`cgrid_vc::abe`), release build, one core, medians of {RUNS} runs. Tree: an AND of n \
         attributes plus the month's epoch attribute; plaintext 1 KiB; sealed bytes: the JSON of \
         the `sealed` member of an encrypted credential. Authority setup: {setup_ms} ms.\n\n\
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
    section += &format!(
        "\nPredicate proofs (`cgrid_vc::predicate`): Bulletproofs 64-bit range proofs over the \
         issuer-signed Pedersen commitment of a claim, medians of {RUNS} runs.\n\n\
         | statement | range proofs | proof bytes | proof file bytes | prove ms | verify ms |\n\
         |---|---:|---:|---:|---:|---:|\n"
    );
    for r in predicates.as_array().into_iter().flatten() {
        section += &format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            r["predicate"].as_str().unwrap_or_default(),
            r["range_proofs"],
            r["proof_bytes"],
            r["file_bytes"],
            r["prove_ms"],
            r["verify_ms"]
        );
    }
    cgrid_bench_report::put_section(&out, "CP-ABE", &section).expect("RESULTS.md written");
}

/// Prove and verify `price>=100` and `price in 100..150` on a trade-start credential.
fn predicate_figures() -> Value {
    let template = trade_start_template();
    let key = sp_core::sr25519::Pair::from_seed(&[7; 32]);
    let issued = cgrid_vc::issue(cgrid_vc::IssueInput {
        registry: [0x42; 32].into(),
        cpt_id: TRADE_START_CPT,
        template: &template,
        issuer: [0x11; 32],
        issuer_key_id: "assert",
        issuer_key: &key,
        subject: [0x22; 32],
        claims: json!({
            "pdid": cgrid_shared::did_to_string(&[0x11; 32]),
            "cdid": cgrid_shared::did_to_string(&[0x22; 32]),
            "spec": "8 vCPU, 32 GiB", "price": 120, "checkinCptId": 3, "encryption": "plain",
        }),
        issued_at: 1_700_000_000_000,
        expires_at: None,
        integrity: None,
        encrypt: None,
    })
    .expect("issued");
    let view = issued.anchor_view(1_700_000_000_000);
    let mut rows = Vec::new();
    for text in ["price>=100", "price in 100..150"] {
        let predicate = Predicate::parse(text, &template).expect("predicate");
        let prove_ms = median_ms(|| {
            issued.credential.prove(&predicate, "bench").expect("proof");
        });
        let proof = issued.credential.prove(&predicate, "bench").expect("proof");
        let verify_ms = median_ms(|| {
            proof
                .verify(
                    &template,
                    Some(&view),
                    &key.public().0,
                    "bench",
                    1_700_000_000_001,
                )
                .expect("verifies");
        });
        let proof_bytes: usize = proof.range_proofs.iter().map(|h| h.len() / 2).sum();
        rows.push(json!({
            "predicate": text,
            "range_proofs": proof.range_proofs.len(),
            "proof_bytes": proof_bytes,
            "file_bytes": serde_json::to_vec(&proof).expect("json").len(),
            "prove_ms": prove_ms,
            "verify_ms": verify_ms,
        }));
    }
    Value::Array(rows)
}

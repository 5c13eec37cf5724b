//! The report: every measured row, the targets checked and the headline figures, written to
//! `<out>/results.json` and `<out>/RESULTS.md`.

use serde_json::json;
use std::path::Path;

use crate::attribution::{Attribution, Codes};
use crate::Weight;

/// Targets from the issues.
pub const MAX_WASM_BYTES: usize = 24 * 1024;
pub const MAX_REF_TIME: u64 = 10_000_000_000;
pub const MAX_HISTORY_DRIFT_PERCENT: f64 = 5.0;
/// Issue 21's Must targets: per contract and per message. Reported until met (then gating).
pub const MUST_WASM_BYTES: usize = 32 * 1024;
pub const MUST_PROOF_SIZE: u64 = 120_000;
pub const MUST_REF_TIME: u64 = 6_000_000_000;
/// Issue 21's baseline of the demo's trade flow (9 calls), which must at least halve.
pub const DEMO_FLOW_BASELINE_PROOF_SIZE: u64 = 989_462;
pub const DEMO_FLOW_BASELINE_REF_TIME: u64 = 48_500_000_000;
/// Where the Must targets are still missed (docs/ARCHITECTURE.md, "Known miss"), per target:
/// code blobs, and `contract::message` names over the proof_size and over the ref_time limit.
/// Everything else is held to the Musts by a gating check, so no change can put another blob
/// or message over them; a name leaves its list when it meets the target.
pub const KNOWN_WASM_MISSES: [&str; 0] = [];
pub const KNOWN_PROOF_SIZE_MISSES: [&str; 0] = [];
pub const KNOWN_REF_TIME_MISSES: [&str; 0] = [];
/// The demo flow may not grow back (gating): today's figures, rounded up; lowered whenever the
/// flow gets cheaper (it guarded the Must while the Must was missed, and guards the margin now). Raised only for a Must or a larger cut of the
/// other figure: by 2.4 KB of proof (539,100 B before) in the session of 2026-12-04, fifth, when
/// the auction began funding a trade by a transfer before a plain escrow call (its `finalize`
/// 6.23 → 5.82 G, the flow −0.27 G); by 1.8 KB of proof in the session of 2026-12-05, when the
/// contracts' `memcpy`, `memmove`, `memset` and `memcmp` began moving eight bytes a step
/// (shared/rlibc: +142 B in every code blob, the flow 29.03 → 27.26 G); by 0.45 G in the same
/// session, when the auction's `reveal` moved to a second cold code so that every code blob
/// meets the 32 KiB Must (a reveal pays a delegate call, the auction's other calls load 12.7 KB
/// less: the flow −7.3 KB of proof). Lowered in the session of 2026-12-05, second, when the
/// trade events lost their last topic (536,012 → 510,928 B, 27.71 → 26.42 G); in the session
/// of 2026-12-05, third, when the main codes stopped decoding the bulky arguments of cold
/// messages and the auction's `finalize` moved to a third cold code (510,928 → 486,564 B,
/// 26.42 → 25.94 G: the proof_size half of the Must is met, the ref_time half is not); in the
/// session of 2026-12-05, fourth, when stubs called the host's `delegate_call` directly and the
/// update events lost the other changes' encoders (486,564 → 478,473 B, 25.94 → 25.66 G); in
/// the session of 2026-12-05, fifth, when the constructors' wiring moved to cold codes
/// (478,473 → 464,317 B, 25.66 → 25.18 G); in the session of 2026-12-05, sixth, when the main
/// codes got entry points of their own that hand cold messages on without stubs, the escrow's
/// trade start moved into its channel and `create_auction` read the model's terms alone
/// (464,317 → 432,637 B, 25.18 → 23.89 G: both halves of the Must are met).
pub const DEMO_FLOW_CEILING_PROOF_SIZE: u64 = 432_700;
pub const DEMO_FLOW_CEILING_REF_TIME: u64 = 23_890_000_000;
/// The block `trade_path_per_block` fills: 5 MB of proof, 2 s of ref_time.
pub const BLOCK_PROOF_SIZE: u64 = 5 * 1024 * 1024;
pub const BLOCK_REF_TIME: u64 = 2_000_000_000_000;

/// The sections of RESULTS.md this report writes; the others (the controller, the
/// recommender, CP-ABE) belong to other benchmarks and are kept.
const OWN_SECTIONS: [&str; 5] = [
    "Wasm sizes",
    "Headline figures",
    "Where ref_time goes",
    "Messages",
    "Targets",
];

pub struct Row {
    contract: &'static str,
    message: String,
    case: String,
    weight: Weight,
    /// One message (held to the per-message limit), not a sum of several calls.
    single: bool,
}

impl Row {
    /// `contract::message (case)`, as the summary names a row.
    fn name(&self) -> String {
        format!("{}::{} ({})", self.contract, self.message, self.case)
    }

    /// Whether the message is one of `known` (`contract::message` names).
    fn known_miss(&self, known: &[&str]) -> bool {
        known.contains(&format!("{}::{}", self.contract, self.message).as_str())
    }
}

pub struct Check {
    pub what: String,
    pub ok: bool,
    /// A missed gating target fails `--check`; a missed reported target is only shown.
    pub gating: bool,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    sizes: Vec<(String, usize)>,
    pub checks: Vec<Check>,
    /// Headline figures, written at the top level of results.json under their names.
    figures: Vec<(&'static str, serde_json::Value, String)>,
    /// The calls of the demo's trade flow (what, how many times, one call's weight).
    demo_flow: Vec<(String, u64, Weight)>,
    /// The messages a trade goes through (what, weight): `trade_path_per_block`.
    trade_path: Vec<(String, Weight)>,
    /// The trade path's calls whose ref_time was attributed (`contract::message`, case).
    attributions: Vec<(String, String, Attribution)>,
    /// The release bundles' code blobs, loaded for the first attribution.
    codes: Option<Codes>,
}

impl Report {
    pub fn row(&mut self, contract: &'static str, message: &str, case: &str, weight: Weight) {
        self.checks.push(Check {
            what: format!(
                "{contract}::{message} ({case}): ref_time {} <= {MAX_REF_TIME}",
                weight.ref_time()
            ),
            ok: weight.ref_time() <= MAX_REF_TIME,
            gating: true,
        });
        self.rows.push(Row {
            contract,
            message: message.into(),
            case: case.into(),
            weight,
            single: true,
        });
    }

    /// The row of a contract's deployment: upload and its one constructor, `new` (every
    /// contract of the suite has exactly one; `suite::deploy_contract` calls it).
    pub fn constructor_row(&mut self, contract: &'static str, case: &str, weight: Weight) {
        self.row(contract, "new", case, weight);
    }

    pub fn check(&mut self, what: String, ok: bool) {
        self.checks.push(Check {
            what,
            ok,
            gating: true,
        });
    }

    /// A row for a sum of several calls: not a single message, so not held to the per-message
    /// limit.
    pub fn row_total(&mut self, contract: &'static str, message: &str, case: &str, weight: Weight) {
        self.rows.push(Row {
            contract,
            message: message.into(),
            case: case.into(),
            weight,
            single: false,
        });
    }

    /// Marks a measured call as `times` steps of the demo's trade flow (`cgrid demo`: the
    /// auction with two bids, the trade's two checkpoints and its cooperative close).
    pub fn demo_step(&mut self, contract: &str, message: &str, times: u64, weight: Weight) {
        self.demo_flow
            .push((format!("{contract}::{message}"), times, weight));
    }

    /// Marks a measured call as a message of the trade path, for `trade_path_per_block`.
    pub fn trade_path(&mut self, contract: &str, message: &str, case: &str, weight: Weight) {
        self.trade_path
            .push((format!("{contract}::{message} ({case})"), weight));
    }

    /// Where a measured call's ref_time went (`crate::attribution`).
    pub fn attribute(&mut self, contract: &str, message: &str, case: &str, a: Attribution) {
        self.attributions
            .push((format!("{contract}::{message}"), case.to_string(), a));
    }

    /// The release bundles' code blobs (`cgrid_suite::bundle_dir`).
    pub fn codes(&mut self) -> &Codes {
        self.codes.get_or_insert_with(|| {
            let dir = cgrid_suite::bundle_dir();
            Codes::load(&dir).unwrap_or_else(|e| panic!("the bundles in {}: {e}", dir.display()))
        })
    }

    /// The issue 21 summary: the largest message's proof size, the demo flow's totals, how
    /// many of each trade-path message fit in a block, and the Must targets (reported).
    pub fn summarise(&mut self) {
        let largest = self
            .rows
            .iter()
            .filter(|r| r.single)
            .max_by_key(|r| r.weight.proof_size());
        if let Some(r) = largest {
            let (proof, what) = (r.weight.proof_size(), r.name());
            self.figure(
                "max_message_proof_size",
                json!(proof),
                format!("the largest proof_size of one message: {what}"),
            );
        }
        for (limit, dimension, weight_of, known) in [
            (
                MUST_PROOF_SIZE,
                "B proof_size",
                Weight::proof_size as fn(&Weight) -> u64,
                &KNOWN_PROOF_SIZE_MISSES[..],
            ),
            (
                MUST_REF_TIME,
                "ref_time",
                Weight::ref_time,
                &KNOWN_REF_TIME_MISSES[..],
            ),
        ] {
            let above: Vec<&Row> = self
                .rows
                .iter()
                .filter(|r| r.single && weight_of(&r.weight) > limit)
                .collect();
            let newly_above: Vec<String> = above
                .iter()
                .filter(|r| !r.known_miss(known))
                .map(|r| r.name())
                .collect();
            let above: Vec<String> = above.iter().map(|r| r.name()).collect();
            self.report_only(
                format!(
                    "every message <= {limit} {dimension} (issue 21 Must; {} above: {})",
                    above.len(),
                    above.join(", ")
                ),
                above.is_empty(),
            );
            self.check(
                format!(
                    "every message but {known:?} <= {limit} {dimension} (issue 21 \
                     Must, gating; above: {})",
                    newly_above.join(", ")
                ),
                newly_above.is_empty(),
            );
        }
        let oversized: Vec<&(String, usize)> = self
            .sizes
            .iter()
            .filter(|(_, size)| *size > MUST_WASM_BYTES)
            .collect();
        let named = |blobs: &[&(String, usize)]| -> Vec<String> {
            blobs
                .iter()
                .map(|(name, size)| format!("{name} {size} B"))
                .collect()
        };
        let newly_oversized: Vec<&(String, usize)> = oversized
            .iter()
            .copied()
            .filter(|(name, _)| !KNOWN_WASM_MISSES.contains(&name.as_str()))
            .collect();
        let (oversized, newly_oversized) = (named(&oversized), named(&newly_oversized));
        self.report_only(
            format!(
                "every contract <= {MUST_WASM_BYTES} B Wasm (issue 21 Must; above: {})",
                oversized.join(", ")
            ),
            oversized.is_empty(),
        );
        self.check(
            format!(
                "every code blob but {KNOWN_WASM_MISSES:?} <= {MUST_WASM_BYTES} B Wasm (issue 21 \
                 Must, gating; above: {})",
                newly_oversized.join(", ")
            ),
            newly_oversized.is_empty(),
        );
        if !self.demo_flow.is_empty() {
            let calls: u64 = self.demo_flow.iter().map(|(_, n, _)| n).sum();
            let (proof, ref_time) = self.demo_flow_totals();
            let steps: Vec<String> = self
                .demo_flow
                .iter()
                .map(|(what, n, _)| format!("{n} × {what}"))
                .collect();
            let steps = steps.join(", ");
            self.figure(
                "demo_flow_proof_size",
                json!(proof),
                format!("the demo's trade flow, {calls} calls: {steps}"),
            );
            self.figure(
                "demo_flow_ref_time",
                json!(ref_time),
                format!("the same {calls} calls' ref_time"),
            );
            // Met since the session of 2026-12-05, third: gating.
            self.check(
                format!(
                    "demo flow proof_size {proof} <= half of {DEMO_FLOW_BASELINE_PROOF_SIZE} \
                     (issue 21 Must; gating)"
                ),
                proof * 2 <= DEMO_FLOW_BASELINE_PROOF_SIZE,
            );
            // Met since the session of 2026-12-05, sixth: gating.
            self.check(
                format!(
                    "demo flow ref_time {ref_time} <= half of {DEMO_FLOW_BASELINE_REF_TIME} \
                     (issue 21 Must; gating)"
                ),
                ref_time * 2 <= DEMO_FLOW_BASELINE_REF_TIME,
            );
            self.check(
                format!(
                    "demo flow proof_size {proof} <= {DEMO_FLOW_CEILING_PROOF_SIZE} and ref_time \
                     {ref_time} <= {DEMO_FLOW_CEILING_REF_TIME} (no growth; gating)"
                ),
                proof <= DEMO_FLOW_CEILING_PROOF_SIZE && ref_time <= DEMO_FLOW_CEILING_REF_TIME,
            );
        }
        if !self.attributions.is_empty() {
            let (parts, unattributed) = self.demo_flow_attribution();
            if unattributed.is_empty() && parts.code_bytes > 0 {
                self.code_budget(&parts);
            }
            self.check(
                format!(
                    "every step of the demo flow has its ref_time attributed (not: {})",
                    unattributed.join(", ")
                ),
                unattributed.is_empty(),
            );
            // A trade-path event carries no topic (`ChannelUpdated`, `AuctionUpdated`): each
            // topic, the signature topic too, costs what a storage write does.
            let over_indexed: Vec<String> = self
                .attributions
                .iter()
                .filter(|(_, _, a)| a.counts.topics > 0)
                .map(|(what, case, a)| {
                    format!(
                        "{what} ({case}): {} topics in {} events",
                        a.counts.topics, a.counts.events
                    )
                })
                .collect();
            self.check(
                format!(
                    "every trade-path event is topicless (over: {})",
                    over_indexed.join(", ")
                ),
                over_indexed.is_empty(),
            );
            let over: Vec<String> = self
                .attributions
                .iter()
                .filter(|(_, _, a)| a.other < 0)
                .map(|(what, case, a)| format!("{what} ({case}) by {}", -a.other))
                .collect();
            self.check(
                format!(
                    "no attribution prices more than the chain charged (the replay counts only \
                     what ran; over: {})",
                    over.join(", ")
                ),
                over.is_empty(),
            );
        }
        if !self.trade_path.is_empty() {
            let per_block: serde_json::Map<String, serde_json::Value> = self
                .trade_path
                .iter()
                .map(|(what, w)| {
                    let by_proof = BLOCK_PROOF_SIZE / w.proof_size().max(1);
                    let by_time = BLOCK_REF_TIME / w.ref_time().max(1);
                    (what.clone(), json!(by_proof.min(by_time)))
                })
                .collect();
            self.figure(
                "trade_path_per_block",
                serde_json::Value::Object(per_block),
                format!(
                    "how many of each trade-path message fit in a block of {BLOCK_PROOF_SIZE} B \
                     proof and {BLOCK_REF_TIME} ref_time (the smaller of the two quotients)"
                ),
            );
        }
    }

    /// The demo flow's ref_time by part (each step's attribution times its count), and the
    /// steps without an attribution.
    fn demo_flow_attribution(&self) -> (Parts, Vec<String>) {
        let mut parts = Parts::default();
        let mut unattributed = Vec::new();
        for (what, times, weight) in &self.demo_flow {
            let found = self
                .attributions
                .iter()
                .find(|(call, _, a)| call == what && a.measured == weight.ref_time());
            match found {
                Some((_, _, a)) => parts.add(a, *times),
                None => unattributed.push(what.clone()),
            }
        }
        (parts, unattributed)
    }

    /// The demo flow's proof_size and ref_time: every step's weight times its count.
    fn demo_flow_totals(&self) -> (u64, u64) {
        self.demo_flow
            .iter()
            .fold((0, 0), |(proof, ref_time), (_, n, w)| {
                (proof + n * w.proof_size(), ref_time + n * w.ref_time())
            })
    }

    /// `demo_flow_code_budget`: how much code the demo flow could load and meet the half Must,
    /// everything else (calls, storage, events, transfers, execution) as it is: what stands
    /// between the flow and the Must, in bytes of code.
    fn code_budget(&mut self, parts: &Parts) {
        let half_ref_time = DEMO_FLOW_BASELINE_REF_TIME / 2;
        let half_proof = DEMO_FLOW_BASELINE_PROOF_SIZE / 2;
        let rest_ref_time = parts.measured.saturating_sub(parts.code);
        // pallet-contracts charges one byte of proof per byte of code loaded.
        let (proof, _) = self.demo_flow_totals();
        let rest_proof = proof.saturating_sub(parts.code_bytes);
        let ref_time_budget = u128::from(half_ref_time.saturating_sub(rest_ref_time))
            * u128::from(parts.code_bytes)
            / u128::from(parts.code.max(1));
        let ref_time_budget = u64::try_from(ref_time_budget).unwrap_or(u64::MAX);
        let proof_budget = half_proof.saturating_sub(rest_proof);
        let loads = parts.code_loads.max(1);
        self.figure(
            "demo_flow_code_budget",
            json!({
                "loaded": parts.code_bytes,
                "loads": parts.code_loads,
                "ref_time_budget": ref_time_budget,
                "proof_size_budget": proof_budget,
            }),
            format!(
                "the demo flow loads {} B of code in {} code loads ({} B a load); with everything \
                 else as it is, it meets half of the issue's ref_time with at most {} B ({} B a \
                 load) and half of its proof_size with at most {} B ({} B a load)",
                parts.code_bytes,
                parts.code_loads,
                parts.code_bytes / loads,
                ref_time_budget,
                ref_time_budget / loads,
                proof_budget,
                proof_budget / loads,
            ),
        );
    }

    /// A named headline figure with a one-line explanation.
    pub fn figure(&mut self, name: &'static str, value: serde_json::Value, what: String) {
        self.figures.push((name, value, what));
    }

    /// A target that is reported but does not fail `--check` (see docs/ARCHITECTURE.md).
    fn report_only(&mut self, what: String, ok: bool) {
        self.checks.push(Check {
            what,
            ok,
            gating: false,
        });
    }

    /// Records the optimised Wasm size of each code blob of `contract`'s release bundle: its
    /// code, its cold codes when the contract is split (`cgrid_suite::SPLIT`) and the codes it
    /// instantiates (`cgrid_suite::INSTANTIATES`), each with its (reported, not gating) target.
    pub fn wasm_sizes(&mut self, contract: &'static str) {
        let blobs = std::iter::once(contract)
            .chain(cgrid_suite::cold_codes(contract).iter().copied())
            .chain(cgrid_suite::instantiated_codes(contract).iter().copied());
        for blob in blobs {
            let size = cgrid_suite::release_wasm(blob)
                .unwrap_or_else(|e| panic!("the release bundle {blob}: {e}"))
                .len();
            self.report_only(
                format!("{blob} Wasm {size} bytes <= {MAX_WASM_BYTES} (reported, not gating)"),
                size <= MAX_WASM_BYTES,
            );
            self.sizes.push((blob.to_string(), size));
        }
    }
}

/// Attributed ref_time summed over several calls.
#[derive(Debug, Default, Clone, Copy)]
struct Parts {
    measured: u64,
    code_bytes: u64,
    /// Frames that loaded code: each call's own, each callee's, each delegate's.
    code_loads: u64,
    code: u64,
    calls: u64,
    storage: u64,
    transfers: u64,
    events: u64,
    topics: u64,
    execution: u64,
    other: i64,
}

impl Parts {
    fn add(&mut self, a: &Attribution, times: u64) {
        self.measured += times * a.measured;
        self.code_bytes += times * a.counts.code_bytes;
        self.code_loads +=
            times * (1 + u64::from(a.counts.calls) + u64::from(a.counts.delegate_calls));
        self.code += times * a.code;
        self.calls += times * a.calls;
        self.storage += times * a.storage;
        self.transfers += times * a.transfers;
        self.events += times * a.events;
        self.topics += times * u64::from(a.counts.topics);
        self.execution += times * a.execution;
        self.other += i64::try_from(times).unwrap_or(i64::MAX) * a.other;
    }
}

/// One attribution as results.json records it.
fn attribution_json(call: &str, case: &str, a: &Attribution) -> serde_json::Value {
    let c = &a.counts;
    json!({
        "call": call,
        "case": case,
        "measured": a.measured,
        "code": {"bytes": c.code_bytes, "ref_time": a.code},
        "calls": {
            "calls": c.calls,
            "with_value": c.value_calls,
            "delegate": c.delegate_calls,
            "ref_time": a.calls,
        },
        "storage": {"reads": c.reads, "writes": c.writes, "ref_time": a.storage},
        "transfers": {"transfers": c.transfers, "ref_time": a.transfers},
        "events": {
            "events": c.events,
            "topics": c.topics,
            "bytes": c.event_bytes,
            "ref_time": a.events,
        },
        "execution": {"fuel": c.fuel, "ref_time": a.execution},
        "other": a.other,
    })
}

/// `part` of `whole` as "1.454 G (44 %)".
fn share(part: i64, whole: u64) -> String {
    let percent = part as f64 * 100.0 / whole.max(1) as f64;
    format!("{:.3} G ({percent:.0} %)", part as f64 / 1e9)
}

/// The "Where ref_time goes" table of RESULTS.md: one row per attributed call, then the demo
/// flow's total.
fn attribution_md(report: &Report) -> String {
    let mut md = String::from(
        "\n## Where ref_time goes\n\nEach trade-path call replayed in the chain's Wasm engine \
         (`e2e/src/bin/bench/attribution.rs`) and priced with the runtime's schedule: the code \
         of every frame (per byte loaded), cross-contract and delegate calls (with value: plus \
         the transfer surcharge), storage reads and writes, transfers, events (per topic about \
         what a storage write costs), Wasm execution (fuel); `other` is the rest of what the \
         chain measured (the other per-byte charges, hashing, signature checks).\n\n| call | \
         case | measured | code | calls | storage | transfers | events | execution | other \
         |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut line = |what: &str, case: &str, p: &Parts, counts: String| {
        let m = p.measured;
        let g = |x: u64| share(i64::try_from(x).unwrap_or(i64::MAX), m);
        md += &format!(
            "| {what} | {case} | {:.3} G | {} | {} | {} | {} | {} | {} | {} |\n",
            m as f64 / 1e9,
            g(p.code),
            g(p.calls),
            g(p.storage),
            g(p.transfers),
            g(p.events),
            g(p.execution),
            share(p.other, m),
        );
        md += &format!("| | | | {counts} | | | | | | |\n");
    };
    for (call, case, a) in &report.attributions {
        let mut p = Parts::default();
        p.add(a, 1);
        let c = &a.counts;
        let counts = format!(
            "{} B; {} call(s) ({} with value), {} delegate; {} reads, {} writes; {} transfer(s); \
             {} event(s), {} topics; {} fuel",
            c.code_bytes,
            c.calls,
            c.value_calls,
            c.delegate_calls,
            c.reads,
            c.writes,
            c.transfers,
            c.events,
            c.topics,
            c.fuel
        );
        line(call, case, &p, counts);
    }
    let (parts, _) = report.demo_flow_attribution();
    if parts.measured > 0 {
        let counts = format!(
            "{} B of code loaded; {} topics",
            parts.code_bytes, parts.topics
        );
        line("**demo flow**", "all its calls", &parts, counts);
    }
    md
}

/// Checks that a query costs (nearly) the same after a long history as after a short one.
pub fn history_check(report: &mut Report, name: &str, history: &str, one: Weight, many: Weight) {
    for (dim, x, y) in [
        ("ref_time", one.ref_time(), many.ref_time()),
        ("proof_size", one.proof_size(), many.proof_size()),
    ] {
        let drift = (y as f64 - x as f64).abs() * 100.0 / x as f64;
        report.check(
            format!(
                "{name} {dim} after {history} within {MAX_HISTORY_DRIFT_PERCENT}% of after 1 \
                 ({x} -> {y}, {drift:.2}%)"
            ),
            drift <= MAX_HISTORY_DRIFT_PERCENT,
        );
    }
}

pub fn write(report: &Report, out: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    let rows: Vec<_> = report
        .rows
        .iter()
        .map(|r| {
            json!({
                "contract": r.contract,
                "message": r.message,
                "case": r.case,
                "ref_time": r.weight.ref_time(),
                "proof_size": r.weight.proof_size(),
            })
        })
        .collect();
    let sizes: serde_json::Map<_, _> = report
        .sizes
        .iter()
        .map(|(n, s)| (n.to_string(), json!(s)))
        .collect();
    let checks: Vec<_> = report
        .checks
        .iter()
        .map(|c| json!({"check": c.what, "ok": c.ok, "gating": c.gating}))
        .collect();
    let mut doc = json!({
        "generated_by": "scripts/bench.sh (cargo run -p cgrid-e2e --bin bench)",
        "runtime": "ink_sandbox 5.1.1 DefaultSandbox (pallet-contracts 31), release bundles from cargo-contract 5.0.3",
        "wasm_bytes": sizes,
        "messages": rows,
        "checks": checks,
    });
    for (name, value, _) in &report.figures {
        doc[*name] = value.clone();
    }
    if !report.attributions.is_empty() {
        let calls: Vec<_> = report
            .attributions
            .iter()
            .map(|(call, case, a)| attribution_json(call, case, a))
            .collect();
        doc["ref_time_attribution"] = json!(calls);
        let (p, _) = report.demo_flow_attribution();
        doc["demo_flow_attribution"] = json!({
            "measured": p.measured,
            "code": {"bytes": p.code_bytes, "ref_time": p.code},
            "calls": p.calls,
            "storage": p.storage,
            "transfers": p.transfers,
            "events": {"topics": p.topics, "ref_time": p.events},
            "execution": p.execution,
            "other": p.other,
        });
    }
    // Figures other tools merge into the same file (the controller, recommender and CP-ABE
    // benchmarks, scripts/mutants.sh, scripts/fuzz.sh) are kept: this run does not measure them.
    cgrid_bench_report::merge_json(out, doc.as_object().cloned().unwrap_or_default())?;
    let previous = std::fs::read_to_string(out.join("RESULTS.md")).unwrap_or_default();

    let mut md = String::from(
        "# Benchmark results\n\nGenerated by `scripts/bench.sh`; do not edit. Weights are what pallet-contracts \
         charged on the embedded chain for the release bundles (deterministic). ref_time in picoseconds \
         of reference hardware (10^12 = 1 s), proof_size in bytes.\n\n## Wasm sizes\n\n| contract | bytes |\n|---|---:|\n",
    );
    for (n, s) in &report.sizes {
        md += &format!("| {n} | {s} |\n");
    }
    if !report.figures.is_empty() {
        md += "\n## Headline figures\n\n| figure | value | what |\n|---|---:|---|\n";
        for (name, value, what) in &report.figures {
            md += &format!("| `{name}` | {value} | {what} |\n");
        }
    }
    if !report.attributions.is_empty() {
        md += &attribution_md(report);
    }
    md += "\n## Messages\n\n| contract | message | case | ref_time | proof_size |\n|---|---|---|---:|---:|\n";
    for r in &report.rows {
        md += &format!(
            "| {} | `{}` | {} | {} | {} |\n",
            r.contract,
            r.message,
            r.case,
            r.weight.ref_time(),
            r.weight.proof_size()
        );
    }
    md += "\n## Targets\n\n";
    for c in &report.checks {
        if !c.what.contains(": ref_time") || !c.ok {
            md += &format!("- {} {}\n", if c.ok { "✅" } else { "❌" }, c.what);
        }
    }
    let max = report
        .rows
        .iter()
        .filter(|r| r.single)
        .map(|r| r.weight.ref_time())
        .max()
        .unwrap_or(0);
    md += &format!(
        "- {} every message <= {MAX_REF_TIME} ref_time (largest: {max})\n",
        if max <= MAX_REF_TIME { "✅" } else { "❌" }
    );
    std::fs::write(out.join("RESULTS.md"), md)?;
    for section in previous.split("\n## ").skip(1) {
        let (title, body) = section.split_once('\n').unwrap_or((section, ""));
        if !OWN_SECTIONS.contains(&title) {
            cgrid_bench_report::put_section(out, title, body)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gating Must checks of a report with these rows (ref_time, proof_size) and blobs.
    fn gating_misses(
        rows: &[(&'static str, &str, u64, u64)],
        blobs: &[(&str, usize)],
    ) -> Vec<String> {
        let mut report = Report::default();
        for (contract, message, ref_time, proof) in rows {
            report.row(
                contract,
                message,
                "case",
                Weight::from_parts(*ref_time, *proof),
            );
        }
        report.sizes = blobs.iter().map(|(b, s)| (b.to_string(), *s)).collect();
        report.summarise();
        report
            .checks
            .iter()
            .filter(|c| c.gating && !c.ok)
            .map(|c| c.what.clone())
            .collect()
    }

    #[test]
    fn a_must_miss_fails_the_check_and_no_blob_is_exempt() {
        const G: u64 = 1_000_000_000;
        // Every code blob meets the Wasm Must (the auction's main code since its `reveal` runs
        // in a second cold code): figures within every limit pass, and no blob is exempt.
        let within = gating_misses(
            &[
                ("incentive_auction", "finalize", 5 * G, 91_464),
                ("trade_escrow", "open", 3 * G, 90_000),
            ],
            &[
                ("incentive_auction", 30_310),
                ("incentive_auction.cold2", 31_288),
                ("trade_escrow", 31_134),
            ],
        );
        assert!(within.is_empty(), "{within:?}");
        let auction_back_over = gating_misses(&[], &[("incentive_auction", 43_444)]);
        assert!(
            matches!(&auction_back_over[..], [m] if m.contains("incentive_auction 43444 B")),
            "{auction_back_over:?}"
        );
        let new_message = gating_misses(&[("trade_escrow", "open", G, 120_001)], &[]);
        assert!(
            matches!(&new_message[..], [m] if m.contains("trade_escrow::open (case)")),
            "{new_message:?}"
        );
        // finalize meets both per-message Musts now (proof_size since the trade credentials
        // moved to the escrow, ref_time since the broker funds before a plain call): going back
        // over either fails.
        let over_proof = gating_misses(&[("incentive_auction", "finalize", 5 * G, 150_000)], &[]);
        assert!(
            matches!(&over_proof[..], [m] if m.contains("proof_size") && m.contains("finalize")),
            "{over_proof:?}"
        );
        let over_time = gating_misses(&[("incentive_auction", "finalize", 7 * G, 103_795)], &[]);
        assert!(
            matches!(&over_time[..], [m] if m.contains("ref_time") && m.contains("finalize")),
            "{over_time:?}"
        );
        let new_blob = gating_misses(&[], &[("trade_escrow.cold", 32_769)]);
        assert!(
            matches!(&new_blob[..], [m] if m.contains("trade_escrow.cold 32769 B")),
            "{new_blob:?}"
        );
    }
}

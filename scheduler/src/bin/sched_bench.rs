//! `sched-bench --out bench`: the recommender's evaluation and scale figures, merged into
//! `<out>/results.json` ("scheduling"), `<out>/RESULTS.md` (section "Scheduling") and a plot,
//! `<out>/scheduling.svg`. Release build: `scripts/bench.sh`, or
//! `cargo run --release -p cgrid-sched --bin sched-bench -- --out bench`.
//!
//! `--quick` runs a small evaluation and only the 1,000 × 1,000 plan.

use cgrid_sched::eval::{evaluate, Metrics};
use cgrid_sched::prefs::{learn, Learning};
use cgrid_sched::recommend::{recommend, Settings};
use cgrid_sched::workload::{Workload, WorkloadSpec};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

const K: usize = 3;

fn main() {
    if let Err(e) = run() {
        eprintln!("sched-bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut out = PathBuf::from("bench");
    let mut quick = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().ok_or("--out needs a folder")?.into(),
            "--quick" => quick = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    // Two loads: light (supply well above demand: does the plan find what each consumer
    // likes?) and heavy (demand near the feasible supply: does it share the scarce offers well?).
    let base = WorkloadSpec {
        seed: 2026,
        offers: 1_000,
        consumers: 300,
        history_per_consumer: 25,
        shown: 30,
        requests: 1_000,
    };
    let scenarios: Vec<(&str, WorkloadSpec)> = if quick {
        vec![("light", WorkloadSpec::small(21))]
    } else {
        vec![
            ("light", base),
            (
                "heavy",
                WorkloadSpec {
                    offers: 400,
                    requests: 2_000,
                    ..base
                },
            ),
        ]
    };
    let mut evaluated = Vec::new();
    for (name, spec) in scenarios {
        let w = Workload::generate(&spec);
        let demand: u64 = w.requests.iter().map(|r| r.units).sum();
        let supply: u64 = w.offers.iter().map(|o| o.units).sum();
        let started = Instant::now();
        let metrics = evaluate(&w, K);
        eprintln!(
            "{name}: evaluation {:.1} s",
            started.elapsed().as_secs_f64()
        );
        for m in &metrics {
            eprintln!("  {m:?}");
        }
        evaluated.push(Scenario {
            name,
            spec,
            demand,
            supply,
            metrics,
        });
    }
    let sizes: &[usize] = if quick { &[1_000] } else { &[1_000, 10_000] };
    let mut scale = Vec::new();
    for &n in sizes {
        let row = plan_at_scale(n)?;
        eprintln!("{row}");
        scale.push(row);
    }
    write(&out, &evaluated, &scale, quick)
}

struct Scenario {
    name: &'static str,
    spec: WorkloadSpec,
    demand: u64,
    supply: u64,
    metrics: Vec<Metrics>,
}

/// Peak resident memory of this process so far, MiB (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

fn plan_at_scale(n: usize) -> Result<Value, String> {
    let w = Workload::generate(&WorkloadSpec {
        seed: 7 + n as u64,
        offers: n,
        consumers: (n / 10).max(1),
        history_per_consumer: 5,
        shown: 20,
        requests: n,
    });
    let prefs = learn(
        &w.history,
        &w.offers,
        &cgrid_sched::features::Scale::of(&w.offers),
        &Learning::default(),
    );
    let started = Instant::now();
    let plan = recommend(&w.requests, &w.offers, &prefs, &Settings::default())
        .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({
        "requests": n,
        "offers": n,
        "pairs": plan.pairs,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "iterations": plan.iterations,
        "converged": plan.converged,
        "marginal_error": plan.marginal_error,
        "matrix_mib": (plan.matrix_bytes as f64 / 1048576.0 * 10.0).round() / 10.0,
        "peak_rss_mib": peak_rss_mib(),
        "threads": 1,
    }))
}

fn write(out: &Path, scenarios: &[Scenario], scale: &[Value], quick: bool) -> Result<(), String> {
    let thousand = scale.iter().find(|r| r["requests"] == 1_000);
    let under_1s = thousand
        .and_then(|r| r["seconds"].as_f64())
        .map(|s| s < 1.0);
    let scheduling = json!({
        "build": "release, sched-bench (scripts/bench.sh)",
        "quick": quick,
        "k": K,
        "scenarios": scenarios.iter().map(|s| json!({
            "name": s.name,
            "workload": {
                "seed": s.spec.seed, "offers": s.spec.offers, "consumers": s.spec.consumers,
                "history_per_consumer": s.spec.history_per_consumer, "shown": s.spec.shown,
                "held_out_requests": s.spec.requests,
                "demand_units": s.demand, "supply_units": s.supply,
            },
            "methods": s.metrics,
        })).collect::<Vec<_>>(),
        "scale": scale,
        "plan_1000x1000_under_1s": under_1s,
    });
    cgrid_bench_report::merge_json(out, [("scheduling", scheduling)]).map_err(|e| e.to_string())?;
    std::fs::write(out.join("scheduling.svg"), svg(scenarios)).map_err(|e| e.to_string())?;

    let mut section = format!(
        "The recommender (`cgrid recommend`, crate `cgrid-sched`) on seeded workloads: offers, \
         consumers with hidden preference profiles and their past choices, held-out requests \
         (scheduler/src/workload.rs documents the distributions). Match@1 / match@{K}: how often \
         the offer the consumer would pick itself is first / in the top {K} of the method's list. \
         Hidden cost: the mean cost of the served units under each consumer's true weights (lower \
         fits better). Stateless baselines match each request against the published capacity. \
         Plot: `scheduling.svg`.\n"
    );
    for sc in scenarios {
        section += &format!(
            "\n**{}** load (seed {}): {} offers holding {} units, {} consumers with {} past choices \
             each, {} held-out requests asking {} units.\n\n\
             | method | match@1 | match@{K} | price / unit-min | hidden cost | served units | unserved units | offers over capacity | units over capacity |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            sc.name, sc.spec.seed, sc.spec.offers, sc.supply, sc.spec.consumers,
            sc.spec.history_per_consumer, sc.spec.requests, sc.demand
        );
        for m in &sc.metrics {
            section += &format!(
                "| {} | {:.1}% | {:.1}% | {:.2} | {:.2} | {} | {} | {} | {} |\n",
                m.method,
                m.match_at_1 * 100.0,
                m.match_at_k * 100.0,
                m.price_per_unit_minute,
                m.mean_hidden_cost,
                m.served_units,
                m.unserved_units,
                m.offers_over_capacity,
                m.units_over_capacity
            );
        }
    }
    section += "\nPlanning time on one core (release build; the whole `recommend`: features, cost matrix, Sinkhorn, rounding):\n\n\
                | requests × offers | admissible pairs | seconds | iterations | matrix MiB | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|\n";
    for r in scale {
        section += &format!(
            "| {} × {} | {} | {} | {} | {} | {} |\n",
            r["requests"],
            r["offers"],
            r["pairs"],
            r["seconds"],
            r["iterations"],
            r["matrix_mib"],
            r["peak_rss_mib"]
        );
    }
    cgrid_bench_report::put_section(out, "Scheduling", &section).map_err(|e| e.to_string())
}

/// One panel per scenario of grouped bars: per method, match@1, match@k, served share and
/// over-capacity share.
fn svg(scenarios: &[Scenario]) -> String {
    let panel_height = 330.0;
    let panels: Vec<String> = scenarios
        .iter()
        .enumerate()
        .map(|(k, sc)| {
            format!(
                "<g transform=\"translate(0,{})\">\n{}</g>\n",
                panel_height * k as f64,
                panel(&format!("{} load", sc.name), &sc.metrics)
            )
        })
        .collect();
    let width = 60.0 + 150.0 * scenarios.first().map_or(0, |s| s.metrics.len()) as f64 + 20.0;
    let legend_top = panel_height * scenarios.len() as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\">\n{}",
        legend_top + 90.0,
        panels.concat()
    );
    for (k, (name, colour)) in SERIES.iter().enumerate() {
        let y = legend_top + 20.0 + 18.0 * k as f64;
        s += &format!(
            "<rect x=\"60\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"78\" y=\"{}\">{name}</text>\n",
            y - 10.0,
            y
        );
    }
    s + "</svg>\n"
}

const SERIES: [(&str, &str); 4] = [
    ("match@1", "#4c72b0"),
    ("match@3", "#55a868"),
    ("demand served within capacity", "#8172b2"),
    ("units over capacity (share of served)", "#c44e52"),
];

fn panel(title: &str, metrics: &[Metrics]) -> String {
    // Every method assigns or leaves unserved each requested unit.
    let demand = |m: &Metrics| (m.served_units + m.unserved_units).max(1) as f64;
    let values = |m: &Metrics| {
        [
            m.match_at_1,
            m.match_at_k,
            (m.served_units - m.units_over_capacity.min(m.served_units)) as f64 / demand(m),
            m.units_over_capacity as f64 / m.served_units.max(1) as f64,
        ]
    };
    let (left, top, height, group) = (60.0, 40.0, 260.0, 150.0);
    let width = left + group * metrics.len() as f64 + 20.0;
    let mut s = format!(
        "<text x=\"{left}\" y=\"20\" font-size=\"14\">{title}: the recommender against the baselines (held-out requests)</text>\n"
    );
    for t in 0..=4 {
        let y = top + height - height * t as f64 / 4.0;
        s += &format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}%</text>\n",
            width - 20.0,
            left - 5.0,
            y + 4.0,
            t * 25
        );
    }
    for (g, m) in metrics.iter().enumerate() {
        let x0 = left + group * g as f64 + 10.0;
        for (k, v) in values(m).iter().enumerate() {
            let h = height * v.clamp(0.0, 1.0);
            s += &format!(
                "<rect x=\"{}\" y=\"{}\" width=\"28\" height=\"{h}\" fill=\"{}\"/>\n",
                x0 + 30.0 * k as f64,
                top + height - h,
                SERIES[k].1
            );
        }
        s += &format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            x0 + 60.0,
            top + height + 16.0,
            m.method
        );
    }
    s
}

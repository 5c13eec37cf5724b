//! `cgrid recommend`: offers recommended to requests by optimal transport over each
//! consumer's learned preferences (crate `cgrid-sched`). Needs no chain: it reads the offers
//! providers published, the consumers' requests and (optionally) their trade history, and
//! prints per request a ranked list of offers with its shares of the plan and the units the
//! rounded assignment gives each. An offer that names its signed offer file can be opened
//! directly (`cgrid channel open --offer F`); the top providers are the ones to invite to an
//! auction.

use super::{CliError, Report};
use cgrid_sched::features::Scale;
use cgrid_sched::{learn, model, recommend, Learning, Plan, Preferences, Settings};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Clone)]
pub struct RecommendArgs {
    /// The requests (`{"requests": [...]}`).
    #[arg(long)]
    pub requests: PathBuf,
    /// The offers on the market (`{"offers": [...]}`).
    #[arg(long)]
    pub offers: PathBuf,
    /// The consumers' trade history (`cgrid history export`); without it every consumer gets
    /// the same weights.
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// How many offers each request's list names.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| {
        CliError::input(format!(
            "cannot read the {what} file {}: {e}",
            path.display()
        ))
    })
}

/// The inputs' bytes to a plan; every error is the input's, named.
pub fn plan_of(
    requests: &[u8],
    offers: &[u8],
    history: Option<&[u8]>,
    top: usize,
) -> Result<(Plan, Preferences), String> {
    if top == 0 {
        return Err("--top must be at least 1".into());
    }
    let requests = model::parse_requests(requests).map_err(|e| e.to_string())?;
    let offers = model::parse_offers(offers).map_err(|e| e.to_string())?;
    let prefs = match history {
        Some(bytes) => {
            let history = model::parse_history(bytes).map_err(|e| e.to_string())?;
            learn(&history, &offers, &Scale::of(&offers), &Learning::default())
        }
        None => Preferences::uniform(),
    };
    let settings = Settings {
        top_k: top,
        ..Settings::default()
    };
    let plan = recommend(&requests, &offers, &prefs, &settings).map_err(|e| e.to_string())?;
    Ok((plan, prefs))
}

/// The plan as JSON (what `--json` prints and `POST /recommend` answers).
pub fn plan_json(plan: &Plan, prefs: &Preferences) -> serde_json::Value {
    json!({
        "recommendations": plan.recommendations,
        "solver": {
            "pairs": plan.pairs,
            "iterations": plan.iterations,
            "converged": plan.converged,
            "marginal_error": plan.marginal_error,
        },
        "weights": {
            "features": cgrid_sched::features::FEATURES,
            "population": prefs.population,
            "consumers": prefs.consumers,
        },
    })
}

pub fn run(args: RecommendArgs) -> Result<Report, CliError> {
    let requests = read(&args.requests, "requests")?;
    let offers = read(&args.offers, "offers")?;
    let history = args
        .history
        .as_deref()
        .map(|p| read(p, "history"))
        .transpose()?;
    let (plan, prefs) =
        plan_of(&requests, &offers, history.as_deref(), args.top).map_err(CliError::Input)?;
    let mut text = String::new();
    for r in &plan.recommendations {
        text += &format!(
            "{} ({}, {} weights): {} feasible offer(s)",
            r.request, r.consumer, r.weights, r.feasible_offers
        );
        if r.unserved > 0 {
            text += &format!(", {} unit(s) unserved", r.unserved);
        }
        text.push('\n');
        for (k, x) in r.ranked.iter().enumerate() {
            text += &format!(
                "  {}. {} ({}) share {:.0}% cost {:.3}{}{}\n",
                k + 1,
                x.offer_id,
                x.provider,
                x.share * 100.0,
                x.cost,
                if x.units > 0 {
                    format!(", assigned {} unit(s)", x.units)
                } else {
                    String::new()
                },
                x.offer_file
                    .as_deref()
                    .map(|f| format!("; open: cgrid channel open --offer {f} --deposit …"))
                    .unwrap_or_default()
            );
        }
    }
    text += &format!(
        "plan: {} admissible pairs, {} iterations{}\n",
        plan.pairs,
        plan.iterations,
        if plan.converged {
            ""
        } else {
            " (stopped before the tolerance)"
        }
    );
    Ok(Report::new(text, plan_json(&plan, &prefs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFERS: &str = r#"{"offers":[
        {"id":"near","provider":"p1","units":8,"memory_gib":32,"gpu":"none","region":"eu-west","price":10,"green_share":0.2,"carbon_intensity":300,"pue":1.3,"offer_file":"near.offer.json"},
        {"id":"green","provider":"p2","units":8,"memory_gib":32,"gpu":"none","region":"us-east","price":12,"green_share":1.0,"carbon_intensity":300,"pue":1.1}]}"#;
    const REQUESTS: &str = r#"{"requests":[{"id":"r1","consumer":"c1","units":4,"minutes":60,"deadline":90,"home":"eu-west","budget":100000}]}"#;

    #[test]
    fn a_plan_names_offers_and_how_to_open_them() {
        let (plan, _) = plan_of(REQUESTS.as_bytes(), OFFERS.as_bytes(), None, 5).unwrap();
        let r = &plan.recommendations[0];
        assert_eq!(r.ranked.len(), 2);
        assert_eq!(r.ranked.iter().map(|x| x.units).sum::<u64>(), 4);
        assert_eq!(r.ranked[0].offer_file.as_deref(), Some("near.offer.json"));
    }

    #[test]
    fn bad_inputs_are_one_sentence_each() {
        let cases = [
            (
                REQUESTS.replace("\"units\":4", "\"units\":0"),
                OFFERS.to_string(),
                "requests[0].units: must be at least 1",
            ),
            (
                REQUESTS.to_string(),
                OFFERS.replace("1.0,", "2.0,"),
                "offers[1].green_share: 2 is not between 0 and 1",
            ),
            (
                "[]".to_string(),
                OFFERS.to_string(),
                "the requests file is not a JSON object like {\"requests\": [...]}",
            ),
        ];
        for (requests, offers, want) in cases {
            let err = plan_of(requests.as_bytes(), offers.as_bytes(), None, 5).unwrap_err();
            assert!(err.contains(want), "{err} does not say {want}");
        }
        let err = plan_of(
            REQUESTS.as_bytes(),
            OFFERS.as_bytes(),
            Some(b"{\"history\": 3}"),
            5,
        )
        .unwrap_err();
        assert!(err.contains("history: invalid type"), "{err}");
        assert_eq!(
            plan_of(REQUESTS.as_bytes(), OFFERS.as_bytes(), None, 0).unwrap_err(),
            "--top must be at least 1"
        );
    }
}

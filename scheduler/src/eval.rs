//! The evaluation: on a generated workload's held-out requests, the transport plan with learned
//! preferences against the baselines ([`crate::baseline`]), and the plan with the population's
//! weights only (what learning each consumer adds).
//!
//! Per method: preference match (how often the offer the consumer would pick itself is first,
//! or in the top k, of the method's list), the money paid per served unit-minute, the mean
//! hidden cost of the served units under each consumer's true weights (how well the placement
//! fits what consumers want; lower is better), the units served and unserved, and the capacity
//! violations (offers given more units than they have, and by how many units).

use crate::baseline::{self, Matcher, Mode};
use crate::features::{cost, features, Scale};
use crate::prefs::{learn, Learning, Preferences};
use crate::recommend::{recommend, Settings};
use crate::workload::Workload;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub method: String,
    pub match_at_1: f64,
    pub match_at_k: f64,
    pub k: usize,
    pub price_per_unit_minute: f64,
    pub mean_hidden_cost: f64,
    pub served_units: u64,
    pub unserved_units: u64,
    pub offers_over_capacity: usize,
    pub units_over_capacity: u64,
}

/// What every method produced for the held-out requests.
struct Result<'a> {
    method: &'a str,
    rankings: Vec<Vec<usize>>,
    assigned: Vec<Vec<(usize, u64)>>,
    unserved: Vec<u64>,
}

fn score(w: &Workload, r: &Result<'_>, k: usize) -> Metrics {
    let scale = Scale::of(&w.offers);
    let (mut at1, mut atk, mut asked) = (0usize, 0usize, 0usize);
    for (i, choice) in w.choice.iter().enumerate() {
        let Some(choice) = choice else { continue };
        asked += 1;
        let ranking = &r.rankings[i];
        at1 += usize::from(ranking.first() == Some(choice));
        atk += usize::from(ranking.iter().take(k).any(|j| j == choice));
    }
    let mut used = vec![0u64; w.offers.len()];
    let (mut money, mut unit_minutes, mut hidden, mut served) = (0.0, 0.0, 0.0, 0u64);
    for (i, list) in r.assigned.iter().enumerate() {
        let req = &w.requests[i];
        let weights = &w.hidden[&req.consumer];
        for &(j, units) in list {
            used[j] += units;
            served += units;
            let o = &w.offers[j];
            money += units as f64 * req.minutes as f64 * o.price;
            unit_minutes += units as f64 * req.minutes as f64;
            hidden += units as f64 * cost(weights, &features(req, o, &scale));
        }
    }
    let over: Vec<u64> = used
        .iter()
        .zip(&w.offers)
        .map(|(u, o)| u.saturating_sub(o.units))
        .collect();
    let share = |x: usize| (x as f64 / asked.max(1) as f64 * 1e4).round() / 1e4;
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    Metrics {
        method: r.method.into(),
        match_at_1: share(at1),
        match_at_k: share(atk),
        k,
        price_per_unit_minute: round2(money / unit_minutes.max(1.0)),
        mean_hidden_cost: round2(hidden / served.max(1) as f64),
        served_units: served,
        unserved_units: r.unserved.iter().sum(),
        offers_over_capacity: over.iter().filter(|&&x| x > 0).count(),
        units_over_capacity: over.iter().sum(),
    }
}

/// Evaluates every method on `w` (k for "in the top k").
pub fn evaluate(w: &Workload, k: usize) -> Vec<Metrics> {
    let scale = Scale::of(&w.offers);
    let learned = learn(&w.history, &w.offers, &scale, &Learning::default());
    let population = Preferences {
        population: learned.population,
        ..Preferences::uniform()
    };
    let settings = Settings {
        top_k: k.max(1),
        ..Settings::default()
    };
    let mut results = Vec::new();
    for (method, prefs) in [("ot-learned", &learned), ("ot-population", &population)] {
        let plan = recommend(&w.requests, &w.offers, prefs, &settings).expect("plan");
        results.push(Result {
            method,
            rankings: plan
                .recommendations
                .iter()
                .map(|r| r.ranked.iter().map(|x| x.offer).collect())
                .collect(),
            assigned: plan
                .recommendations
                .iter()
                .map(|r| r.assigned.clone())
                .collect(),
            unserved: plan.recommendations.iter().map(|r| r.unserved).collect(),
        });
    }
    for (method, matcher, mode) in [
        ("fixed-score", Matcher::FixedScore, Mode::Sequential),
        (
            "fixed-score-stateless",
            Matcher::FixedScore,
            Mode::Stateless,
        ),
        (
            "most-free-memory",
            Matcher::MostFreeMemory,
            Mode::Sequential,
        ),
        (
            "most-free-memory-stateless",
            Matcher::MostFreeMemory,
            Mode::Stateless,
        ),
        (
            "learned-greedy",
            Matcher::Learned(&learned),
            Mode::Sequential,
        ),
    ] {
        let out = baseline::run(matcher, mode, &w.requests, &w.offers);
        results.push(Result {
            method,
            rankings: out.rankings,
            assigned: out.assigned,
            unserved: out.unserved,
        });
    }
    results.iter().map(|r| score(w, r, k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::WorkloadSpec;

    /// The claim the recommender exists for, on a small workload: learned preferences match the
    /// consumers' own choices more often than the shared scoring or most-free-memory, the plan
    /// never oversubscribes, and it serves at least as much as the capacity-tracking baselines.
    #[test]
    fn learned_transport_beats_the_baselines_on_preference_match() {
        let w = Workload::generate(&WorkloadSpec {
            offers: 120,
            consumers: 24,
            history_per_consumer: 30,
            requests: 150,
            ..WorkloadSpec::small(21)
        });
        let m = evaluate(&w, 3);
        let get = |name: &str| m.iter().find(|x| x.method == name).unwrap();
        let ot = get("ot-learned");
        for other in ["fixed-score", "most-free-memory", "ot-population"] {
            assert!(
                ot.match_at_k > get(other).match_at_k,
                "{ot:?} against {:?}",
                get(other)
            );
        }
        assert_eq!((ot.offers_over_capacity, ot.units_over_capacity), (0, 0));
        assert_eq!(get("fixed-score").units_over_capacity, 0);
        assert!(ot.served_units >= get("most-free-memory").served_units);
    }
}

//! The two usual matchers the design criticises, as the evaluation's baselines. Both match one
//! request at a time:
//! - **fixed scoring**: every consumer's candidates ranked by one shared scoring function with
//!   preset weights ([`FIXED_WEIGHTS`]);
//! - **most free memory**: among the offers that meet the request, the one with the most free
//!   memory.
//!
//! Each runs in two modes: *sequential* (a scheduler that tracks capacity, serving requests in
//! arrival order, each taking what is left of its best offers) and *stateless* (each request
//! matched against the published capacity, as independent schedulers or one without a global
//! view do; offers can then be oversubscribed).

use crate::features::{cost, feasible, features, Features, Scale};
use crate::model::{Offer, Request};

/// The shared scoring function's weights: price 0.4, emissions 0.2, latency 0.2, waiting 0.1,
/// over-provisioning 0.1.
pub const FIXED_WEIGHTS: Features = [0.4, 0.2, 0.2, 0.1, 0.1];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Matcher<'p> {
    FixedScore,
    MostFreeMemory,
    /// Each consumer's own learned weights, one request at a time (an ablation: learning
    /// without the plan).
    Learned(&'p crate::prefs::Preferences),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Sequential,
    Stateless,
}

/// What a baseline did: per request its ranking (offer indices, best first) and assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub rankings: Vec<Vec<usize>>,
    pub assigned: Vec<Vec<(usize, u64)>>,
    pub unserved: Vec<u64>,
}

/// Runs `matcher` in `mode` over `requests` in order.
pub fn run(matcher: Matcher<'_>, mode: Mode, requests: &[Request], offers: &[Offer]) -> Outcome {
    let scale = Scale::of(offers);
    let mut room: Vec<u64> = offers.iter().map(|o| o.units).collect();
    let mut out = Outcome {
        rankings: Vec::with_capacity(requests.len()),
        assigned: Vec::with_capacity(requests.len()),
        unserved: Vec::with_capacity(requests.len()),
    };
    for r in requests {
        let free_memory = |j: usize, room: &[u64]| {
            let o = &offers[j];
            o.memory_gib * room[j] as f64 / o.units.max(1) as f64
        };
        let mut ranking: Vec<usize> = (0..offers.len())
            .filter(|&j| feasible(r, &offers[j]))
            .collect();
        let seen = match mode {
            Mode::Sequential => room.clone(),
            Mode::Stateless => offers.iter().map(|o| o.units).collect(),
        };
        match matcher {
            Matcher::FixedScore | Matcher::Learned(_) => {
                let weights = match matcher {
                    Matcher::Learned(prefs) => prefs.weights(&r.consumer),
                    _ => &FIXED_WEIGHTS,
                };
                let score = |j: usize| cost(weights, &features(r, &offers[j], &scale));
                ranking.sort_by(|&x, &y| score(x).total_cmp(&score(y)));
            }
            Matcher::MostFreeMemory => {
                ranking.sort_by(|&x, &y| free_memory(y, &seen).total_cmp(&free_memory(x, &seen)));
            }
        }
        let mut left = r.units;
        let mut assigned = Vec::new();
        for &j in &ranking {
            if left == 0 {
                break;
            }
            let x = left.min(seen[j]);
            if x > 0 {
                assigned.push((j, x));
                left -= x;
                room[j] = room[j].saturating_sub(x);
            }
        }
        out.rankings.push(ranking);
        out.assigned.push(assigned);
        out.unserved.push(left);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::tests::{offer, request};

    #[test]
    fn sequential_respects_capacity_and_stateless_oversubscribes() {
        let offers = [
            offer("big", 8, "eu-west", 1.0),
            offer("small", 2, "eu-west", 5.0),
        ];
        let requests = [request("a", 6, "eu-west"), request("b", 6, "eu-west")];
        let seq = run(Matcher::FixedScore, Mode::Sequential, &requests, &offers);
        assert_eq!(seq.assigned, vec![vec![(0, 6)], vec![(0, 2), (1, 2)]]);
        assert_eq!(seq.unserved, vec![0, 2]);
        let stateless = run(Matcher::FixedScore, Mode::Stateless, &requests, &offers);
        assert_eq!(stateless.assigned, vec![vec![(0, 6)], vec![(0, 6)]]);
        let mfm = run(
            Matcher::MostFreeMemory,
            Mode::Sequential,
            &requests,
            &offers,
        );
        assert_eq!(mfm.rankings[0], vec![0, 1]);
    }
}

//! Offers recommended to requests: one transport plan for all requests at once.
//!
//! Requests carry mass = units demanded, offers mass = units free. The cost of request `i` on
//! offer `j` is its consumer's learned weights times the pair's features, `w_c · φ_ij`; a pair
//! that breaks a hard constraint (region, GPU class, budget, deadline, memory per unit) is no
//! entry at all (an infinite cost). Supply and demand rarely match, so the problem is made
//! balanced with a slack column "unserved" (every request may put units there at a penalty
//! above any real cost) and a slack row "idle" (every offer may leave units free at no cost):
//! capacities stay hard, and demand goes unserved only where serving it would cost more than
//! the penalty. The rounding ([`crate::round`]) turns the plan into whole-unit assignments. Each
//! request's list ranks its admissible offers by the consumer's own cost, with the plan's share
//! and the units assigned beside each: the list says what the consumer would like, the
//! assignment what the market can give it (a favourite another consumer needs more shows a
//! small share).

use crate::features::{cost, feasible, features, Scale};
use crate::model::{Offer, Request};
use crate::ot::{self, OtError, SparseCost};
use crate::prefs::Preferences;
use crate::round;
use serde::Serialize;

/// Recommendation settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// How many offers each request's list names.
    pub top_k: usize,
    /// ε as a share of the largest request–offer cost.
    pub epsilon_share: f64,
    /// The unserved penalty as a multiple of the largest request–offer cost (> 1: serving is
    /// preferred wherever a whole reassignment chain costs less).
    pub penalty_factor: f64,
    pub tolerance: f64,
    pub max_iterations: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            top_k: 5,
            epsilon_share: 0.02,
            penalty_factor: 3.0,
            tolerance: 1e-4,
            max_iterations: 1_000,
        }
    }
}

/// One offer in a request's list: the consumer's `top_k` offers by its own cost, then any other
/// offer the plan's assignment uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    /// Index into the offers.
    #[serde(skip)]
    pub offer: usize,
    pub offer_id: String,
    pub provider: String,
    /// The share of the request's units the plan puts on this offer.
    pub share: f64,
    /// The consumer's cost of this offer (`w · φ`, lower is better).
    pub cost: f64,
    /// The units the rounded assignment gives it here.
    pub units: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer_file: Option<String>,
}

/// A request's recommendation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub request: String,
    pub consumer: String,
    /// Whose weights ranked it: the consumer's own, or the population's.
    pub weights: &'static str,
    pub feasible_offers: usize,
    pub ranked: Vec<Ranked>,
    /// The rounded assignment: `(offer index, units)`.
    #[serde(skip)]
    pub assigned: Vec<(usize, u64)>,
    pub unserved: u64,
}

/// The plan for a batch of requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub recommendations: Vec<Recommendation>,
    pub iterations: usize,
    pub converged: bool,
    pub marginal_error: f64,
    /// Admissible request–offer pairs.
    pub pairs: usize,
    /// Bytes of the cost matrix.
    pub matrix_bytes: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecommendError {
    #[error("the transport problem could not be solved: {0}")]
    Transport(#[from] OtError),
}

/// Plans `offers` for `requests` under `prefs`.
pub fn recommend(
    requests: &[Request],
    offers: &[Offer],
    prefs: &Preferences,
    s: &Settings,
) -> Result<Plan, RecommendError> {
    let (n, m) = (requests.len(), offers.len());
    let scale = Scale::of(offers);
    let mut rows: Vec<Vec<(u32, f64)>> = Vec::with_capacity(n + 1);
    let mut largest: f64 = 0.0;
    for r in requests {
        let w = prefs.weights(&r.consumer);
        let row: Vec<(u32, f64)> = offers
            .iter()
            .enumerate()
            .filter(|(_, o)| feasible(r, o))
            .map(|(j, o)| (j as u32, cost(w, &features(r, o, &scale))))
            .collect();
        largest = row.iter().fold(largest, |l, (_, c)| l.max(*c));
        rows.push(row);
    }
    let largest = if largest > 0.0 { largest } else { 1.0 };
    let penalty = s.penalty_factor * largest;
    let unserved = m as u32;
    for row in rows.iter_mut() {
        row.push((unserved, penalty));
    }
    rows.push((0..=m as u32).map(|j| (j, 0.0)).collect());
    let demand: Vec<u64> = requests.iter().map(|r| r.units).collect();
    let capacity: Vec<u64> = offers.iter().map(|o| o.units).collect();
    let (sd, sc) = (demand.iter().sum::<u64>(), capacity.iter().sum::<u64>());
    let mut a: Vec<f64> = demand.iter().map(|&u| u as f64).collect();
    a.push(sc as f64);
    let mut b: Vec<f64> = capacity.iter().map(|&u| u as f64).collect();
    b.push(sd as f64);
    let c = SparseCost::from_rows(m + 1, &rows)?;
    drop(rows);
    let solution = ot::sinkhorn(
        &c,
        &a,
        &b,
        &ot::Settings {
            epsilon: s.epsilon_share * largest,
            tolerance: s.tolerance,
            max_iterations: s.max_iterations,
        },
    )?;
    let assignment = round::round(&c, &solution.plan, &demand, &capacity);
    let recommendations = requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut entries: Vec<usize> = (c.row_ptr[i]..c.row_ptr[i + 1])
                .filter(|&k| (c.col[k] as usize) < m)
                .collect();
            let feasible_offers = entries.len();
            // The consumer's own order (its learned cost), so the list says what it would
            // like; the plan's share and the units assigned stand beside each offer.
            let share = |k: usize| solution.plan[k] / r.units as f64;
            entries.sort_by(|&x, &y| c.cost[x].total_cmp(&c.cost[y]));
            let assigned = assignment.assigned[i].clone();
            // The top k, then any offer the assignment uses beyond them.
            let listed: Vec<usize> = entries
                .iter()
                .enumerate()
                .filter(|&(rank, &k)| {
                    rank < s.top_k || assigned.iter().any(|(j, _)| *j == c.col[k] as usize)
                })
                .map(|(_, &k)| k)
                .collect();
            let ranked = listed
                .iter()
                .map(|&k| {
                    let j = c.col[k] as usize;
                    Ranked {
                        offer: j,
                        offer_id: offers[j].id.clone(),
                        provider: offers[j].provider.clone(),
                        share: (share(k) * 1e4).round() / 1e4,
                        cost: (c.cost[k] * 1e4).round() / 1e4,
                        units: assigned
                            .iter()
                            .find(|(o, _)| *o == j)
                            .map_or(0, |(_, u)| *u),
                        offer_file: offers[j].offer_file.clone(),
                    }
                })
                .collect();
            Recommendation {
                request: r.id.clone(),
                consumer: r.consumer.clone(),
                weights: if prefs.consumers.contains_key(&r.consumer) {
                    "own"
                } else {
                    "population"
                },
                feasible_offers,
                ranked,
                assigned,
                unserved: assignment.unserved[i],
            }
        })
        .collect();
    Ok(Plan {
        recommendations,
        iterations: solution.iterations,
        converged: solution.converged,
        marginal_error: solution.marginal_error,
        pairs: c.nnz() - n - (m + 1),
        matrix_bytes: c.heap_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::tests::{offer, request};

    fn plan(requests: &[Request], offers: &[Offer]) -> Plan {
        recommend(
            requests,
            offers,
            &Preferences::uniform(),
            &Settings::default(),
        )
        .unwrap()
    }

    #[test]
    fn a_request_with_no_feasible_offer_goes_unserved() {
        let mut r = request("r", 4, "eu-west");
        r.regions = vec!["ap-east".into()];
        let p = plan(&[r], &[offer("o", 8, "eu-west", 1.0)]);
        let rec = &p.recommendations[0];
        assert_eq!((rec.feasible_offers, rec.unserved), (0, 4));
        assert!(rec.ranked.is_empty() && rec.assigned.is_empty());
    }

    #[test]
    fn a_zero_capacity_offer_gets_nothing() {
        let p = plan(
            &[request("r", 4, "eu-west")],
            &[
                offer("empty", 0, "eu-west", 0.5),
                offer("o", 8, "eu-west", 1.0),
            ],
        );
        let rec = &p.recommendations[0];
        assert_eq!(rec.assigned, vec![(1, 4)]);
        assert_eq!(rec.ranked.len(), 1);
    }

    #[test]
    fn one_offer_serves_what_it_can() {
        let p = plan(
            &[request("a", 6, "eu-west"), request("b", 6, "eu-west")],
            &[offer("o", 8, "eu-west", 1.0)],
        );
        let served: u64 = p
            .recommendations
            .iter()
            .flat_map(|r| &r.assigned)
            .map(|(_, u)| u)
            .sum();
        let unserved: u64 = p.recommendations.iter().map(|r| r.unserved).sum();
        assert_eq!((served, unserved), (8, 4));
    }

    #[test]
    fn no_requests_or_no_offers_is_an_empty_plan() {
        assert!(plan(&[], &[offer("o", 8, "eu-west", 1.0)])
            .recommendations
            .is_empty());
        let p = plan(&[request("r", 2, "eu-west")], &[]);
        assert_eq!(p.recommendations[0].unserved, 2);
    }

    /// Contention: two requests both like the cheap offer best, but only one fits; the plan
    /// gives it to the one that loses most by going elsewhere (the consumer in the same
    /// region), where a one-request-at-a-time ranking would send both there.
    #[test]
    fn the_plan_resolves_contention_by_total_cost() {
        let offers = [
            offer("cheap-eu", 4, "eu-west", 1.0),
            offer("dear-us", 4, "us-east", 4.0),
        ];
        let near = request("near", 4, "eu-west");
        let other = request("other", 4, "eu-central");
        let p = plan(&[other, near], &offers);
        assert_eq!(p.recommendations[1].assigned, vec![(0, 4)], "{p:#?}");
        assert_eq!(p.recommendations[0].assigned, vec![(1, 4)], "{p:#?}");
    }
}

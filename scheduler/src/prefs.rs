//! Preferences learned from trade history: per-consumer weights of the offer features, fitted
//! as a conditional logit (a consumer picks offer `c` from the set `S` it saw with probability
//! `exp(−w·φ_c) / Σ_{s∈S} exp(−w·φ_s)`, `w ≥ 0`).
//!
//! The population's weights are fitted on everybody's choices; each consumer's are then fitted
//! on its own choices with a pull towards the population's (`κ ‖w − w_pop‖²`, weighed against
//! its number of choices), so a consumer with few trades stays near the population and one
//! with none gets the population's weights. Where a history entry does not say what else was
//! on offer, a sample of the current market's feasible offers stands in (uniformly sampled
//! alternatives keep the logit's estimate consistent; McFadden 1978).

use crate::features::{feasible, features, Features, Scale, DIM};
use crate::model::{Choice, Offer};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::collections::BTreeMap;

/// The weights used where there is no history at all: every feature alike.
pub const UNIFORM: Features = [1.0; DIM];

/// Learning settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Learning {
    /// The pull of a consumer's weights towards the population's.
    pub kappa: f64,
    /// Alternatives sampled from the market where an entry lists none.
    pub sampled_alternatives: usize,
    pub iterations: usize,
    pub seed: u64,
}

impl Default for Learning {
    fn default() -> Self {
        Learning {
            kappa: 2.0,
            sampled_alternatives: 40,
            iterations: 300,
            seed: 1,
        }
    }
}

/// Learned weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Preferences {
    pub population: Features,
    pub consumers: BTreeMap<String, Features>,
    /// How many choices each consumer's weights rest on.
    pub choices: BTreeMap<String, usize>,
}

impl Preferences {
    /// Everyone alike: no history.
    pub fn uniform() -> Preferences {
        Preferences {
            population: UNIFORM,
            consumers: BTreeMap::new(),
            choices: BTreeMap::new(),
        }
    }

    /// `consumer`'s weights, or the population's for a consumer without history.
    pub fn weights(&self, consumer: &str) -> &Features {
        self.consumers.get(consumer).unwrap_or(&self.population)
    }
}

/// One choice as the fit sees it: the alternatives' features minus the chosen one's.
struct Observation {
    consumer: usize,
    deltas: Vec<Features>,
}

/// Fits the preferences of the consumers in `history`; `market` supplies alternatives where an
/// entry lists none; features are scaled by `scale` (the market's, so that the weights apply to
/// the market's offers).
pub fn learn(history: &[Choice], market: &[Offer], scale: &Scale, s: &Learning) -> Preferences {
    if history.is_empty() {
        return Preferences::uniform();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(s.seed);
    let mut names: Vec<String> = history.iter().map(|c| c.consumer.clone()).collect();
    names.sort();
    names.dedup();
    let index = |name: &str| names.binary_search_by(|n| n.as_str().cmp(name)).unwrap();
    let mut observations = Vec::with_capacity(history.len());
    for choice in history {
        let chosen = features(&choice.request, &choice.chosen, scale);
        let others: Vec<&Offer> = if choice.alternatives.is_empty() {
            let feasible: Vec<&Offer> = market
                .iter()
                .filter(|o| o.id != choice.chosen.id && feasible(&choice.request, o))
                .collect();
            feasible
                .choose_multiple(&mut rng, s.sampled_alternatives)
                .copied()
                .collect()
        } else {
            choice
                .alternatives
                .iter()
                .filter(|o| o.id != choice.chosen.id)
                .collect()
        };
        let deltas = others
            .iter()
            .map(|o| {
                let phi = features(&choice.request, o, scale);
                std::array::from_fn(|k| phi[k] - chosen[k])
            })
            .collect();
        observations.push(Observation {
            consumer: index(&choice.consumer),
            deltas,
        });
    }
    let all: Vec<&Observation> = observations.iter().collect();
    let population = fit(&all, &[0.0; DIM], 1e-3, s.iterations);
    let mut consumers = BTreeMap::new();
    let mut choices = BTreeMap::new();
    for (c, name) in names.iter().enumerate() {
        let own: Vec<&Observation> = observations.iter().filter(|o| o.consumer == c).collect();
        let pull = s.kappa / own.len() as f64;
        consumers.insert(name.clone(), fit(&own, &population, pull, s.iterations));
        choices.insert(name.clone(), own.len());
    }
    Preferences {
        population,
        consumers,
        choices,
    }
}

/// Minimises the mean negative log-likelihood of `obs` plus `pull ‖w − prior‖²` over `w ≥ 0`
/// by projected gradient descent (the objective is convex; features are about 0..1, so a
/// fixed step is stable).
fn fit(obs: &[&Observation], prior: &Features, pull: f64, iterations: usize) -> Features {
    let mut w = *prior;
    if obs.is_empty() {
        return w;
    }
    let step = 1.0 / (1.0 + 2.0 * pull);
    for _ in 0..iterations {
        let mut grad = [0.0; DIM];
        for o in obs {
            // −log P(chosen) = log(1 + Σ_s exp(−w·Δ_s)); its gradient is −Σ_s p_s Δ_s with
            // p_s the probability of alternative s.
            let scores: Vec<f64> = o
                .deltas
                .iter()
                .map(|d| -crate::features::cost(&w, d))
                .collect();
            let max = scores.iter().fold(0.0_f64, |m, &x| m.max(x));
            let mut z = (-max).exp();
            let weights: Vec<f64> = scores.iter().map(|x| (x - max).exp()).collect();
            z += weights.iter().sum::<f64>();
            for (d, e) in o.deltas.iter().zip(&weights) {
                let p = e / z;
                for k in 0..DIM {
                    grad[k] -= p * d[k];
                }
            }
        }
        for k in 0..DIM {
            let g = grad[k] / obs.len() as f64 + 2.0 * pull * (w[k] - prior[k]);
            w[k] = (w[k] - step * g).max(0.0);
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{Workload, WorkloadSpec};

    /// With enough choices the fit finds what drives a consumer: the heaviest learned weight is
    /// the heaviest hidden one, and two consumers with opposite tastes get different weights.
    #[test]
    fn the_fit_recovers_hidden_tastes() {
        let w = Workload::generate(&WorkloadSpec {
            consumers: 8,
            history_per_consumer: 120,
            ..WorkloadSpec::small(3)
        });
        let scale = Scale::of(&w.offers);
        let prefs = learn(&w.history, &w.offers, &scale, &Learning::default());
        let argmax = |v: &Features| (0..DIM).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
        let mut right = 0;
        for (name, hidden) in &w.hidden {
            if argmax(prefs.weights(name)) == argmax(hidden) {
                right += 1;
            }
        }
        assert!(right >= 7, "{right} of 8 consumers' main concern recovered");
    }

    #[test]
    fn a_consumer_without_history_gets_the_population() {
        let w = Workload::generate(&WorkloadSpec::small(4));
        let prefs = learn(
            &w.history,
            &w.offers,
            &Scale::of(&w.offers),
            &Learning::default(),
        );
        assert_eq!(prefs.weights("nobody"), &prefs.population);
        assert_ne!(prefs.population, UNIFORM);
        assert_eq!(
            learn(&[], &w.offers, &Scale::of(&w.offers), &Learning::default()),
            Preferences::uniform()
        );
    }
}

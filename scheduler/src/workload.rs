//! A seeded workload: a market of offers, consumers with hidden preference profiles, their past
//! choices (the history the recommender learns from) and held-out requests with the offer each
//! consumer would pick itself. The same seed gives the same workload on every machine.
//!
//! Distributions (all independent unless said):
//! - regions: six, `eu-west`, `eu-central`, `us-east`, `us-west`, `ap-south`, `ap-east`, uniform;
//! - offers: units `2^k`, k uniform in 3..=7 (8 to 128); memory 2, 4 or 8 GiB per unit; GPU
//!   class none 50 %, t4 20 %, l4 15 %, a100 10 %, h100 5 %; price per unit-minute
//!   100 × (1, 2, 3, 6, 10 by class) × lognormal(0, 0.3); green share uniform 0..1; carbon
//!   intensity uniform 50..700 gCO₂/kWh; PUE uniform 1.1..1.8; starts in 0 minutes with
//!   probability ½, else uniform 1..120;
//! - consumers: home region uniform; a hidden profile, one of four archetypes (price-driven,
//!   green, latency-driven, in a hurry) with weight 6 on its concern and 0.5 ± 0.5 uniform on
//!   each other feature; a consumer chooses by the logit of its hidden weights (Gumbel noise),
//!   among the feasible offers it is shown;
//! - requests: units uniform 1..=16; memory 1, 2 or 4 GiB per unit; minutes uniform 30..600;
//!   deadline minutes + uniform 0..240; GPU none 60 %, t4 15 %, l4 10 %, a100 10 %, h100 5 %;
//!   restricted to the home continent's regions with probability 0.3; budget the job at the
//!   class's base price × uniform 1.0..2.5;
//! - history: each consumer's past choices, each among a market snapshot of `shown` offers
//!   drawn from the market (the alternatives are recorded, as `cgrid history export` records the
//!   offers a consumer had in its offers file).

use crate::features::{feasible, features, Features, Scale, DIM};
use crate::model::{Choice, Offer, Request, GPU_CLASSES};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

pub const REGIONS: [&str; 6] = [
    "eu-west",
    "eu-central",
    "us-east",
    "us-west",
    "ap-south",
    "ap-east",
];
const GPU_PRICE_FACTOR: [f64; 5] = [1.0, 2.0, 3.0, 6.0, 10.0];
const OFFER_GPU_SHARE: [f64; 5] = [0.5, 0.2, 0.15, 0.1, 0.05];
const REQUEST_GPU_SHARE: [f64; 5] = [0.6, 0.15, 0.1, 0.1, 0.05];
const BASE_PRICE: f64 = 100.0;

/// How big a workload to make.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkloadSpec {
    pub seed: u64,
    pub offers: usize,
    pub consumers: usize,
    pub history_per_consumer: usize,
    /// Offers shown in each past choice.
    pub shown: usize,
    /// Held-out requests (spread over the consumers).
    pub requests: usize,
}

impl WorkloadSpec {
    /// A small workload for tests.
    pub fn small(seed: u64) -> WorkloadSpec {
        WorkloadSpec {
            seed,
            offers: 60,
            consumers: 12,
            history_per_consumer: 10,
            shown: 20,
            requests: 40,
        }
    }
}

/// A generated workload.
#[derive(Debug, Clone)]
pub struct Workload {
    pub offers: Vec<Offer>,
    pub history: Vec<Choice>,
    pub requests: Vec<Request>,
    /// For each held-out request, the offer (index into `offers`) its consumer would choose
    /// on its own among all feasible offers (None when none is feasible).
    pub choice: Vec<Option<usize>>,
    /// Each consumer's hidden weights.
    pub hidden: BTreeMap<String, Features>,
}

fn pick(rng: &mut ChaCha8Rng, shares: &[f64]) -> usize {
    let mut x: f64 = rng.gen();
    for (k, s) in shares.iter().enumerate() {
        if x < *s {
            return k;
        }
        x -= s;
    }
    shares.len() - 1
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let (u, v): (f64, f64) = (rng.gen_range(f64::EPSILON..1.0), rng.gen());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn gumbel(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
    -(-u.ln()).ln()
}

/// A random offer.
pub fn offer(rng: &mut ChaCha8Rng, id: String) -> Offer {
    let units = 1u64 << rng.gen_range(3..=7);
    let gpu = pick(rng, &OFFER_GPU_SHARE);
    Offer {
        provider: format!("provider-{id}"),
        id,
        units,
        memory_gib: units as f64 * [2.0, 4.0, 8.0][rng.gen_range(0..3)],
        gpu: GPU_CLASSES[gpu].into(),
        region: REGIONS[rng.gen_range(0..REGIONS.len())].into(),
        price: (BASE_PRICE * GPU_PRICE_FACTOR[gpu] * (0.3 * normal(rng)).exp()).round(),
        green_share: rng.gen(),
        carbon_intensity: rng.gen_range(50.0..700.0),
        pue: rng.gen_range(1.1..1.8),
        starts_in: if rng.gen_bool(0.5) {
            0
        } else {
            rng.gen_range(1..=120)
        },
        offer_file: None,
    }
}

/// A random request of `consumer`, who lives in `home`.
pub fn request(rng: &mut ChaCha8Rng, id: String, consumer: &str, home: &str) -> Request {
    let units = rng.gen_range(1..=16);
    let minutes = rng.gen_range(30..=600);
    let gpu = pick(rng, &REQUEST_GPU_SHARE);
    let continent = home.split('-').next().unwrap_or(home);
    let regions = if rng.gen_bool(0.3) {
        REGIONS
            .iter()
            .filter(|r| r.starts_with(continent))
            .map(|r| r.to_string())
            .collect()
    } else {
        Vec::new()
    };
    Request {
        id,
        consumer: consumer.into(),
        units,
        memory_gib: units as f64 * [1.0, 2.0, 4.0][rng.gen_range(0..3)],
        minutes,
        deadline: minutes + rng.gen_range(0..=240),
        gpu: GPU_CLASSES[gpu].into(),
        home: home.into(),
        regions,
        budget: (units * minutes) as f64
            * BASE_PRICE
            * GPU_PRICE_FACTOR[gpu]
            * rng.gen_range(1.0..2.5),
    }
}

fn profile(rng: &mut ChaCha8Rng, archetype: usize) -> Features {
    // Archetypes weigh price, emissions, latency, waiting.
    std::array::from_fn(|k| {
        if k == archetype {
            6.0
        } else {
            rng.gen_range(0.0..1.0)
        }
    })
}

/// The offer a consumer with `hidden` weights picks among `shown` (indices into `offers`) for
/// `request`: the logit choice, or None when nothing shown is feasible.
pub fn simulate_choice(
    rng: &mut ChaCha8Rng,
    hidden: &Features,
    request: &Request,
    offers: &[Offer],
    shown: impl Iterator<Item = usize>,
    scale: &Scale,
) -> Option<usize> {
    shown
        .filter(|&j| feasible(request, &offers[j]))
        .map(|j| {
            let phi = features(request, &offers[j], scale);
            (j, crate::features::cost(hidden, &phi) - gumbel(rng))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(j, _)| j)
}

impl Workload {
    pub fn generate(spec: &WorkloadSpec) -> Workload {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let offers: Vec<Offer> = (0..spec.offers)
            .map(|j| offer(&mut rng, format!("o{j}")))
            .collect();
        let scale = Scale::of(&offers);
        let consumers: Vec<(String, String, Features)> = (0..spec.consumers)
            .map(|c| {
                let home = REGIONS[rng.gen_range(0..REGIONS.len())].to_string();
                let hidden = profile(&mut rng, c % 4);
                (format!("consumer-{c}"), home, hidden)
            })
            .collect();
        let mut history = Vec::new();
        for (name, home, hidden) in &consumers {
            let mut made = 0;
            let mut tries = 0;
            while made < spec.history_per_consumer && tries < 20 * spec.history_per_consumer {
                tries += 1;
                let r = request(&mut rng, format!("{name}-past-{tries}"), name, home);
                let shown: Vec<usize> =
                    rand::seq::index::sample(&mut rng, offers.len(), spec.shown.min(offers.len()))
                        .into_vec();
                let feasible_shown: Vec<usize> = shown
                    .iter()
                    .copied()
                    .filter(|&j| feasible(&r, &offers[j]))
                    .collect();
                if feasible_shown.len() < 2 {
                    continue;
                }
                let chosen = simulate_choice(
                    &mut rng,
                    hidden,
                    &r,
                    &offers,
                    feasible_shown.iter().copied(),
                    &scale,
                )
                .expect("feasible offers shown");
                history.push(Choice {
                    consumer: name.clone(),
                    request: r,
                    chosen: offers[chosen].clone(),
                    alternatives: feasible_shown.iter().map(|&j| offers[j].clone()).collect(),
                });
                made += 1;
            }
        }
        let mut requests = Vec::new();
        let mut choice = Vec::new();
        for k in 0..spec.requests {
            let (name, home, hidden) = &consumers[k % consumers.len().max(1)];
            let r = request(&mut rng, format!("r{k}"), name, home);
            choice.push(simulate_choice(
                &mut rng,
                hidden,
                &r,
                &offers,
                0..offers.len(),
                &scale,
            ));
            requests.push(r);
        }
        Workload {
            offers,
            history,
            requests,
            choice,
            hidden: consumers
                .into_iter()
                .map(|(name, _, hidden)| (name, hidden))
                .collect(),
        }
    }
}

/// Hidden weights have this many features (for the archetypes' documentation).
const _: () = assert!(DIM == 5);

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A plain offer: no GPU, 2 GiB per unit, half green, starts now.
    pub fn offer(id: &str, units: u64, region: &str, price: f64) -> Offer {
        Offer {
            id: id.into(),
            provider: format!("p-{id}"),
            units,
            memory_gib: 2.0 * units as f64,
            gpu: "none".into(),
            region: region.into(),
            price,
            green_share: 0.5,
            carbon_intensity: 300.0,
            pue: 1.2,
            starts_in: 0,
            offer_file: None,
        }
    }

    /// A plain request: 60 minutes, deadline 120, 1 GiB per unit, budget for price 10.
    pub fn request(id: &str, units: u64, home: &str) -> Request {
        Request {
            id: id.into(),
            consumer: format!("c-{id}"),
            units,
            memory_gib: units as f64,
            minutes: 60,
            deadline: 120,
            gpu: "none".into(),
            home: home.into(),
            regions: vec![],
            budget: 10.0 * 60.0 * units as f64,
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_workload() {
        let a = Workload::generate(&WorkloadSpec::small(5));
        let b = Workload::generate(&WorkloadSpec::small(5));
        let c = Workload::generate(&WorkloadSpec::small(6));
        assert_eq!(a.offers, b.offers);
        assert_eq!(a.history, b.history);
        assert_ne!(a.offers, c.offers);
        assert_eq!(a.requests.len(), 40);
        assert!(a.history.len() >= 100, "{}", a.history.len());
    }
}

//! How an offer looks from a request: the hard constraints (region, GPU class, budget, deadline,
//! memory per unit) and the features a consumer weighs (price, emissions, latency, waiting,
//! over-provisioning), each scaled to about 0..1 so that weights compare.

use crate::model::{gpu_level, Offer, Request};

/// The number of features.
pub const DIM: usize = 5;

/// The features' names, in vector order.
pub const FEATURES: [&str; DIM] = ["price", "emissions", "latency", "waiting", "overprovision"];

/// A request–offer pair's features: lower is better for every one.
pub type Features = [f64; DIM];

/// The market's reference scales: the median price and the median emissions per unit-minute
/// of the offers on the market, so that "1.0" means "a typical offer".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub price: f64,
    pub emissions: f64,
}

impl Scale {
    /// The scales of a market (1.0 where the market is empty or all zero).
    pub fn of(offers: &[Offer]) -> Scale {
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let m = if v.is_empty() { 0.0 } else { v[v.len() / 2] };
            if m > 0.0 {
                m
            } else {
                1.0
            }
        };
        Scale {
            price: median(offers.iter().map(|o| o.price).collect()),
            emissions: median(offers.iter().map(emissions).collect()),
        }
    }
}

/// Emitted carbon per unit of grid energy drawn, gCO₂/kWh, after the data centre's overhead and
/// its renewable share.
pub fn emissions(o: &Offer) -> f64 {
    o.carbon_intensity * o.pue * (1.0 - o.green_share)
}

/// The distance between two regions: 0 in the same region, 0.5 on the same continent (the
/// part before the first `-`), 1 otherwise.
pub fn region_distance(a: &str, b: &str) -> f64 {
    let continent = |r: &str| r.split('-').next().unwrap_or(r).to_string();
    if a == b {
        0.0
    } else if continent(a) == continent(b) {
        0.5
    } else {
        1.0
    }
}

/// Whether `offer` may serve `request` at all.
pub fn feasible(r: &Request, o: &Offer) -> bool {
    let (Some(need), Some(have)) = (gpu_level(&r.gpu), gpu_level(&o.gpu)) else {
        return false;
    };
    o.units > 0
        && have >= need
        && (r.regions.is_empty() || r.regions.iter().any(|x| *x == o.region))
        && o.starts_in.saturating_add(r.minutes) <= r.deadline
        && r.memory_gib * (o.units as f64) <= o.memory_gib * (r.units as f64)
        && job_price(r, o) <= r.budget
}

/// What the whole request would cost at this offer's price.
pub fn job_price(r: &Request, o: &Offer) -> f64 {
    r.units as f64 * r.minutes as f64 * o.price
}

/// The features of `offer` for `request` (meaningful where [`feasible`]).
pub fn features(r: &Request, o: &Offer, scale: &Scale) -> Features {
    let slack = (r.deadline - r.minutes.min(r.deadline)) as f64 + 1.0;
    let over = gpu_level(&o.gpu)
        .unwrap_or(0)
        .saturating_sub(gpu_level(&r.gpu).unwrap_or(0)) as f64;
    [
        o.price / scale.price,
        emissions(o) / scale.emissions,
        region_distance(&r.home, &o.region),
        (o.starts_in as f64 / slack).min(1.0),
        over / (crate::model::GPU_CLASSES.len() - 1) as f64,
    ]
}

/// `w · φ`: a consumer's cost of an offer.
pub fn cost(weights: &Features, phi: &Features) -> f64 {
    weights.iter().zip(phi).map(|(w, x)| w * x).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::tests::{offer, request};

    #[test]
    fn every_hard_constraint_excludes() {
        let r = request("r", 4, "eu-west");
        let o = offer("o", 8, "eu-west", 1.0);
        assert!(feasible(&r, &o));
        type Change = Box<dyn Fn(&mut Request, &mut Offer)>;
        let cases: [(&str, Change); 7] = [
            ("gpu", Box::new(|r, _| r.gpu = "h100".into())),
            (
                "region",
                Box::new(|r, _| r.regions = vec!["us-east".into()]),
            ),
            ("budget", Box::new(|r, _| r.budget = 1.0)),
            ("deadline", Box::new(|r, o| o.starts_in = r.deadline)),
            (
                "memory per unit",
                Box::new(|r, o| r.memory_gib = o.memory_gib),
            ),
            ("zero capacity", Box::new(|_, o| o.units = 0)),
            ("unknown gpu", Box::new(|_, o| o.gpu = "tpu".into())),
        ];
        for (name, change) in cases {
            let (mut r, mut o) = (r.clone(), o.clone());
            change(&mut r, &mut o);
            assert!(!feasible(&r, &o), "{name} did not exclude");
        }
    }

    #[test]
    fn features_grow_with_what_they_measure() {
        let r = request("r", 4, "eu-west");
        let scale = Scale {
            price: 1.0,
            emissions: 100.0,
        };
        let near = offer("a", 8, "eu-west", 1.0);
        let mut far = offer("b", 8, "us-east", 3.0);
        far.green_share = 0.0;
        far.starts_in = 10;
        let (a, b) = (features(&r, &near, &scale), features(&r, &far, &scale));
        for k in 0..4 {
            assert!(a[k] < b[k], "{} does not grow", FEATURES[k]);
        }
        assert_eq!(region_distance("eu-west", "eu-north"), 0.5);
    }
}

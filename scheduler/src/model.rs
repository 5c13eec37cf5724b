//! What the recommender reads: providers' offers, consumers' requests and consumers' trade
//! history, as JSON files (`cgrid recommend --offers O.json --requests R.json --history H.json`)
//! or API bodies. Every reader checks the whole input and names the first wrong member:
//! `offers[3].green_share: 1.5 is not between 0 and 1`.
//!
//! | file | form |
//! |---|---|
//! | offers | `{"offers": [Offer, …]}` |
//! | requests | `{"requests": [Request, …]}` |
//! | history | `{"history": [Choice, …]}` (what `cgrid history export` writes) |

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// GPU classes, weakest first: a request for a class is served by that class or a stronger one.
pub const GPU_CLASSES: [&str; 5] = ["none", "t4", "l4", "a100", "h100"];

/// A provider's available capacity and its terms, as published (a service entry of its DID
/// document pointing at its `cgrid serve`, or a file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    /// Unique in its file.
    pub id: String,
    /// The provider's account (SS58) or DID.
    pub provider: String,
    /// Compute units free (vCPU-equivalents); 0 is allowed and gets nothing.
    pub units: u64,
    /// Free memory in GiB across those units.
    pub memory_gib: f64,
    /// The GPU class of the units ([`GPU_CLASSES`]).
    pub gpu: String,
    /// Where the machines are, `<continent>-<zone>` (e.g. `eu-west`).
    pub region: String,
    /// Price of one unit for one minute, in the chain's smallest unit.
    pub price: f64,
    /// Share of the energy from renewable sources, 0 to 1.
    pub green_share: f64,
    /// Grid carbon intensity, gCO₂/kWh.
    pub carbon_intensity: f64,
    /// Power usage effectiveness of the data centre, ≥ 1.
    pub pue: f64,
    /// Minutes until the capacity is free to start.
    #[serde(default)]
    pub starts_in: u64,
    /// The provider's signed offer file (`cgrid offer create`), if it published one: what
    /// `cgrid channel open --offer` takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_file: Option<String>,
}

/// A consumer's need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Unique in its file.
    pub id: String,
    /// The consumer's account (SS58) or DID: whose learned preferences apply.
    pub consumer: String,
    /// Compute units wanted; at least 1.
    pub units: u64,
    /// Memory wanted in GiB across those units.
    #[serde(default)]
    pub memory_gib: f64,
    /// How long the job runs, in minutes; at least 1.
    pub minutes: u64,
    /// Minutes from now by which the job must be done; at least `minutes`.
    pub deadline: u64,
    /// The weakest GPU class that will do ([`GPU_CLASSES`]).
    #[serde(default = "no_gpu")]
    pub gpu: String,
    /// Where the consumer is (latency is measured from here).
    pub home: String,
    /// If not empty, the only regions the job may run in.
    #[serde(default)]
    pub regions: Vec<String>,
    /// The most the whole job may cost (units × minutes × price), smallest unit.
    pub budget: f64,
}

fn no_gpu() -> String {
    "none".into()
}

/// One past trade of a consumer: what it asked for, what it chose, and what it could have
/// chosen (when known; otherwise the offers on the market stand in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub consumer: String,
    pub request: Request,
    pub chosen: Offer,
    #[serde(default)]
    pub alternatives: Vec<Offer>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OffersFile {
    offers: Vec<Offer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestsFile {
    requests: Vec<Request>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryFile {
    history: Vec<Choice>,
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, InputError> {
    // serde would read an array positionally into the struct.
    if bytes.trim_ascii_start().first() == Some(&b'[') {
        return Err(InputError(format!(
            "the {what} file is not a JSON object like {{\"{what}\": [...]}}"
        )));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            InputError(format!("the {what} file is not JSON ({inner})"))
        } else if path == "." {
            InputError(format!("the {what} file: {inner}"))
        } else {
            InputError(format!("{path}: {inner}"))
        }
    })
}

/// Reads and checks an offers file.
pub fn parse_offers(bytes: &[u8]) -> Result<Vec<Offer>, InputError> {
    let file: OffersFile = parse(bytes, "offers")?;
    check_offers(&file.offers, "offers")?;
    Ok(file.offers)
}

/// Reads and checks a requests file.
pub fn parse_requests(bytes: &[u8]) -> Result<Vec<Request>, InputError> {
    let file: RequestsFile = parse(bytes, "requests")?;
    check_requests(&file.requests, "requests")?;
    Ok(file.requests)
}

/// Reads and checks a history file.
pub fn parse_history(bytes: &[u8]) -> Result<Vec<Choice>, InputError> {
    let file: HistoryFile = parse(bytes, "history")?;
    check_history(&file.history)?;
    Ok(file.history)
}

/// Writes a history file (what `parse_history` reads).
pub fn history_json(history: &[Choice]) -> serde_json::Value {
    serde_json::json!({ "history": history })
}

/// The index of a GPU class in [`GPU_CLASSES`].
pub fn gpu_level(class: &str) -> Option<usize> {
    GPU_CLASSES.iter().position(|c| *c == class)
}

fn bad(at: String, why: String) -> InputError {
    InputError(format!("{at}: {why}"))
}

fn check_unique<'a>(ids: impl Iterator<Item = &'a str>, list: &str) -> Result<(), InputError> {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        if id.is_empty() {
            return Err(bad(format!("{list}[{i}].id"), "is empty".into()));
        }
        if !seen.insert(id) {
            return Err(bad(
                format!("{list}[{i}].id"),
                format!("`{id}` appears twice"),
            ));
        }
    }
    Ok(())
}

fn check_region(at: String, region: &str) -> Result<(), InputError> {
    if region.is_empty() || region.contains(char::is_whitespace) {
        return Err(bad(
            at,
            format!("`{region}` is not a region like `eu-west`"),
        ));
    }
    Ok(())
}

fn check_offers(offers: &[Offer], list: &str) -> Result<(), InputError> {
    check_unique(offers.iter().map(|o| o.id.as_str()), list)?;
    for (i, o) in offers.iter().enumerate() {
        check_offer(o, &format!("{list}[{i}]"))?;
    }
    Ok(())
}

fn check_offer(o: &Offer, at: &str) -> Result<(), InputError> {
    let field = |name: &str| format!("{at}.{name}");
    let finite_at_least = |name: &str, v: f64, min: f64| {
        if v.is_finite() && v >= min {
            Ok(())
        } else {
            Err(bad(field(name), format!("{v} is not a number ≥ {min}")))
        }
    };
    finite_at_least("memory_gib", o.memory_gib, 0.0)?;
    finite_at_least("price", o.price, 0.0)?;
    finite_at_least("carbon_intensity", o.carbon_intensity, 0.0)?;
    finite_at_least("pue", o.pue, 1.0)?;
    if !(0.0..=1.0).contains(&o.green_share) {
        return Err(bad(
            field("green_share"),
            format!("{} is not between 0 and 1", o.green_share),
        ));
    }
    if gpu_level(&o.gpu).is_none() {
        return Err(bad(
            field("gpu"),
            format!("`{}` is not one of {}", o.gpu, GPU_CLASSES.join(", ")),
        ));
    }
    check_region(field("region"), &o.region)
}

fn check_requests(requests: &[Request], list: &str) -> Result<(), InputError> {
    check_unique(requests.iter().map(|r| r.id.as_str()), list)?;
    for (i, r) in requests.iter().enumerate() {
        check_request(r, &format!("{list}[{i}]"))?;
    }
    Ok(())
}

fn check_request(r: &Request, at: &str) -> Result<(), InputError> {
    let field = |name: &str| format!("{at}.{name}");
    if r.consumer.is_empty() {
        return Err(bad(field("consumer"), "is empty".into()));
    }
    if r.units == 0 {
        return Err(bad(field("units"), "must be at least 1".into()));
    }
    if r.minutes == 0 {
        return Err(bad(field("minutes"), "must be at least 1".into()));
    }
    if r.deadline < r.minutes {
        return Err(bad(
            field("deadline"),
            format!(
                "{} minutes is sooner than the job's {} minutes",
                r.deadline, r.minutes
            ),
        ));
    }
    if !(r.memory_gib.is_finite() && r.memory_gib >= 0.0) {
        return Err(bad(
            field("memory_gib"),
            format!("{} is not a number ≥ 0", r.memory_gib),
        ));
    }
    if !(r.budget.is_finite() && r.budget >= 0.0) {
        return Err(bad(
            field("budget"),
            format!("{} is not a number ≥ 0", r.budget),
        ));
    }
    if gpu_level(&r.gpu).is_none() {
        return Err(bad(
            field("gpu"),
            format!("`{}` is not one of {}", r.gpu, GPU_CLASSES.join(", ")),
        ));
    }
    check_region(field("home"), &r.home)?;
    for (k, region) in r.regions.iter().enumerate() {
        check_region(format!("{at}.regions[{k}]"), region)?;
    }
    Ok(())
}

fn check_history(history: &[Choice]) -> Result<(), InputError> {
    for (i, c) in history.iter().enumerate() {
        let at = format!("history[{i}]");
        if c.consumer != c.request.consumer {
            return Err(bad(
                format!("{at}.request.consumer"),
                format!(
                    "`{}` is not the entry's consumer `{}`",
                    c.request.consumer, c.consumer
                ),
            ));
        }
        check_request(&c.request, &format!("{at}.request"))?;
        check_offer(&c.chosen, &format!("{at}.chosen"))?;
        for (k, a) in c.alternatives.iter().enumerate() {
            check_offer(a, &format!("{at}.alternatives[{k}]"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer_json(extra: &str) -> String {
        format!(
            r#"{{"offers":[{{"id":"o1","provider":"p","units":8,"memory_gib":64,"gpu":"a100","region":"eu-west",
            "price":10,"green_share":0.5,"carbon_intensity":200,"pue":1.2{extra}}}]}}"#
        )
    }

    #[test]
    fn a_good_offers_file_reads() {
        let offers = parse_offers(offer_json("").as_bytes()).unwrap();
        assert_eq!(offers[0].units, 8);
        assert_eq!(offers[0].starts_in, 0);
    }

    #[test]
    fn bad_offers_are_named() {
        let cases = [
            (offer_json(r#","green_share":1.5"#), "duplicate field"),
            (
                offer_json("").replace("0.5", "1.5"),
                "offers[0].green_share: 1.5 is not between 0 and 1",
            ),
            (
                offer_json("").replace("a100", "a200"),
                "offers[0].gpu: `a200` is not one of none, t4, l4, a100, h100",
            ),
            (
                offer_json("").replace("\"units\":8", "\"units\":-8"),
                "offers[0].units: invalid value: integer `-8`",
            ),
            (
                offer_json("").replace("1.2", "0.9"),
                "offers[0].pue: 0.9 is not a number ≥ 1",
            ),
            (offer_json(r#","colour":"red""#), "unknown field `colour`"),
            ("{\"offers\": [".into(), "the offers file is not JSON"),
            ("{}".into(), "missing field `offers`"),
        ];
        for (text, want) in cases {
            let err = parse_offers(text.as_bytes()).unwrap_err().0;
            assert!(err.contains(want), "{err} does not say {want}");
        }
    }

    #[test]
    fn bad_requests_are_named() {
        let good = r#"{"requests":[{"id":"r1","consumer":"c","units":2,"minutes":30,"deadline":60,"home":"eu-west","budget":1000}]}"#;
        assert_eq!(parse_requests(good.as_bytes()).unwrap()[0].gpu, "none");
        let cases = [
            (
                good.replace("\"units\":2", "\"units\":0"),
                "requests[0].units: must be at least 1",
            ),
            (
                good.replace("\"deadline\":60", "\"deadline\":20"),
                "requests[0].deadline: 20 minutes is sooner than the job's 30 minutes",
            ),
            (
                good.replace("eu-west", ""),
                "requests[0].home: `` is not a region",
            ),
            (
                good.replace("}]}", "},{\"id\":\"r1\",\"consumer\":\"c\",\"units\":2,\"minutes\":30,\"deadline\":60,\"home\":\"eu-west\",\"budget\":1000}]}"),
                "requests[1].id: `r1` appears twice",
            ),
        ];
        for (text, want) in cases {
            let err = parse_requests(text.as_bytes()).unwrap_err().0;
            assert!(err.contains(want), "{err} does not say {want}");
        }
    }
}

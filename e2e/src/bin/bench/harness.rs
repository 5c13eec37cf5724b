//! What the contracts' sections share: [`Bench`] (one contract on its own embedded chain, every
//! call recorded under the message's metadata label), [`must`] for the sections that run on
//! the test parties' suite, [`attributed`] for the trade path's calls, and the key derivation
//! the DID sections use.

use cgrid_e2e::{AccountId32, Backend, Embedded, Weight};
use cgrid_suite::{Contract, Msg, SuiteContract};
use ink::env::call::FromAccountId;
use ink::env::DefaultEnvironment;
use scale::Decode;
use sp_core::{sr25519, Pair};
use std::fmt::Debug;

use crate::attribution::{replay, Attribution};
use crate::report::Report;

/// The metadata label of `msg`, a message of `contract` (`Trait::message` for a trait
/// message): the name its row is recorded under.
pub fn label<C: SuiteContract, R>(_contract: &Contract<C>, msg: &Msg<R>) -> &'static str {
    assert_ne!(
        msg.label.metadata,
        "unknown message",
        "{} is not a message of {}",
        msg.label,
        C::NAME
    );
    msg.label.metadata
}

/// Sends `msg` as `origin`; panics unless the contract accepts it. Its value and weight.
pub fn must<B: Backend, T: Decode + Debug, E: Decode + Debug>(
    chain: &mut B,
    origin: &AccountId32,
    msg: Msg<Result<T, E>>,
) -> (T, Weight) {
    let what = msg.label;
    let called = chain
        .try_send(origin, msg)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(!called.reverted, "{what} reverted: {:?}", called.value);
    let value = called
        .value
        .unwrap_or_else(|e| panic!("{what} failed: {e:?}"));
    (value, called.weight)
}

/// [`must`] on the embedded chain, after replaying the call to attribute its ref_time
/// (`crate::attribution`): recorded in `report` under the message's metadata label and `case`.
pub fn attributed<T: Decode + Debug, E: Decode + Debug>(
    report: &mut Report,
    chain: &mut Embedded,
    origin: &AccountId32,
    case: &str,
    msg: Msg<Result<T, E>>,
) -> (T, Weight) {
    let label = msg.label;
    let counts = replay(
        &format!("{label} ({case})"),
        chain,
        report.codes(),
        &msg.contract,
        origin,
        &msg.data,
        msg.value,
    )
    .unwrap_or_else(|e| panic!("{label}: the attribution's replay failed: {e}"));
    let (value, weight) = must(chain, origin, msg);
    let attribution = Attribution::priced(counts, weight);
    report.attribute(label.contract, label.metadata, case, attribution);
    (value, weight)
}

/// [`must`], and the call's row in `report` under the message's metadata label.
pub fn must_row<B: Backend, T: Decode + Debug, E: Decode + Debug>(
    report: &mut Report,
    chain: &mut B,
    origin: &AccountId32,
    case: &str,
    msg: Msg<Result<T, E>>,
) -> (T, Weight) {
    let label = msg.label;
    let (value, weight) = must(chain, origin, msg);
    report.row(label.contract, label.metadata, case, weight);
    (value, weight)
}

/// [`must_row`] for a message of the trade path: its ref_time attributed ([`attributed`]),
/// counted in `trade_path_per_block`, and `demo_times` times in the demo's trade flow.
pub fn must_trade_row<T: Decode + Debug, E: Decode + Debug>(
    report: &mut Report,
    chain: &mut Embedded,
    origin: &AccountId32,
    case: &str,
    demo_times: u64,
    msg: Msg<Result<T, E>>,
) -> (T, Weight) {
    let label = msg.label;
    let (value, weight) = attributed(report, chain, origin, case, msg);
    report.row(label.contract, label.metadata, case, weight);
    report.trade_path(label.contract, label.metadata, case, weight);
    if demo_times > 0 {
        report.demo_step(label.contract, label.metadata, demo_times, weight);
    }
    (value, weight)
}

/// A deployed contract on its own embedded chain, and the report its rows go to.
pub struct Bench<'r, C> {
    pub chain: Embedded,
    pub contract: Contract<C>,
    pub report: &'r mut Report,
}

impl<C> Bench<'_, C>
where
    C: SuiteContract,
    C::Type: FromAccountId<DefaultEnvironment>,
{
    /// Sends a message that must succeed (`Result::Ok`) and records it.
    pub fn tx<T: Decode + Debug, E: Decode + Debug>(
        &mut self,
        origin: &AccountId32,
        case: &str,
        msg: Msg<Result<T, E>>,
    ) -> T {
        let message = label(&self.contract, &msg);
        let out = self
            .chain
            .try_send(origin, msg)
            .unwrap_or_else(|e| panic!("{message}: {e}"));
        assert!(
            !out.reverted,
            "{message} ({case}) reverted: {:?}",
            out.value
        );
        let value = out
            .value
            .unwrap_or_else(|e| panic!("{message} ({case}) failed: {e:?}"));
        self.report.row(C::NAME, message, case, out.weight);
        value
    }

    /// Dry-runs a query as the deployer (`[1; 32]`) and records it when `record`.
    pub fn query<R: Decode>(&mut self, case: &str, msg: Msg<R>, record: bool) -> (R, Weight) {
        let message = label(&self.contract, &msg);
        let origin = self.chain.deployer();
        let out = self
            .chain
            .dry_run(&origin, msg)
            .unwrap_or_else(|e| panic!("{message}: {e}"));
        if record {
            self.report.row(C::NAME, message, case, out.weight);
        }
        (out.value, out.weight)
    }
}

/// The sr25519 key of seed `n` (a DID's verification method).
pub fn seed_pair(n: u32) -> sr25519::Pair {
    let mut seed = [0u8; 32];
    seed[..4].copy_from_slice(&n.to_le_bytes());
    seed[31] = 0xC6;
    sr25519::Pair::from_seed(&seed)
}

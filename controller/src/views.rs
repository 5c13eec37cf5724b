//! How a channel's phase reads in JSON, in one shape for every output (the HTTP API and the
//! commands' `--json`): an object whose `"phase"` is the phase's name in lower case, next to
//! what that phase carries. Amounts are decimal strings (a u128 does not fit a JavaScript
//! number); nonces and times (ms) are numbers.

use crate::channel::LocalPhase;
use cgrid_shared::Phase;
use serde_json::{json, Value};

/// The name of the escrow's phase of a channel.
pub fn chain_phase_name(phase: &Phase) -> &'static str {
    match phase {
        Phase::Open => "open",
        Phase::Closing { .. } => "closing",
        Phase::Closed { .. } => "closed",
    }
}

/// The escrow's view of a channel's phase.
pub fn chain_phase(phase: &Phase) -> Value {
    match *phase {
        Phase::Open => json!({ "phase": chain_phase_name(phase) }),
        Phase::Closing {
            by,
            nonce,
            cumulative,
            deadline,
        } => json!({
            "phase": chain_phase_name(phase),
            "by": format!("{by:?}").to_lowercase(),
            "nonce": nonce,
            "cumulative": cumulative.to_string(),
            "deadline": deadline,
        }),
        Phase::Closed {
            how,
            paid,
            refunded,
            at,
        } => json!({
            "phase": chain_phase_name(phase),
            "how": format!("{how:?}").to_lowercase(),
            "paid": paid.to_string(),
            "refunded": refunded.to_string(),
            "at": at,
        }),
    }
}

/// A controller's own view of a channel's phase (`channel::LocalPhase`).
pub fn local_phase(phase: &LocalPhase) -> Value {
    match *phase {
        LocalPhase::Opening | LocalPhase::Open => json!({ "phase": phase.name() }),
        LocalPhase::Checkpointing { nonce } | LocalPhase::Closing { nonce } => {
            json!({ "phase": phase.name(), "nonce": nonce })
        }
        LocalPhase::Disputed {
            claimed_nonce,
            deadline,
        } => json!({
            "phase": phase.name(),
            "claimed_nonce": claimed_nonce,
            "deadline": deadline,
        }),
        LocalPhase::Closed { paid, refunded } => json!({
            "phase": phase.name(),
            "paid": paid.to_string(),
            "refunded": refunded.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every phase is an object named by `"phase"`, never Rust debug text.
    #[test]
    fn every_phase_is_an_object_with_a_lowercase_name() {
        let local = [
            LocalPhase::Opening,
            LocalPhase::Open,
            LocalPhase::Checkpointing { nonce: 1 },
            LocalPhase::Closing { nonce: 2 },
            LocalPhase::Disputed {
                claimed_nonce: 3,
                deadline: 4,
            },
            LocalPhase::Closed {
                paid: u128::MAX,
                refunded: 0,
            },
        ];
        let chain = [
            Phase::Open,
            Phase::Closing {
                by: cgrid_shared::Party::Consumer,
                nonce: 1,
                cumulative: 2,
                deadline: 3,
            },
            Phase::Closed {
                how: cgrid_shared::CloseKind::Cooperative,
                paid: 1,
                refunded: 2,
                at: 3,
            },
        ];
        let views = local
            .iter()
            .map(local_phase)
            .chain(chain.iter().map(chain_phase));
        for v in views {
            let name = v["phase"].as_str().expect("a name");
            assert!(name.chars().all(|c| c.is_ascii_lowercase()), "{v}");
            assert!(!v.to_string().contains('{') || v.is_object());
            assert!(!v.to_string().contains("Closed {"), "{v}");
        }
        assert_eq!(
            local_phase(&local[5])["paid"],
            u128::MAX.to_string(),
            "amounts are strings"
        );
    }
}

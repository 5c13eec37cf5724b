//! The contracts' call decoders under arbitrary input: what pallet-contracts hands a contract
//! is a selector and SCALE-encoded arguments from anyone, decoded by the code ink! generates
//! (`ContractMessageDecoder`, `ContractConstructorDecoder`) before any message runs.

use ink::reflect::{ContractConstructorDecoder, ContractMessageDecoder};
use scale::Decode;

/// Decodes `input` as a call of `C`'s messages and, separately, of its constructors.
fn decode_calls<C: ContractMessageDecoder + ContractConstructorDecoder>(input: &[u8]) {
    let _ = <<C as ContractMessageDecoder>::Type as Decode>::decode(&mut &input[..]);
    let _ = <<C as ContractConstructorDecoder>::Type as Decode>::decode(&mut &input[..]);
}

/// The first byte picks the contract; the rest is the call data (selector, then arguments).
/// Each decoder must return (a call, or an error) for every input: no panic, no hang, no
/// allocation beyond what the input can pay for.
pub fn message_args(data: &[u8]) {
    let [which, call @ ..] = data else {
        return;
    };
    // The five first contracts keep the picks they had before the role index (so the stored
    // corpus keeps exercising them); the role index takes the bytes that were the mask
    // registry's second pick.
    match which % 10 {
        0 | 5 => decode_calls::<did_registry::DidRegistry>(call),
        1 | 6 => decode_calls::<vc_templates::VcTemplates>(call),
        2 | 7 => decode_calls::<trade_escrow::TradeEscrow>(call),
        3 | 8 => decode_calls::<incentive_auction::IncentiveAuction>(call),
        4 => decode_calls::<mask_registry::MaskRegistry>(call),
        _ => decode_calls::<role_index::RoleIndex>(call),
    }
}

//! A contract split in two code blobs, so that a call loads only the code it runs.
//!
//! pallet-contracts charges the whole code of every contract a call touches to the call's
//! ref_time and proof_size, whichever message runs (issue 21: about 32 k ref_time and one byte
//! of proof per byte of code). A contract whose hot messages (those other contracts call on
//! every trade) share a blob with bulky cold ones (document management, administration) makes
//! every hot call pay for the cold code. So such a contract is built twice from one source:
//!
//! - the **main code** (feature `split-main`), which is what the contract's address runs: every
//!   hot message's body, and entry points of its own ([`split_entry_points!`], feature
//!   `split-entry`) that hand each call of a cold message, by its selector, to the cold code
//!   that carries it, before anything else runs: a delegate call with the call's own input (the
//!   host clones it: same selector, same argument bytes) as a tail call — the cold code's answer
//!   (or typed refusal, with its revert) is the message's answer. An inherent cold message is
//!   not in the main code at all (no decoder, no stub, no storage read before the hand-over);
//!   a cold message of a trait impl, which ink! 5.1.1 cannot compile out, stays there as a stub
//!   that hands the call on ([`in_cold_code!`]);
//! - the **cold code** (feature `split-cold`): every cold message's body. A hot message of the
//!   contract's own `impl` is not in it at all (`#[cfg(not(feature = "split-cold"))]` on the
//!   message: neither its body nor its argument decoder); a hot message of a trait impl, which
//!   ink! 5.1.1 cannot compile out, traps there ([`in_main_code!`]). The main code never sends
//!   either.
//!
//! Both are built from the same storage struct, so they read and write the same storage. The
//! main code names the cold code by its code hash, compiled in (`CGRID_COLD_CODE`, which the
//! bundle build sets to the cold code's blake2-256): nobody can rewire it, and the main code's
//! own code hash commits to the cold code's. Each constructor locks the cold code as a delegate
//! dependency ([`lock_cold_code!`]), so its uploader cannot remove it while the contract lives,
//! and instantiation fails (`CodeNotFound`) when it was not uploaded first.
//!
//! A contract whose cold code would itself be large is built with **two or three cold codes**
//! (features `split-cold1`, `split-cold2`, `split-cold3`, each with `split-cold`; the main code
//! gets their hashes in `CGRID_COLD_CODE`, `CGRID_COLD_CODE_2`, `CGRID_COLD_CODE_3`): a message
//! marked `in_cold_code!()` runs in the first, one marked `in_cold_code!(2)` in the second, one
//! marked `in_cold_code!(3)` in the third, and each traps in the others. An inherent cold
//! message of part k carries `#[cfg(any(not(feature = "split-blob"), feature = "split-coldk"))]`
//! (`split-cold` for a contract with one cold code), so that no other blob, the main code
//! included, has its body or its argument decoder (`split-blob`: any cold code, and the main
//! code's own build; not the main code's metadata build, which must describe every message),
//! and the main code's `split_entry_points!` lists it under k. A cold call loads the main code
//! and the one cold code it needs. Each constructor locks them all.
//!
//! **Constructors.** A constructor's own work (calls to other contracts, seeding) runs once, but
//! a main code would carry it for every call. So a split contract's constructor builds the
//! contract up to that work, locks its cold codes and ends with [`wired_in_cold_code!`]: the
//! main code stores the contract as built so far and calls `wire_new` ([`WIRE_SELECTOR`]) in
//! one cold code as a delegate tail call, which finishes it (`wire`) on the stored root. No
//! message of the main code has that selector, so a deployed contract cannot be wired again.
//!
//! Without either feature (unit tests, `std`) a contract is one blob, as before: every body
//! runs in place. The ABI (selectors, arguments, answers, metadata) is the same in all builds.

/// The blake2-256 code hash in `hex` (64 hex digits, an optional `0x` first), at compile time:
/// the main code's reference to its cold code. A malformed value fails the build.
// Compile time only (an out-of-range index or a wrapped length fails the build), yet written
// with wrapping arithmetic: contract-build denies `clippy::arithmetic_side_effects`.
#[allow(clippy::indexing_slicing)]
pub const fn code_hash(hex: &str) -> [u8; 32] {
    let bytes = hex.as_bytes();
    let start = if bytes.len() == 66 && bytes[0] == b'0' && bytes[1] == b'x' {
        2
    } else {
        0
    };
    assert!(
        bytes.len().wrapping_sub(start) == 64,
        "CGRID_COLD_CODE: 64 hex digits"
    );
    let mut hash = [0u8; 32];
    let mut i: usize = 0;
    while i < 32 {
        let at = start.wrapping_add(i.wrapping_mul(2));
        hash[i] = nibble(bytes[at]).wrapping_shl(4) | nibble(bytes[at.wrapping_add(1)]);
        i = i.wrapping_add(1);
    }
    hash
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c.wrapping_sub(b'0'),
        b'a'..=b'f' => c.wrapping_sub(b'a').wrapping_add(10),
        b'A'..=b'F' => c.wrapping_sub(b'A').wrapping_add(10),
        _ => panic!("CGRID_COLD_CODE: not a hex digit"),
    }
}

/// The one home of the split's host call: a delegate call of `$cold` with `$input` (ignored
/// under `CLONE_INPUT`) and `$flags`, as a tail call, then a trap. The call returns only if the
/// delegate call failed: a tail call that succeeds or reverts ends this call with the cold
/// code's answer. A macro, not a function: as a shared function it cost every main code about
/// 150 B (the dispatch's inlining changed around it), which every call loads.
macro_rules! tail_delegate {
    ($flags:expr, $cold:ident, $input:expr) => {{
        #[cfg(target_arch = "wasm32")]
        {
            use pallet_contracts_uapi::{CallFlags, HostFn, HostFnImpl};
            let _failed =
                HostFnImpl::delegate_call($flags | CallFlags::TAIL_CALL, &$cold, $input, None);
        }
        // Off chain (unit tests build no split codes) there is no host to delegate to.
        let _ = $cold;
        panic!("the cold code trapped")
    }};
}

/// Runs this call's message in the code `cold` (a delegate call: this contract's storage,
/// caller and transferred value) as a tail call: its answer is this message's answer, and
/// nothing after it runs here. The cold code gets this call's own input, cloned by the host
/// (`CLONE_INPUT`): the same selector and the same argument bytes, never re-encoded here, so a
/// stub costs no encoding code and cannot name another message. Traps if the cold code trapped
/// (or is missing), which reverts the whole call.
///
/// The host function is called directly, not through ink!'s call builder: with no input to
/// encode and no output to decode, the builder's code (its input buffer, its answer decoding and
/// error mapping) was 520 to 710 B of every main code, which every call of the contract loads.
pub fn delegate(cold: [u8; 32]) -> ! {
    tail_delegate!(CallFlags::CLONE_INPUT, cold, &[])
}

/// Locks `cold` as a delegate dependency of the contract being instantiated: the code cannot
/// be removed while the contract lives. Traps when no code with that hash was uploaded.
pub fn lock(cold: [u8; 32]) {
    ink::env::lock_delegate_dependency::<ink::env::DefaultEnvironment>(
        &ink::primitives::Hash::from(cold),
    );
}

/// The selector of a split contract's `wire_new`, the cold message that finishes its
/// constructor (see [`wired_in_cold_code!`]): "wire" in ASCII. Each such message declares it
/// as `#[ink(message, selector = 0x77697265)]`. (The constructors' own selector, `new`'s
/// `0x9BAE9D5E`, is the one ink! reserves for a wildcard's complement, so a message cannot
/// take it.)
pub const WIRE_SELECTOR: [u8; 4] = *b"wire";

/// The end of a main code's constructor (see [`wired_in_cold_code!`]): stores `root`, the
/// contract as the constructor built it so far, as the contract's storage, then calls
/// `wire_new` ([`WIRE_SELECTOR`], no arguments) in `cold` as a delegate tail call: it finishes
/// the contract on that stored root, ink! stores the result, and its answer is the
/// instantiation's (a trap or a revert there fails the instantiation; a missing code traps
/// here). Nothing after this runs here.
pub fn construct<S>(root: &S, cold: [u8; 32]) -> !
where
    S: ink::storage::traits::Storable + ink::storage::traits::StorageKey,
{
    ink::env::set_contract_storage(&S::KEY, root);
    tail_delegate!(CallFlags::empty(), cold, &WIRE_SELECTOR)
}

/// The `call` entry point of a main code whose inherent cold messages are routed by selector
/// ([`split_entry_points!`]): a call whose selector is in `routes` goes to that route's cold
/// code (its part in `colds`, k for `COLD_CODE_k`: 5 bytes a route, not a 32-byte hash) as a
/// delegate tail call with the call's own input ([`delegate`]) before anything else runs here (no
/// storage read, no argument decoded, no payment check: the cold code's own dispatch makes
/// them); every other call is dispatched as ink!'s generated `call` does (`deny_payment`: ink!'s
/// check for a contract none of whose main-code messages is payable), and an unknown selector
/// is refused with `CouldNotReadInput`, as ink! refuses it.
pub fn call<C>(routes: &[([u8; 4], u8)], colds: &[(u8, [u8; 32])], deny_payment: bool)
where
    C: ink::reflect::ContractMessageDecoder + ink::env::ContractEnv,
    <C as ink::reflect::ContractMessageDecoder>::Type:
        scale::Decode + ink::reflect::ExecuteDispatchable,
{
    // The main code's own messages first: a hot call reads its input once. A cold selector is
    // unknown to this decoder, which reads the input again only for its first four bytes.
    let dispatchable =
        match ink::env::decode_input::<<C as ink::reflect::ContractMessageDecoder>::Type>() {
            Ok(dispatchable) => dispatchable,
            Err(_) => {
                if let Ok(selector) = ink::env::decode_input::<[u8; 4]>() {
                    let part = routes.iter().find(|(s, _)| *s == selector);
                    let cold = part.and_then(|(_, part)| colds.iter().find(|(p, _)| p == part));
                    if let Some((_, cold)) = cold {
                        delegate(*cold)
                    }
                }
                ink::env::return_value::<ink::MessageResult<()>>(
                    ink::env::ReturnFlags::REVERT,
                    &Err(ink::LangError::CouldNotReadInput),
                )
            }
        };
    if deny_payment {
        ink::codegen::deny_payment::<<C as ink::env::ContractEnv>::Env>()
            .unwrap_or_else(|error| panic!("{}", error))
    }
    ink::reflect::ExecuteDispatchable::execute_dispatchable(dispatchable)
        .unwrap_or_else(|error| panic!("dispatching ink! message failed: {}", error))
}

/// The `deploy` entry point of a main code with [`split_entry_points!`]: ink!'s, for a contract
/// whose constructors take no value (every split contract's).
pub fn deploy<C>()
where
    C: ink::reflect::ContractConstructorDecoder + ink::env::ContractEnv,
    <C as ink::reflect::ContractConstructorDecoder>::Type:
        scale::Decode + ink::reflect::ExecuteDispatchable,
{
    ink::codegen::deny_payment::<<C as ink::env::ContractEnv>::Env>()
        .unwrap_or_else(|error| panic!("{}", error));
    let dispatchable =
        match ink::env::decode_input::<<C as ink::reflect::ContractConstructorDecoder>::Type>() {
            Ok(dispatchable) => dispatchable,
            Err(_) => ink::env::return_value::<ink::ConstructorResult<()>>(
                ink::env::ReturnFlags::REVERT,
                &Err(ink::LangError::CouldNotReadInput),
            ),
        };
    ink::reflect::ExecuteDispatchable::execute_dispatchable(dispatchable)
        .unwrap_or_else(|error| panic!("dispatching ink! constructor failed: {}", error))
}

/// The entry points of a split contract's main code (its own build, feature `split-entry`,
/// which turns on the contract's `ink-as-dependency` so that ink! generates none; the metadata
/// build, without it, keeps ink!'s metadata), in the contract's module after
/// `cold_code!`: `call` ([`call`]) routes each listed inherent cold message, by its selector
/// (`ink::selector_bytes!` of its name), to the cold code given for it, and `deploy` is ink!'s
/// ([`deploy`]). A listed message is compiled out of the main code
/// (`#[cfg(any(not(feature = "split-blob"), feature = "split-coldK"))]`), so the main code
/// carries neither its decoder nor a stub for it (about 100 B of every main code per message,
/// which every call loads, and a storage read before each hand-over). `deny_payment` must be
/// true exactly when no message left in the main code is payable (ink!'s own check; the suite's
/// `every_cold_message_is_routed_to_a_cold_code_that_carries_it` checks the table and this flag
/// against the sources).
///
/// ```ignore
/// cgrid_shared::split_entry_points!(IncentiveAuction, deny_payment = false, cold = [
///     1: "set_model", "cancel";
///     2: "reveal";
/// ]);
/// ```
#[macro_export]
macro_rules! split_entry_points {
    ($contract:ty, deny_payment = $deny:literal, cold = [$($part:tt: $($message:literal),+);+ $(;)?]) => {
        #[cfg(all(feature = "split-entry", not(feature = "std"), target_arch = "wasm32"))]
        const _: () = {
            #[no_mangle]
            pub extern "C" fn call() {
                $crate::split::call::<$contract>(
                    &[$($((::ink::selector_bytes!($message), $part)),+),+],
                    &[$(($part, $crate::split_entry_points!(@code $part))),+],
                    $deny,
                )
            }

            #[no_mangle]
            pub extern "C" fn deploy() {
                $crate::split::deploy::<$contract>()
            }
        };
    };
    (@code 1) => { COLD_CODE };
    (@code 2) => { COLD_CODE_2 };
    (@code 3) => { COLD_CODE_3 };
}

/// Where a message of the main code runs: in place, except in the cold code, where it traps
/// (the main code never delegates it).
pub fn not_in_cold_code() -> ! {
    panic!("a message of the main code reached the cold code")
}

/// Where a message of one cold code runs: there; in another cold code of the contract it traps
/// (the main code never delegates it there).
pub fn in_another_cold_code() -> ! {
    panic!("a message of another cold code reached this one")
}

/// The first statement of a hot message of a trait impl: nothing, except in the cold code
/// (feature `split-cold`), where the message traps. (A hot message of the contract's own
/// `impl` is compiled out of the cold code instead, with `#[cfg(not(feature = "split-cold"))]`.)
///
/// The body stays ordinary code after it (not a macro argument), so that tools which read the
/// source, `cargo-mutants` among them, see it; in the cold code it is unreachable and the
/// compiler drops it.
///
/// ```ignore
/// #[ink(message)]
/// fn is_active(&self, did: DidId) -> bool {
///     in_main_code!();
///     self.holds(Fact::Active(did))
/// }
/// ```
#[macro_export]
macro_rules! in_main_code {
    () => {
        // `if true`, not a bare call: the body after it must not look unreachable to the lints.
        #[cfg(feature = "split-cold")]
        if true {
            $crate::split::not_in_cold_code()
        }
    };
}

/// The first statement of a cold message: nothing, except in the main code (feature
/// `split-main`), where the message delegates this call's input (its selector and argument
/// bytes) to the cold code ([`delegate`]) as a tail call, and the rest of the body is
/// unreachable (the compiler drops it). The crate defines `COLD_CODE` (see [`cold_code!`]).
/// `in_cold_code!(2)` and `in_cold_code!(3)` name the second and third cold code instead
/// (`COLD_CODE_2`, `COLD_CODE_3`); in another cold code of the contract the message traps.
///
/// The body stays ordinary code after it (not a macro argument), so that tools which read the
/// source, `cargo-mutants` among them, see it.
///
/// ```ignore
/// #[ink(message)]
/// pub fn grant_role(&mut self, did: DidId, role: Role) -> Result<()> {
///     in_cold_code!(2);
///     self.grant(did, role)
/// }
/// ```
#[macro_export]
macro_rules! in_cold_code {
    () => {
        $crate::in_cold_code_if!(true)
    };
    ($part:tt) => {
        $crate::in_cold_code_if!($part, true)
    };
}

/// In a message that runs in both blobs: in the main code (feature `split-main`), hands this
/// call to the cold code when `cond` holds (a tail call: nothing after it runs here); anywhere
/// else, nothing (but in another cold code, which never gets the message: it traps). For a
/// message whose common case is hot and whose rare case needs code the main code should not
/// carry; the cold code runs the whole message. `in_cold_code_if!(2, cond)` and
/// `in_cold_code_if!(3, cond)` hand it to the second or third cold code.
///
/// ```ignore
/// let by_contract = self.env().is_contract(&self.env().caller());
/// in_cold_code_if!(!by_contract); // a person's read honours the masks, in the cold code
/// ```
#[macro_export]
macro_rules! in_cold_code_if {
    // The one rule: in the main code, hand the call to `$code` when `$cond` holds; in the
    // cold codes named `$other` (which never get this message), trap.
    (@route $code:ident, [$($other:literal),+], $cond:expr) => {
        #[cfg(feature = "split-main")]
        if $cond {
            $crate::split::delegate($code)
        }
        #[cfg(any($(feature = $other),+))]
        if true {
            $crate::split::in_another_cold_code()
        }
    };
    (2, $cond:expr) => {
        $crate::in_cold_code_if!(@route COLD_CODE_2, ["split-cold1", "split-cold3"], $cond)
    };
    (3, $cond:expr) => {
        $crate::in_cold_code_if!(@route COLD_CODE_3, ["split-cold1", "split-cold2"], $cond)
    };
    ($cond:expr) => {
        $crate::in_cold_code_if!(@route COLD_CODE, ["split-cold2", "split-cold3"], $cond)
    };
}

/// Defines `COLD_CODE`, the cold code's hash, in the main code (feature `split-main`): from
/// `CGRID_COLD_CODE` at build time; `cold_code!(2)` also `COLD_CODE_2` (from
/// `CGRID_COLD_CODE_2`), `cold_code!(3)` also `COLD_CODE_3` (`CGRID_COLD_CODE_3`).
/// contract-build also lints the crate with every feature on, which no bundle is built with:
/// that check gets placeholders.
#[macro_export]
macro_rules! cold_code {
    () => {
        $crate::cold_code!(COLD_CODE, "CGRID_COLD_CODE");
    };
    (2) => {
        $crate::cold_code!();
        $crate::cold_code!(COLD_CODE_2, "CGRID_COLD_CODE_2");
    };
    (3) => {
        $crate::cold_code!(2);
        $crate::cold_code!(COLD_CODE_3, "CGRID_COLD_CODE_3");
    };
    ($name:ident, $var:literal) => {
        #[cfg(all(feature = "split-main", not(feature = "split-cold")))]
        const $name: [u8; 32] = $crate::split::code_hash(::core::env!($var));
        #[cfg(all(feature = "split-main", feature = "split-cold"))]
        const $name: [u8; 32] = [0; 32];
    };
}

/// The value of a split contract's constructor whose last step, `wire` (calls to other
/// contracts, seeding: code that only instantiation runs), is left to a cold code, so that the
/// main code, which every call loads, does not carry it. `$this` is the contract as the
/// constructor built it before that step, after `lock_cold_code!`.
///
/// - Main code (feature `split-main`): stores `$this` and calls `wire_new` in cold code
///   `$part` as a delegate tail call ([`construct`]; `wired_in_cold_code!(this)` the first cold code,
///   `wired_in_cold_code!(this, 2)` the second, …). That cold code has a message `wire_new`
///   (selector [`WIRE_SELECTOR`], no arguments) that calls `wire` on the stored contract; no
///   message of the main code has that selector, so no call of a deployed contract reaches it.
/// - A cold code (feature `split-cold`): `$this` as it is. A cold code's own instance (the
///   Contracts UI uploads code by instantiating it, with any addresses) is never used, so its
///   constructor asks nothing and must not depend on a registry being there.
/// - Every other build (unit tests, `std`, the metadata): `$this` after `wire()`, in place.
///
/// Instantiating the main code costs one more storage write and a delegate call; every call of
/// the contract afterwards loads less code.
#[macro_export]
macro_rules! wired_in_cold_code {
    ($this:expr) => {
        $crate::wired_in_cold_code!(@wire COLD_CODE, $this)
    };
    ($this:expr, 2) => {
        $crate::wired_in_cold_code!(@wire COLD_CODE_2, $this)
    };
    ($this:expr, 3) => {
        $crate::wired_in_cold_code!(@wire COLD_CODE_3, $this)
    };
    (@wire $code:ident, $this:expr) => {{
        #[allow(unused_mut)]
        let mut this = $this;
        #[cfg(all(feature = "split-main", not(feature = "split-cold")))]
        if true {
            $crate::split::construct(&this, $code)
        }
        #[cfg(not(feature = "split-cold"))]
        this.wire();
        this
    }};
}

/// In a constructor of the main code (feature `split-main`): locks the cold code as a delegate
/// dependency ([`lock`]); `lock_cold_code!(2)` and `lock_cold_code!(3)` lock every cold code of
/// a contract with two or three. Nothing elsewhere.
#[macro_export]
macro_rules! lock_cold_code {
    () => {
        #[cfg(feature = "split-main")]
        $crate::split::lock(COLD_CODE);
    };
    (2) => {
        $crate::lock_cold_code!();
        #[cfg(feature = "split-main")]
        $crate::split::lock(COLD_CODE_2);
    };
    (3) => {
        $crate::lock_cold_code!(2);
        #[cfg(feature = "split-main")]
        $crate::split::lock(COLD_CODE_3);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_hashes_parse_with_or_without_prefix() {
        let hex = "00ff10a0B1c2d3e4f5060708090a0b0c0d0e0f101112131415161718191a1b1c";
        let expected: [u8; 32] = [
            0x00, 0xff, 0x10, 0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x07, 0x08, 0x09, 0x0a,
            0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
            0x19, 0x1a, 0x1b, 0x1c,
        ];
        assert_eq!(code_hash(hex), expected);
        assert_eq!(code_hash(&format!("0x{hex}")), expected);
    }

    #[test]
    #[should_panic(expected = "64 hex digits")]
    fn a_short_code_hash_is_refused() {
        code_hash("00ff");
    }

    #[test]
    #[should_panic(expected = "not a hex digit")]
    fn a_non_hex_code_hash_is_refused() {
        code_hash(&"g".repeat(64));
    }
}

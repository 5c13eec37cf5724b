//! Typed messages, built from the contracts' own `*Ref` call builders (`ink-as-dependency`),
//! so the compiler checks every argument and return type: outside this crate no code names a
//! message by a string or encodes an argument tuple by hand.
//!
//! ```ignore
//! let called = chain.send(&consumer, suite.escrow.msg(|e| e.finalize(channel)))?;
//! let view = chain.read(suite.escrow.msg(|e| e.channel(channel)))?;
//! ```
//!
//! [`Contract::msg`] takes the contract's call builder and returns a [`Msg`] that carries the
//! call data, the value to transfer, a label (contract and message name, for errors and logs)
//! and the message's return type. A backend sends it ([`crate::Backend::send`]).

use crate::AccountId32;
use cgrid_shared::Balance;
use ink::codegen::ContractCallBuilder;
use ink::env::call::utils::{ReturnType, Set, Unset};
use ink::env::call::{
    Call, CallBuilder, CreateBuilder, ExecutionInput, FromAccountId, LimitParamsV2,
};
use ink::env::DefaultEnvironment;
use scale::Encode;
use std::marker::PhantomData;

type Env = DefaultEnvironment;

/// A finished message call builder, as a contract's `*Ref` call builder returns it.
pub type Built<Args, R> =
    CallBuilder<Env, Set<Call<Env>>, Set<ExecutionInput<Args>>, Set<ReturnType<R>>>;

/// A constructor call builder, as a contract's `*Ref::new(..)` returns it.
pub type BuiltConstructor<C, Args, R> = CreateBuilder<
    Env,
    C,
    Unset<ink::primitives::Hash>,
    Set<LimitParamsV2<Env>>,
    Unset<Balance>,
    Set<ExecutionInput<Args>>,
    Unset<ink::env::call::state::Salt>,
    Set<ReturnType<R>>,
>;

/// Which contract and message a call is: for errors and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub contract: &'static str,
    /// The message's name (`verify` for the trait message `CredentialRegistry::verify`).
    pub message: &'static str,
    /// The name the metadata gives it (`CredentialRegistry::verify`); "unknown message" for a
    /// selector the contract does not have.
    pub metadata: &'static str,
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.contract, self.message)
    }
}

/// One message call, ready to send: `R` is the message's declared return type.
#[derive(Debug, Clone)]
pub struct Msg<R> {
    pub contract: AccountId32,
    pub label: Label,
    pub data: Vec<u8>,
    /// What the call transfers (payable messages only).
    pub value: Balance,
    _returns: PhantomData<fn() -> R>,
}

impl<R> Msg<R> {
    /// The same call transferring `value` (the contract refuses a transfer to a message that
    /// is not payable).
    pub fn with_value(mut self, value: Balance) -> Self {
        self.value = value;
        self
    }

    /// The 4-byte selector.
    pub fn selector(&self) -> [u8; 4] {
        selector_in(&self.data)
    }
}

/// Why a typed call did not succeed: the contract refused it (its own typed `Error`; nothing
/// changed), or the chain or the transport failed (the call may not have reached the
/// contract).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuiteError<E> {
    Refused {
        contract: &'static str,
        message: &'static str,
        error: E,
    },
    Chain {
        contract: &'static str,
        message: &'static str,
        reason: String,
    },
}

impl<E> SuiteError<E> {
    pub(crate) fn chain(label: Label, reason: String) -> Self {
        SuiteError::Chain {
            contract: label.contract,
            message: label.message,
            reason,
        }
    }

    /// The contract's error, if it refused.
    pub fn refusal(&self) -> Option<&E> {
        match self {
            SuiteError::Refused { error, .. } => Some(error),
            SuiteError::Chain { .. } => None,
        }
    }

    /// The same failure with the refusal mapped (e.g. into an error of a wider scope).
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> SuiteError<F> {
        match self {
            SuiteError::Refused {
                contract,
                message,
                error,
            } => SuiteError::Refused {
                contract,
                message,
                error: f(error),
            },
            SuiteError::Chain {
                contract,
                message,
                reason,
            } => SuiteError::Chain {
                contract,
                message,
                reason,
            },
        }
    }
}

impl<E: std::fmt::Debug> std::fmt::Display for SuiteError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SuiteError::Refused {
                contract,
                message,
                error,
            } => write!(f, "{contract} refused {message}: {error:?}"),
            SuiteError::Chain {
                contract,
                message,
                reason,
            } => write!(f, "{contract}.{message} failed on chain: {reason}"),
        }
    }
}

impl<E: std::fmt::Debug> std::error::Error for SuiteError<E> {}

impl From<SuiteError<std::convert::Infallible>> for String {
    fn from(e: SuiteError<std::convert::Infallible>) -> String {
        e.to_string()
    }
}

/// One of the suite's five contracts: its crate name and its messages' names (for labels).
pub trait SuiteContract: ContractCallBuilder {
    /// The crate name, also the bundle's and the deployment file's key.
    const NAME: &'static str;
    /// Every message's label as the metadata names it (`Trait::message` for trait messages).
    const MESSAGES: &'static [&'static str];
}

/// A deployed contract of type `C` (e.g. [`crate::TradeEscrow`]) at `address`.
pub struct Contract<C> {
    pub address: AccountId32,
    _contract: PhantomData<fn() -> C>,
}

impl<C> Clone for Contract<C> {
    fn clone(&self) -> Self {
        Contract::at(self.address.clone())
    }
}

impl<C> std::fmt::Debug for Contract<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Contract({})", self.address)
    }
}

impl<C> PartialEq for Contract<C> {
    fn eq(&self, other: &Self) -> bool {
        self.address == other.address
    }
}

impl<C> Contract<C> {
    pub fn at(address: AccountId32) -> Self {
        Contract {
            address,
            _contract: PhantomData,
        }
    }

    /// The address as an ink! `AccountId` (what other contracts and messages take).
    pub fn account(&self) -> ink::primitives::AccountId {
        crate::ink_account(&self.address)
    }
}

impl<C> Contract<C>
where
    C: SuiteContract,
    C::Type: FromAccountId<Env>,
{
    /// A message of this contract, built by `build` from the contract's call builder:
    /// `escrow.msg(|e| e.finalize(channel))`.
    pub fn msg<Args: Encode, R>(
        &self,
        build: impl FnOnce(&mut C::Type) -> Built<Args, R>,
    ) -> Msg<R> {
        let mut builder = <C::Type as FromAccountId<Env>>::from_account_id(self.account());
        let data = build(&mut builder).params().exec_input().encode();
        let metadata = metadata_name::<C>(selector_in(&data));
        Msg {
            contract: self.address.clone(),
            label: Label {
                contract: C::NAME,
                message: metadata.rsplit("::").next().unwrap_or(metadata),
                metadata,
            },
            data,
            value: 0,
            _returns: PhantomData,
        }
    }
}

/// Constructor call data from a `*Ref` constructor builder (`TradeEscrowRef::new(..)`).
pub fn constructor_data<C, Args: Encode, R>(builder: BuiltConstructor<C, Args, R>) -> Vec<u8> {
    builder
        .endowment(0)
        .code_hash(ink::primitives::Hash::from([0; 32]))
        .salt_bytes(Vec::new())
        .params()
        .exec_input()
        .encode()
}

/// ink! 5's selector of a message named `label`: the first four bytes of its blake2-256.
pub fn selector_of(label: &str) -> [u8; 4] {
    let hash = sp_core::hashing::blake2_256(label.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// The first four bytes of call data: its selector.
fn selector_in(data: &[u8]) -> [u8; 4] {
    let mut selector = [0; 4];
    for (to, from) in selector.iter_mut().zip(data) {
        *to = *from;
    }
    selector
}

/// The metadata name of `C`'s message with `selector` ("unknown message" for none of them).
fn metadata_name<C: SuiteContract>(selector: [u8; 4]) -> &'static str {
    C::MESSAGES
        .iter()
        .copied()
        .find(|label| selector_of(label) == selector)
        .unwrap_or("unknown message")
}

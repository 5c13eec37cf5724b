//! The chain seam: what a controller needs from trade_escrow, behind a trait, and its
//! implementation over the suite's fixtures (`cgrid_e2e::market`) on either backend: the
//! embedded chain (an in-process pallet-contracts runtime with the real release bundles) or,
//! with the `node` feature, a node over RPC (`cgrid_e2e::node`, subxt; dry run, then submit).
//! Each client acts as one account; every transaction it sends is logged with the weight it
//! consumed, for the demo's report.

use crate::channel::SignedState;
use cgrid_shared::{Balance, Channel, ChannelId, Signature, TradeTerms};
#[cfg(feature = "embedded")]
pub use embedded::*;
use ink::primitives::AccountId;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChainError {
    #[error("trade_escrow refused {message}: {error:?}")]
    Refused {
        message: &'static str,
        error: trade_escrow::Error,
    },
    #[error("chain call {message} failed: {reason}")]
    Call {
        message: &'static str,
        reason: String,
    },
}

/// What a controller does on chain. Implementations act as one account.
pub trait Chain: Send + Sync {
    fn escrow(&self) -> AccountId;
    /// The chain's current time (ms).
    fn now(&self) -> u64;
    fn channel(&self, id: &ChannelId) -> Result<Option<Channel>, ChainError>;
    /// Consumer: opens a channel on the provider's signed offer.
    fn open(
        &self,
        terms: &TradeTerms,
        offer: &Signature,
        deposit: Balance,
    ) -> Result<ChannelId, ChainError>;
    fn checkpoint(&self, id: &ChannelId, state: &SignedState) -> Result<(), ChainError>;
    fn close_cooperative(
        &self,
        id: &ChannelId,
        nonce: u64,
        cumulative: Balance,
        consumer_signature: &Signature,
        provider_signature: &Signature,
    ) -> Result<(), ChainError>;
    fn start_close(&self, id: &ChannelId, state: Option<&SignedState>) -> Result<(), ChainError>;
    fn challenge(&self, id: &ChannelId, state: &SignedState) -> Result<(), ChainError>;
    fn finalize(&self, id: &ChannelId) -> Result<(), ChainError>;
}

#[cfg(feature = "embedded")]
mod embedded {
    use super::*;
    use cgrid_e2e::market::Market;
    use cgrid_e2e::{call_data, ink_account, AccountId32, Backend, Called, Weight};
    use scale::{Decode, Encode};
    use std::sync::{Arc, Mutex};

    /// One transaction a controller sent.
    #[derive(Debug, Clone)]
    pub struct Sent {
        pub by: &'static str,
        pub message: &'static str,
        pub weight: Weight,
    }

    /// The suite on a chain, shared by every client in the process.
    pub struct MarketChain<B> {
        pub market: Arc<Mutex<Market<B>>>,
        pub sent: Arc<Mutex<Vec<Sent>>>,
    }

    impl<B> Clone for MarketChain<B> {
        fn clone(&self) -> Self {
            MarketChain {
                market: self.market.clone(),
                sent: self.sent.clone(),
            }
        }
    }

    /// The embedded chain.
    pub type EmbeddedChain = MarketChain<cgrid_e2e::Chain>;
    /// A client of the embedded chain.
    pub type Embedded = Client<cgrid_e2e::Chain>;

    impl EmbeddedChain {
        /// Deploys and wires the suite at time `t0` (see `cgrid_e2e::market`).
        pub fn deploy(t0: u64) -> Result<EmbeddedChain, String> {
            Ok(MarketChain::new(Market::deploy(t0)?))
        }
    }

    impl<B: Backend> MarketChain<B> {
        pub fn new(market: Market<B>) -> Self {
            MarketChain {
                market: Arc::new(Mutex::new(market)),
                sent: Arc::default(),
            }
        }

        pub fn client(&self, origin: AccountId32, by: &'static str) -> Client<B> {
            Client {
                chain: self.clone(),
                origin,
                by,
            }
        }

        /// Moves the chain's clock to at least `ms` (simulated time on the embedded chain, a
        /// real wait on a node).
        pub fn advance_to(&self, ms: u64) -> Result<(), String> {
            self.market().chain.advance_to(ms)
        }

        /// Whether the clock is simulated (the embedded chain).
        pub fn simulated_time(&self) -> bool {
            self.market().chain.simulated_time()
        }

        pub fn log(&self, by: &'static str, message: &'static str, weight: Weight) {
            self.sent
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(Sent {
                    by,
                    message,
                    weight,
                });
        }

        pub fn market(&self) -> std::sync::MutexGuard<'_, Market<B>> {
            self.market
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        }

        pub fn sent(&self) -> Vec<Sent> {
            self.sent
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone()
        }
    }

    /// A client of the suite acting as `origin`.
    pub struct Client<B> {
        chain: MarketChain<B>,
        origin: AccountId32,
        by: &'static str,
    }

    impl<B: Backend> Client<B> {
        fn tx<T: Decode>(
            &self,
            message: &'static str,
            args: impl Encode,
            value: Balance,
        ) -> Result<T, ChainError> {
            let called: Called<Result<T, trade_escrow::Error>> = {
                let mut market = self.chain.market();
                let escrow = market.escrow.clone();
                market
                    .chain
                    .call_payable(&escrow, &self.origin, call_data(message, args), value)
                    .map_err(|reason| ChainError::Call { message, reason })?
            };
            let value = called
                .value
                .map_err(|error| ChainError::Refused { message, error })?;
            self.chain.log(self.by, message, called.weight);
            Ok(value)
        }
    }

    impl<B: Backend + Send + 'static> Chain for Client<B> {
        fn escrow(&self) -> AccountId {
            ink_account(&self.chain.market().escrow)
        }

        fn now(&self) -> u64 {
            self.chain.market().chain.time()
        }

        fn channel(&self, id: &ChannelId) -> Result<Option<Channel>, ChainError> {
            Ok(self.chain.market().channel(id))
        }

        fn open(
            &self,
            terms: &TradeTerms,
            offer: &Signature,
            deposit: Balance,
        ) -> Result<ChannelId, ChainError> {
            self.tx("open", (terms, offer), deposit)
        }

        fn checkpoint(&self, id: &ChannelId, state: &SignedState) -> Result<(), ChainError> {
            self.tx(
                "checkpoint",
                (id, state.nonce, state.cumulative, state.signature),
                0,
            )
        }

        fn close_cooperative(
            &self,
            id: &ChannelId,
            nonce: u64,
            cumulative: Balance,
            consumer_signature: &Signature,
            provider_signature: &Signature,
        ) -> Result<(), ChainError> {
            self.tx(
                "close_cooperative",
                (
                    id,
                    nonce,
                    cumulative,
                    consumer_signature,
                    provider_signature,
                ),
                0,
            )
        }

        fn start_close(
            &self,
            id: &ChannelId,
            state: Option<&SignedState>,
        ) -> Result<(), ChainError> {
            let state = state.map(|s| (s.nonce, s.cumulative, s.signature));
            self.tx("start_close", (id, state), 0)
        }

        fn challenge(&self, id: &ChannelId, state: &SignedState) -> Result<(), ChainError> {
            self.tx(
                "challenge",
                (id, state.nonce, state.cumulative, state.signature),
                0,
            )
        }

        fn finalize(&self, id: &ChannelId) -> Result<(), ChainError> {
            self.tx("finalize", id, 0)
        }
    }
}

//! The chain client seam: what a controller needs from trade_escrow, behind a trait
//! ([`ChainClient`]), and its implementation over `cgrid-suite` on either backend — the
//! embedded chain or, with the `node` feature, a node over RPC. Each client acts as one
//! account; every transaction it sends is logged with the weight it consumed, for the demo's
//! report.

use crate::channel::SignedState;
use cgrid_shared::{Balance, Channel, ChannelId, DidId, Signature, TradeTerms};
use ink::primitives::AccountId;
#[cfg(feature = "embedded")]
pub use suite_client::*;

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

/// A close the escrow recorded: what the watchtower follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseEvent {
    /// A unilateral close started with the claim (`nonce`, `cumulative`), standing unless
    /// superseded before `deadline`.
    Started {
        channel: ChannelId,
        nonce: u64,
        cumulative: Balance,
        deadline: u64,
    },
    /// A challenge replaced the claim.
    Challenged {
        channel: ChannelId,
        nonce: u64,
        cumulative: Balance,
    },
    /// The channel closed (any way).
    Closed { channel: ChannelId },
}

impl CloseEvent {
    pub fn channel(&self) -> ChannelId {
        match self {
            CloseEvent::Started { channel, .. }
            | CloseEvent::Challenged { channel, .. }
            | CloseEvent::Closed { channel } => *channel,
        }
    }
}

/// What a controller does on chain. Implementations act as one account.
pub trait ChainClient: Send + Sync {
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
    /// The escrow's close events since `cursor` (0: from the start) and the cursor to go on
    /// from (see `cgrid_suite::Backend::contract_events`).
    fn close_events(&self, cursor: u64) -> Result<(u64, Vec<CloseEvent>), ChainError>;
}

#[cfg(feature = "embedded")]
mod suite_client {
    use super::*;
    use cgrid_suite::embedded::Embedded;
    use cgrid_suite::{AccountId32, Backend, Msg, Suite, SuiteError, Weight};
    use std::sync::{Arc, Mutex, MutexGuard};

    /// One transaction a controller sent.
    #[derive(Debug, Clone)]
    pub struct Sent {
        pub by: &'static str,
        pub message: &'static str,
        pub weight: Weight,
    }

    /// A chain backend and the suite on it, shared by every client in the process.
    pub struct SharedChain<B> {
        backend: Arc<Mutex<B>>,
        suite: Arc<Suite>,
        sent: Arc<Mutex<Vec<Sent>>>,
    }

    impl<B> Clone for SharedChain<B> {
        fn clone(&self) -> Self {
            SharedChain {
                backend: self.backend.clone(),
                suite: self.suite.clone(),
                sent: self.sent.clone(),
            }
        }
    }

    /// A client of the embedded chain.
    pub type EmbeddedClient = Client<Embedded>;

    fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
        mutex
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    impl<B: Backend> SharedChain<B> {
        pub fn new(backend: B, suite: Suite) -> Self {
            SharedChain {
                backend: Arc::new(Mutex::new(backend)),
                suite: Arc::new(suite),
                sent: Arc::default(),
            }
        }

        pub fn suite(&self) -> &Suite {
            &self.suite
        }

        /// The backend, locked (hold it briefly: every client waits for it).
        pub fn backend(&self) -> MutexGuard<'_, B> {
            lock(&self.backend)
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
            self.backend().advance_to(ms)
        }

        /// Whether the clock is simulated (the embedded chain).
        pub fn simulated_time(&self) -> bool {
            self.backend().simulated_time()
        }

        pub fn log(&self, by: &'static str, message: &'static str, weight: Weight) {
            lock(&self.sent).push(Sent {
                by,
                message,
                weight,
            });
        }

        pub fn sent(&self) -> Vec<Sent> {
            lock(&self.sent).clone()
        }

        /// Sends `msg` as `origin` (logged as sent by `by`).
        pub fn send<T: scale::Decode, E: scale::Decode>(
            &self,
            origin: &AccountId32,
            by: &'static str,
            msg: Msg<Result<T, E>>,
        ) -> Result<T, SuiteError<E>> {
            let message = msg.label.message;
            let called = self.backend().send(origin, msg)?;
            self.log(by, message, called.weight);
            Ok(called.value)
        }
    }

    /// A client of the suite acting as `origin`.
    pub struct Client<B> {
        chain: SharedChain<B>,
        origin: AccountId32,
        by: &'static str,
    }

    fn chain_error(e: SuiteError<trade_escrow::Error>) -> ChainError {
        match e {
            SuiteError::Refused { message, error, .. } => ChainError::Refused { message, error },
            SuiteError::Chain {
                message, reason, ..
            } => ChainError::Call { message, reason },
        }
    }

    impl<B: Backend> Client<B> {
        fn tx<T: scale::Decode>(
            &self,
            msg: Msg<Result<T, trade_escrow::Error>>,
        ) -> Result<T, ChainError> {
            self.chain
                .send(&self.origin, self.by, msg)
                .map_err(chain_error)
        }
    }

    /// The registry's and the escrow's answers to access decisions (`cgrid serve --access`).
    impl<B: Backend + Send + 'static> crate::access::Directory for SharedChain<B> {
        fn did(&self, did: &DidId) -> Result<Option<crate::access::DidFacts>, String> {
            let mut backend = self.backend();
            let dids = &self.suite.dids;
            let Some(view) = backend
                .read(dids.msg(|d| d.resolve(*did)))
                .map_err(|e| e.to_string())?
            else {
                return Ok(None);
            };
            // Granted, unexpired, DID active: the registry's own rule.
            let roles = backend
                .read(dids.msg(|d| d.roles_of(*did)))
                .map_err(|e| e.to_string())?;
            let doc = view.record;
            Ok(Some(crate::access::DidFacts {
                deactivated: doc.deactivated,
                roles: roles.into_iter().map(|h| h.role).collect(),
                authentication: crate::access::authentication_keys(&doc.verification_methods),
            }))
        }

        fn trade(&self, channel: &ChannelId) -> Result<Option<crate::access::TradeFacts>, String> {
            let msg = self.suite.escrow.channel(channel);
            let view = self.backend().read(msg).map_err(|e| e.to_string())?;
            Ok(view.map(|v| crate::access::TradeFacts {
                parties: [v.record.provider_did, v.record.consumer_did],
                mask: v.masked,
            }))
        }
    }

    impl<B: Backend + Send + 'static> ChainClient for Client<B> {
        fn escrow(&self) -> AccountId {
            self.chain.suite().escrow.account()
        }

        fn now(&self) -> u64 {
            self.chain.backend().time()
        }

        fn channel(&self, id: &ChannelId) -> Result<Option<Channel>, ChainError> {
            let msg = self.chain.suite().escrow.channel(id);
            let message = msg.label.message;
            self.chain
                .backend()
                .read(msg)
                .map(|view| view.map(|v| v.record))
                .map_err(|e| ChainError::Call {
                    message,
                    reason: e.to_string(),
                })
        }

        fn open(
            &self,
            terms: &TradeTerms,
            offer: &Signature,
            deposit: Balance,
        ) -> Result<ChannelId, ChainError> {
            self.tx(self.chain.suite().escrow.open(terms, offer, deposit))
        }

        fn checkpoint(&self, id: &ChannelId, state: &SignedState) -> Result<(), ChainError> {
            self.tx(self.chain.suite().escrow.checkpoint(id, state))
        }

        fn close_cooperative(
            &self,
            id: &ChannelId,
            nonce: u64,
            cumulative: Balance,
            consumer_signature: &Signature,
            provider_signature: &Signature,
        ) -> Result<(), ChainError> {
            self.tx(self.chain.suite().escrow.close_cooperative(
                id,
                nonce,
                cumulative,
                consumer_signature,
                provider_signature,
            ))
        }

        fn start_close(
            &self,
            id: &ChannelId,
            state: Option<&SignedState>,
        ) -> Result<(), ChainError> {
            self.tx(self.chain.suite().escrow.start_close(id, state))
        }

        fn challenge(&self, id: &ChannelId, state: &SignedState) -> Result<(), ChainError> {
            self.tx(self.chain.suite().escrow.challenge(id, state))
        }

        fn finalize(&self, id: &ChannelId) -> Result<(), ChainError> {
            self.tx(self.chain.suite().escrow.finalize(id))
        }

        fn close_events(&self, cursor: u64) -> Result<(u64, Vec<CloseEvent>), ChainError> {
            use trade_escrow::events::{Challenged, ChannelClosed, CloseStarted};
            let escrow = self.chain.suite().escrow.address.clone();
            let (next, emitted) = self
                .chain
                .backend()
                .contract_events(cursor, &escrow)
                .map_err(|reason| ChainError::Call {
                    message: "contract_events",
                    reason,
                })?;
            let events = emitted
                .iter()
                .filter_map(|e| {
                    if let Some(s) = e.decode::<CloseStarted>() {
                        return Some(CloseEvent::Started {
                            channel: s.channel,
                            nonce: s.nonce,
                            cumulative: s.cumulative,
                            deadline: s.deadline,
                        });
                    }
                    if let Some(c) = e.decode::<Challenged>() {
                        return Some(CloseEvent::Challenged {
                            channel: c.channel,
                            nonce: c.nonce,
                            cumulative: c.cumulative,
                        });
                    }
                    e.decode::<ChannelClosed>()
                        .map(|c| CloseEvent::Closed { channel: c.channel })
                })
                .collect();
            Ok((next, events))
        }
    }
}

//! The ComputeGrid suite deployed and wired on the embedded chain, with a provider and a consumer
//! that hold DIDs and KYC roles: the starting point of every trade test, of the benchmark and of
//! the demo.
//!
//! Deployment order and wiring (the same as `scripts/deploy.sh` will do on a node):
//! did_registry (root = deployer) → vc_templates(did_registry) → trade_escrow(did_registry,
//! vc_templates) → `vc_templates.set_system_issuer(trade_escrow, true)`.

use crate::{account, call_data, ink_account, release_wasm, sign, AccountId32, Called, Chain};
use cgrid_shared::{
    close_preimage, offer_preimage, state_preimage, Balance, Channel, ChannelId, DidCreation,
    DidId, Encryption, Role, TradeTerms,
};
use ink_sandbox::Weight;
use scale::{Decode, Encode};
use sp_core::{sr25519, Pair};

/// One year in milliseconds: how long the fixtures' KYC roles last.
pub const YEAR_MS: u64 = 365 * 24 * 3_600_000;

type EscrowResult<T> = Result<T, trade_escrow::Error>;

pub struct Market {
    pub chain: Chain,
    pub dids: AccountId32,
    pub vcs: AccountId32,
    pub escrow: AccountId32,
    /// Deployer and root authority.
    pub root: AccountId32,
    /// The provider's account is its sr25519 account key (it signs offers with it).
    pub provider_account_key: sr25519::Pair,
    pub provider: AccountId32,
    pub consumer: AccountId32,
    pub provider_did: DidId,
    pub consumer_did: DidId,
    /// Channel keys: the consumer's signs cumulative states, the provider's countersigns
    /// cooperative closes.
    pub consumer_key: sr25519::Pair,
    pub provider_key: sr25519::Pair,
    /// Weight of each deployment (upload + instantiation), in order.
    pub deployments: Vec<(&'static str, Weight)>,
    /// The escrow's own balance right after instantiation (its existential deposit).
    pub escrow_base: Balance,
}

impl Market {
    /// Deploys and wires the suite at block time `t0`, funds the parties, creates their DIDs and
    /// grants the provider the Provider role and the consumer the Consumer role.
    pub fn deploy(t0: u64) -> Result<Market, String> {
        let mut chain = Chain::new();
        chain.set_time(t0);
        let root = account([1; 32]);
        let provider_account_key = sr25519::Pair::from_seed(&[0x11; 32]);
        let provider = account(provider_account_key.public().0);
        let consumer = account([3; 32]);
        for who in [&root, &provider, &consumer] {
            chain.fund(who, Chain::TOKENS);
        }
        let mut deployments = Vec::new();
        let (dids, w) = chain.deploy_weighed(
            &release_wasm("did_registry")?,
            call_data("new", ()),
            &root,
            b"",
        )?;
        deployments.push(("did_registry", w));
        let (vcs, w) = chain.deploy_weighed(
            &release_wasm("vc_templates")?,
            call_data("new", ink_account(&dids)),
            &root,
            b"",
        )?;
        deployments.push(("vc_templates", w));
        let mut market = Market {
            chain,
            escrow: vcs.clone(),
            dids,
            vcs,
            root,
            provider_account_key,
            provider,
            consumer,
            provider_did: [0; 32],
            consumer_did: [0; 32],
            consumer_key: sr25519::Pair::from_seed(&[0x22; 32]),
            provider_key: sr25519::Pair::from_seed(&[0x33; 32]),
            deployments,
            escrow_base: 0,
        };
        let (escrow, w) = market.deploy_escrow(b"")?;
        market.deployments.push(("trade_escrow", w));
        market.escrow_base = market.chain.balance(&escrow);
        market.escrow = escrow;
        let (provider, consumer) = (market.provider.clone(), market.consumer.clone());
        market.provider_did = market.create_did(&provider)?;
        market.consumer_did = market.create_did(&consumer)?;
        market.grant(market.provider_did, Role::Provider, t0 + YEAR_MS)?;
        market.grant(market.consumer_did, Role::Consumer, t0 + YEAR_MS)?;
        Ok(market)
    }

    /// Deploys a trade escrow wired to this suite's registries and designates it a system
    /// issuer (a second one with another `salt` is another deployment).
    pub fn deploy_escrow(&mut self, salt: &[u8]) -> Result<(AccountId32, Weight), String> {
        let (escrow, weight) = self.chain.deploy_weighed(
            &release_wasm("trade_escrow")?,
            call_data("new", (ink_account(&self.dids), ink_account(&self.vcs))),
            &self.root,
            salt,
        )?;
        let root = self.root.clone();
        let vcs = self.vcs.clone();
        let set = self.chain.call::<Result<(), vc_templates::Error>>(
            &vcs,
            &root,
            call_data("set_system_issuer", (ink_account(&escrow), true)),
        )?;
        set.value.map_err(|e| format!("set_system_issuer: {e:?}"))?;
        Ok((escrow, weight))
    }

    fn create_did(&mut self, who: &AccountId32) -> Result<DidId, String> {
        let dids = self.dids.clone();
        self.chain
            .call::<Result<DidId, did_registry::Error>>(
                &dids,
                who,
                call_data("create_did", DidCreation::default()),
            )?
            .value
            .map_err(|e| format!("create_did: {e:?}"))
    }

    /// Grants `role` to `did` (as the root authority) until `expires_at`.
    pub fn grant(&mut self, did: DidId, role: Role, expires_at: u64) -> Result<(), String> {
        let (dids, root) = (self.dids.clone(), self.root.clone());
        self.chain
            .call::<Result<(), did_registry::Error>>(
                &dids,
                &root,
                call_data("grant_role", (did, role, expires_at, [0u8; 32])),
            )?
            .value
            .map_err(|e| format!("grant_role: {e:?}"))
    }

    /// Terms of a trade between the fixtures' provider and consumer, expiring `lifetime_ms`
    /// from now, with a one-minute challenge period.
    pub fn terms(
        &mut self,
        price_per_minute: Balance,
        min_cost: Balance,
        lifetime_ms: u64,
        offer_nonce: u8,
    ) -> TradeTerms {
        TradeTerms {
            provider: ink_account(&self.provider),
            consumer: ink_account(&self.consumer),
            spec: "16 vCPU / 64 GiB / 1x A100".into(),
            price_per_minute,
            min_cost,
            checkin_cpt: 3,
            encryption: Encryption::Plain,
            consumer_key: self.consumer_key.public().0,
            provider_key: self.provider_key.public().0,
            challenge_period: 60_000,
            expires_at: self.chain.time() + lifetime_ms,
            offer_nonce: [offer_nonce; 32],
        }
    }

    /// The provider's signature on `terms` for `escrow` (its deployment id read from chain).
    pub fn offer_for(&mut self, escrow: &AccountId32, terms: &TradeTerms) -> [u8; 64] {
        let deployment = self
            .chain
            .query::<[u8; 32]>(escrow, &self.root.clone(), call_data("deployment", ()))
            .expect("deployment()")
            .value;
        sign(
            &self.provider_account_key,
            &offer_preimage(&ink_account(escrow), &deployment, terms),
        )
    }

    /// Opens a channel on `escrow` as the consumer with a provider-signed offer.
    pub fn open_on(
        &mut self,
        escrow: &AccountId32,
        terms: &TradeTerms,
        deposit: Balance,
    ) -> Result<Called<EscrowResult<ChannelId>>, String> {
        let signature = self.offer_for(escrow, terms);
        let consumer = self.consumer.clone();
        self.chain.call_payable(
            escrow,
            &consumer,
            call_data("open", (terms, signature)),
            deposit,
        )
    }

    /// Opens a channel on the suite's escrow; panics unless it opens.
    pub fn open(&mut self, terms: &TradeTerms, deposit: Balance) -> (ChannelId, Weight) {
        let escrow = self.escrow.clone();
        let out = self.open_on(&escrow, terms, deposit).expect("open call");
        (out.value.expect("channel opens"), out.weight)
    }

    /// The consumer's channel-key signature of a cumulative state on the suite's escrow.
    pub fn state(&self, channel: &ChannelId, nonce: u64, cumulative: Balance) -> [u8; 64] {
        sign(
            &self.consumer_key,
            &state_preimage(&ink_account(&self.escrow), channel, nonce, cumulative),
        )
    }

    /// Both channel keys' signatures of a final state (consumer's, provider's).
    pub fn close_sigs(
        &self,
        channel: &ChannelId,
        nonce: u64,
        cumulative: Balance,
    ) -> ([u8; 64], [u8; 64]) {
        let preimage = close_preimage(&ink_account(&self.escrow), channel, nonce, cumulative);
        (
            sign(&self.consumer_key, &preimage),
            sign(&self.provider_key, &preimage),
        )
    }

    /// Calls an escrow message returning `Result<T, Error>`.
    pub fn escrow_tx<T: Decode>(
        &mut self,
        origin: &AccountId32,
        message: &str,
        args: impl Encode,
    ) -> Result<Called<EscrowResult<T>>, String> {
        let escrow = self.escrow.clone();
        self.chain.call(&escrow, origin, call_data(message, args))
    }

    /// Reads an escrow message.
    pub fn escrow_query<T: Decode>(&mut self, message: &str, args: impl Encode) -> T {
        let (escrow, root) = (self.escrow.clone(), self.root.clone());
        self.chain
            .query::<T>(&escrow, &root, call_data(message, args))
            .unwrap_or_else(|e| panic!("{message}: {e}"))
            .value
    }

    pub fn channel(&mut self, id: &ChannelId) -> Option<Channel> {
        self.escrow_query("channel", id)
    }

    /// The escrow's balance beyond its own existential deposit.
    pub fn escrow_held(&mut self) -> Balance {
        let escrow = self.escrow.clone();
        self.chain.balance(&escrow) - self.escrow_base
    }
}

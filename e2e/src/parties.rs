//! The test parties: the ComputeGrid suite deployed and wired, with a provider and a consumer
//! that hold DIDs and KYC roles, three regulators on the unmask committee, the energy
//! certificate template and the auction's parameter model: the starting point of every trade
//! test and of the benchmark. They hold every party's keys, which is why they live here and
//! never in the product.
//!
//! [`Parties`] works on any [`Backend`]: the embedded chain ([`Parties::deploy`]) or a node
//! ([`Parties::deploy_on`] with `cgrid_suite::node::NodeClient`). The deployment and the
//! actions are the suite's ([`Suite::deploy`], `cgrid_suite::ops`).

use cgrid_shared::{
    close_preimage, state_preimage, AuctionRequest, Balance, Channel, ChannelId, ClaimProof,
    CredentialView, DidId, Encryption, MaskedView, ParameterModel, Role, TradeTerms, ATTRIBUTES,
};
use cgrid_suite::embedded::Embedded;
use cgrid_suite::ops::{default_model, energy_certificate, ENERGY_CPT};
use cgrid_suite::{
    deploy_auction, deploy_escrow, ink_account, AccountId32, Auction, Backend, Called, Escrow,
    Signer, Suite, Weight,
};
use scale::Encode;
use sp_core::{sr25519, Pair};

pub use cgrid_suite::ops::{energy_certificate_template, BID_BOND};

/// One year in milliseconds: how long the parties' KYC roles last.
pub const YEAR_MS: u64 = 365 * 24 * 3_600_000;
/// What each party is funded with.
pub const TOKENS: Balance = Embedded::TOKENS;

pub struct Parties<B = Embedded> {
    pub chain: B,
    /// The five contracts.
    pub suite: Suite,
    /// The unmask committee: accounts holding the Regulator role.
    pub regulators: Vec<AccountId32>,
    /// Deployer and root authority.
    pub root: AccountId32,
    /// The root authority's DID: the attestor of energy certificates.
    pub root_did: DidId,
    /// Receives forfeited bid bonds.
    pub treasury: AccountId32,
    /// The provider's account is its sr25519 account key (it signs offers with it).
    pub provider_account_key: Signer,
    pub provider: AccountId32,
    pub consumer: AccountId32,
    pub provider_did: DidId,
    pub consumer_did: DidId,
    /// Channel keys: the consumer's signs cumulative states, the provider's countersigns
    /// cooperative closes.
    pub consumer_key: sr25519::Pair,
    pub provider_key: sr25519::Pair,
    /// The escrow's own balance right after instantiation (its existential deposit).
    pub escrow_base: Balance,
}

impl Parties<Embedded> {
    /// Deploys and wires the suite on a fresh embedded chain at block time `t0`, funds the
    /// parties, creates their DIDs and grants the provider the Provider role and the consumer
    /// the Consumer role.
    pub fn deploy(t0: u64) -> Result<Parties, String> {
        Parties::deploy_on(Embedded::new(t0))
    }
}

fn text<E: core::fmt::Debug>(e: cgrid_suite::SuiteError<E>) -> String {
    e.to_string()
}

impl<B: Backend> Parties<B> {
    /// [`Parties::deploy`] on any backend (a node: the deployer's account is the root
    /// authority and funds the other parties).
    pub fn deploy_on(mut chain: B) -> Result<Parties<B>, String> {
        let t0 = chain.time();
        // A node keeps what earlier runs deployed: a fresh salt gives fresh addresses.
        let salt = if chain.simulated_time() {
            Vec::new()
        } else {
            t0.to_le_bytes().to_vec()
        };
        let root = chain.deployer();
        let provider_account_key = Signer::from_seed(&[0x11; 32]);
        let provider = chain.add_signer(&provider_account_key);
        let consumer = chain.account([3; 32]);
        let treasury = chain.account([0x7E; 32]);
        for who in [&root, &provider, &consumer] {
            chain.fund(who, TOKENS)?;
        }
        let suite = Suite::deploy(&mut chain, &salt)?;
        let escrow_base = chain.balance(&suite.escrow.address);
        let mut parties = Parties {
            chain,
            suite,
            regulators: Vec::new(),
            root,
            root_did: [0; 32],
            treasury,
            provider_account_key,
            provider,
            consumer,
            provider_did: [0; 32],
            consumer_did: [0; 32],
            consumer_key: sr25519::Pair::from_seed(&[0x22; 32]),
            provider_key: sr25519::Pair::from_seed(&[0x33; 32]),
            escrow_base,
        };
        let (provider, consumer) = (parties.provider.clone(), parties.consumer.clone());
        parties.provider_did = parties.create_did(&provider)?;
        parties.consumer_did = parties.create_did(&consumer)?;
        parties.grant(parties.provider_did, Role::Provider, t0 + YEAR_MS)?;
        parties.grant(parties.consumer_did, Role::Consumer, t0 + YEAR_MS)?;
        let root = parties.root.clone();
        parties.root_did = parties.create_did(&root)?;
        let cpt = parties
            .suite
            .publish_energy_template(&mut parties.chain)
            .map_err(text)?;
        assert_eq!(cpt, ENERGY_CPT);
        let model = parties.model();
        parties
            .suite
            .set_model(&mut parties.chain, model)
            .map_err(text)?;
        parties.add_committee()?;
        Ok(parties)
    }

    /// Three regulators (DIDs, Regulator role for a year) form the unmask committee with
    /// quorum 2 and one-day approvals.
    fn add_committee(&mut self) -> Result<(), String> {
        let until = self.chain.time() + YEAR_MS;
        for n in 0..3u8 {
            let who = self.chain.account([0xB0 + n; 32]);
            self.chain.fund(&who, TOKENS)?;
            let did = self.create_did(&who)?;
            self.grant(did, Role::Regulator, until)?;
            self.regulators.push(who);
        }
        let committee = self.regulators.clone();
        self.suite
            .set_committee(&mut self.chain, &committee, 2, 24 * 3_600_000)
            .map_err(text)
    }

    /// Deploys an incentive auction wired to this suite (not yet a broker of the escrow).
    pub fn deploy_auction(&mut self, salt: &[u8]) -> Result<(Auction, Weight), String> {
        let deployed = deploy_auction(
            &mut self.chain,
            (&self.suite.dids, &self.suite.vcs),
            &self.suite.escrow,
            salt,
        )?;
        Ok((Auction::at(deployed.address), deployed.weight))
    }

    /// Deploys a trade escrow wired to this suite's registries and designates it a system
    /// issuer (a second one with another `salt` is another deployment).
    pub fn deploy_escrow(&mut self, salt: &[u8]) -> Result<(Escrow, Weight), String> {
        let deployed = deploy_escrow(&mut self.chain, &self.suite.dids, &self.suite.vcs, salt)?;
        Ok((Escrow::at(deployed.address), deployed.weight))
    }

    /// The parties' parameter model: `cgrid_suite::ops::default_model` attested by the root
    /// DID, bonds to the treasury.
    pub fn model(&self) -> ParameterModel {
        default_model(vec![self.root_did], &self.treasury)
    }

    /// A funded provider account (seed `n`) with a DID and the Provider role.
    pub fn add_provider(&mut self, n: u32) -> Result<(AccountId32, DidId), String> {
        let mut seed = [0x50u8; 32];
        seed[..4].copy_from_slice(&n.to_le_bytes());
        let who = self.chain.account(seed);
        self.chain.fund(&who, TOKENS)?;
        let did = self.create_did(&who)?;
        let until = self.chain.time() + YEAR_MS;
        self.grant(did, Role::Provider, until)?;
        Ok((who, did))
    }

    /// The root authority certifies `values` (green share bps, carbon g/kWh, PUE × 1000,
    /// charity bps) for `subject`; returns the credential id and a proof for each attribute.
    pub fn certify(
        &mut self,
        subject: DidId,
        values: [u32; ATTRIBUTES],
        tag: u8,
    ) -> Result<([u8; 32], [ClaimProof; ATTRIBUTES]), String> {
        let (root, root_did) = (self.root.clone(), self.root_did);
        self.certify_as(&root, root_did, subject, values, tag)
    }

    /// As [`Parties::certify`], by `issuer` acting for its DID `issuer_did` (which must hold
    /// the Issuer role, or be an authority's own).
    pub fn certify_as(
        &mut self,
        issuer: &AccountId32,
        issuer_did: DidId,
        subject: DidId,
        values: [u32; ATTRIBUTES],
        tag: u8,
    ) -> Result<([u8; 32], [ClaimProof; ATTRIBUTES]), String> {
        let seed = sp_core::hashing::blake2_256(&(b"fixture-cert", subject, tag).encode());
        let certificate = energy_certificate(issuer_did, subject, values, seed);
        self.suite
            .issue(&mut self.chain, issuer, &certificate)
            .map_err(text)?;
        Ok((certificate.request.id, certificate.proofs))
    }

    /// A request from the parties' consumer: `minutes` at up to `max_price` per minute,
    /// committing for `commit_ms` and revealing for `reveal_ms` from now.
    pub fn auction_request(
        &mut self,
        max_price: Balance,
        minutes: u32,
        min_cost: Balance,
        commit_ms: u64,
        reveal_ms: u64,
    ) -> AuctionRequest {
        let now = self.chain.time();
        AuctionRequest {
            spec: "16 vCPU / 64 GiB / 1x A100".into(),
            max_price_per_minute: max_price,
            duration_minutes: minutes,
            min_cost,
            commit_deadline: now + commit_ms,
            reveal_deadline: now + commit_ms + reveal_ms,
            weights: None,
            consumer_key: self.consumer_key.public().0,
            checkin_cpt: 3,
            encryption: Encryption::Plain,
            challenge_period: 60_000,
        }
    }

    pub fn create_did(&mut self, who: &AccountId32) -> Result<DidId, String> {
        self.suite.create_did(&mut self.chain, who).map_err(text)
    }

    /// Grants `role` to `did` (as the root authority) until `expires_at`.
    pub fn grant(&mut self, did: DidId, role: Role, expires_at: u64) -> Result<(), String> {
        self.suite
            .grant_role(&mut self.chain, did, role, expires_at)
            .map_err(text)
    }

    /// Terms of a trade between the parties' provider and consumer, expiring `lifetime_ms`
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
    pub fn offer_for(&mut self, escrow: &Escrow, terms: &TradeTerms) -> [u8; 64] {
        let deployment = self.chain.read(escrow.deployment()).expect("deployment()");
        self.provider_account_key
            .sign(&cgrid_shared::offer_preimage(
                &escrow.account(),
                &deployment,
                terms,
            ))
    }

    /// Opens a channel on `escrow` as the consumer with a provider-signed offer; the raw
    /// outcome, refusals included.
    pub fn open_on(
        &mut self,
        escrow: &Escrow,
        terms: &TradeTerms,
        deposit: Balance,
    ) -> Called<Result<ChannelId, trade_escrow::Error>> {
        let signature = self.offer_for(escrow, terms);
        let consumer = self.consumer.clone();
        self.chain
            .try_send(&consumer, escrow.open(terms, &signature, deposit))
            .expect("open reaches the escrow")
    }

    /// Opens a channel on the suite's escrow; panics unless it opens.
    pub fn open(&mut self, terms: &TradeTerms, deposit: Balance) -> (ChannelId, Weight) {
        let escrow = self.suite.escrow.clone();
        let out = self.open_on(&escrow, terms, deposit);
        (out.value.expect("channel opens"), out.weight)
    }

    /// The consumer's channel-key signature of a cumulative state on the suite's escrow.
    pub fn state(&self, channel: &ChannelId, nonce: u64, cumulative: Balance) -> [u8; 64] {
        crate::sign(
            &self.consumer_key,
            &state_preimage(&self.suite.escrow.account(), channel, nonce, cumulative),
        )
    }

    /// Both channel keys' signatures of a final state (consumer's, provider's).
    pub fn close_sigs(
        &self,
        channel: &ChannelId,
        nonce: u64,
        cumulative: Balance,
    ) -> ([u8; 64], [u8; 64]) {
        let preimage = close_preimage(&self.suite.escrow.account(), channel, nonce, cumulative);
        (
            crate::sign(&self.consumer_key, &preimage),
            crate::sign(&self.provider_key, &preimage),
        )
    }

    /// The channel as the escrow's read path returns it: under a mask, who traded and the
    /// price read as zero (the accounting is never withheld); see `channel_view`.
    pub fn channel(&mut self, id: &ChannelId) -> Option<Channel> {
        self.channel_view(id).map(|view| view.record)
    }

    /// The escrow's `channel` read with its mask marker.
    pub fn channel_view(&mut self, id: &ChannelId) -> Option<MaskedView<Channel>> {
        self.chain
            .read(self.suite.escrow.channel(id))
            .expect("channel()")
    }

    /// vc_templates' `verify` of credential `id`: the anchor, whether it counts, and the mask
    /// marker when a regulator masked it.
    pub fn verify(&mut self, id: [u8; 32]) -> Option<MaskedView<CredentialView>> {
        use cgrid_shared::CredentialRegistry as _;
        self.chain
            .read(self.suite.vcs.msg(|v| v.verify(id)))
            .expect("verify()")
    }

    /// The escrow's balance beyond its own existential deposit.
    pub fn escrow_held(&mut self) -> Balance {
        let escrow = self.suite.escrow.address.clone();
        self.chain.balance(&escrow) - self.escrow_base
    }
}

/// Tracks one account's expected balance: transfers plus the storage deposits of its calls.
pub struct Ledger {
    who: AccountId32,
    expected: i128,
}

impl Ledger {
    pub fn new<B: Backend>(m: &mut Parties<B>, who: &AccountId32) -> Self {
        Ledger {
            who: who.clone(),
            expected: i128::try_from(m.chain.balance(who)).expect("fits"),
        }
    }
    pub fn paid_call<T>(&mut self, called: &Called<T>) {
        self.expected -= called.storage_deposit;
    }
    pub fn moved(&mut self, amount: i128) {
        self.expected += amount;
    }
    pub fn check<B: Backend>(&self, m: &mut Parties<B>, context: &str) {
        let actual = i128::try_from(m.chain.balance(&self.who)).expect("fits");
        assert_eq!(actual, self.expected, "balance of {:?} {context}", self.who);
    }
}

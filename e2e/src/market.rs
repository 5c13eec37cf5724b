//! The ComputeGrid suite deployed and wired on the embedded chain, with a provider and a consumer
//! that hold DIDs and KYC roles: the starting point of every trade test, of the benchmark and of
//! the demo.
//!
//! [`Market`] works on any [`Backend`]: the embedded chain ([`Market::deploy`]) or a node
//! ([`Market::deploy_on`] with `crate::node::Node`). [`deploy_suite`] is the deployment alone
//! (contracts and wiring, no fixtures): what `cgrid deploy` / `scripts/deploy.sh` run on a node.
//!
//! Deployment order and wiring:
//! did_registry (root = deployer) → vc_templates(did_registry) → trade_escrow(did_registry,
//! vc_templates) → `vc_templates.set_system_issuer(trade_escrow, true)` →
//! incentive_auction(did_registry, vc_templates, trade_escrow) →
//! `trade_escrow.set_broker(incentive_auction, true)` → the root authority creates its DID,
//! publishes the energy-certificate template and sets the auction's parameter model (the root
//! DID is the model's attestor) → mask_registry(did_registry) → three regulators get DIDs and
//! the Regulator role and become the unmask committee (quorum 2, approvals live one day) →
//! `set_mask_registry(mask_registry)` on did_registry, vc_templates and trade_escrow, so that
//! their read paths honour masks.

use crate::{call_data, ink_account, release_wasm, sign, AccountId32, Backend, Called, Chain};
use cgrid_shared::{
    bid_preimage, claim_leaf_preimage, claims_root_preimage, close_preimage, offer_preimage,
    state_preimage, AnchorRequest, AttributeRule, AuctionRequest, Balance, Bid, Channel, ChannelId,
    ClaimProof, ClaimValue, CptId, CptProperty, CptTemplate, CredentialView, DidCreation, DidId,
    DidSignature, Encryption, MaskedView, ParameterModel, PropertyType, Publisher, Role,
    TradeTerms, WeightRange, Weights, ATTRIBUTES, ATTRIBUTE_NAMES,
};
use ink_sandbox::Weight;
use scale::{Decode, Encode};
use sp_core::{sr25519, Pair};

/// One year in milliseconds: how long the fixtures' KYC roles last.
pub const YEAR_MS: u64 = 365 * 24 * 3_600_000;

type EscrowResult<T> = Result<T, trade_escrow::Error>;
type AuctionResult<T> = Result<T, incentive_auction::Error>;

/// The id the fixtures publish the energy-certificate template under (authority range).
pub const ENERGY_CPT: CptId = 1_000;
/// The auction's bid bond in the fixtures' model.
pub const BID_BOND: Balance = 1_000;

/// One deployed contract.
#[derive(Debug, Clone)]
pub struct Deployed {
    pub name: &'static str,
    pub address: AccountId32,
    /// blake2-256 of the Wasm: pallet-contracts' code hash.
    pub code_hash: [u8; 32],
    /// The block the instantiation went into.
    pub block: u64,
    /// Weight of upload plus instantiation.
    pub weight: Weight,
}

/// Uploads and instantiates release bundle `name` as `root`; records it in `out`.
pub fn deploy_contract<B: Backend>(
    chain: &mut B,
    name: &'static str,
    constructor: Vec<u8>,
    root: &AccountId32,
    salt: &[u8],
    out: &mut Vec<Deployed>,
) -> Result<AccountId32, String> {
    let wasm = release_wasm(name)?;
    let (address, weight) = chain.deploy_weighed(&wasm, constructor, root, salt)?;
    out.push(Deployed {
        name,
        address: address.clone(),
        code_hash: sp_core::hashing::blake2_256(&wasm),
        block: chain.last_block(),
        weight,
    });
    Ok(address)
}

/// Calls `message` on `contract` as `root`; a contract error becomes the `Err` string.
fn wire<B: Backend, E: Decode + core::fmt::Debug>(
    chain: &mut B,
    contract: &AccountId32,
    root: &AccountId32,
    what: &str,
    data: Vec<u8>,
) -> Result<(), String> {
    chain
        .call::<Result<(), E>>(contract, root, data)?
        .value
        .map_err(|e| format!("{what}: {e:?}"))
}

/// Makes `escrow` a system issuer of `vcs` (it anchors trade-start and settlement credentials).
pub fn wire_escrow<B: Backend>(
    chain: &mut B,
    vcs: &AccountId32,
    escrow: &AccountId32,
    root: &AccountId32,
) -> Result<(), String> {
    wire::<B, vc_templates::Error>(
        chain,
        vcs,
        root,
        "vc_templates.set_system_issuer",
        call_data("set_system_issuer", (ink_account(escrow), true)),
    )
}

/// Makes `auction` a broker of `escrow` (finalize opens the winner's channel).
pub fn wire_auction<B: Backend>(
    chain: &mut B,
    escrow: &AccountId32,
    auction: &AccountId32,
    root: &AccountId32,
) -> Result<(), String> {
    wire::<B, trade_escrow::Error>(
        chain,
        escrow,
        root,
        "trade_escrow.set_broker",
        call_data("set_broker", (ink_account(auction), true)),
    )
}

/// Names `masks` on the three record-keeping contracts, so that their read paths honour it.
pub fn wire_masks<B: Backend>(
    chain: &mut B,
    [dids, vcs, escrow]: [&AccountId32; 3],
    masks: &AccountId32,
    root: &AccountId32,
) -> Result<(), String> {
    let data = || call_data("set_mask_registry", Some(ink_account(masks)));
    wire::<B, did_registry::Error>(chain, dids, root, "did_registry.set_mask_registry", data())?;
    wire::<B, vc_templates::Error>(chain, vcs, root, "vc_templates.set_mask_registry", data())?;
    wire::<B, trade_escrow::Error>(
        chain,
        escrow,
        root,
        "trade_escrow.set_mask_registry",
        data(),
    )
}

/// The five contracts deployed and wired, without fixtures.
#[derive(Debug, Clone)]
pub struct Suite {
    pub root: AccountId32,
    /// In deployment order: did_registry, vc_templates, trade_escrow, incentive_auction,
    /// mask_registry.
    pub contracts: Vec<Deployed>,
}

/// Deploys the five contracts as `chain`'s deployer (the root authority) and wires them:
/// did_registry → vc_templates → trade_escrow (a system issuer) → incentive_auction (the
/// escrow's broker) → mask_registry (named by the other three). The auction's parameter model
/// and the unmask committee are the operator's to set.
///
/// Addresses derive from the deployer, the code, the constructor's input and `salt`: the same
/// salt twice on one chain is refused (`DuplicateContract`); another salt deploys another
/// suite.
pub fn deploy_suite<B: Backend>(chain: &mut B, salt: &[u8]) -> Result<Suite, String> {
    let root = chain.deployer();
    let mut out = Vec::new();
    let dids = deploy_contract(
        chain,
        "did_registry",
        call_data("new", ()),
        &root,
        salt,
        &mut out,
    )?;
    let vcs = deploy_contract(
        chain,
        "vc_templates",
        call_data("new", ink_account(&dids)),
        &root,
        salt,
        &mut out,
    )?;
    let escrow = deploy_contract(
        chain,
        "trade_escrow",
        call_data("new", (ink_account(&dids), ink_account(&vcs))),
        &root,
        salt,
        &mut out,
    )?;
    wire_escrow(chain, &vcs, &escrow, &root)?;
    let auction = deploy_contract(
        chain,
        "incentive_auction",
        call_data(
            "new",
            (ink_account(&dids), ink_account(&vcs), ink_account(&escrow)),
        ),
        &root,
        salt,
        &mut out,
    )?;
    wire_auction(chain, &escrow, &auction, &root)?;
    let masks = deploy_contract(
        chain,
        "mask_registry",
        call_data("new", ink_account(&dids)),
        &root,
        salt,
        &mut out,
    )?;
    wire_masks(chain, [&dids, &vcs, &escrow], &masks, &root)?;
    Ok(Suite {
        root,
        contracts: out,
    })
}

pub struct Market<B = Chain> {
    pub chain: B,
    pub dids: AccountId32,
    pub vcs: AccountId32,
    pub escrow: AccountId32,
    pub auction: AccountId32,
    pub masks: AccountId32,
    /// The unmask committee: accounts holding the Regulator role.
    pub regulators: Vec<AccountId32>,
    /// Deployer and root authority.
    pub root: AccountId32,
    /// The root authority's DID: the attestor of energy certificates.
    pub root_did: DidId,
    /// Receives forfeited bid bonds.
    pub treasury: AccountId32,
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
    /// Each deployment (with the weight of upload + instantiation), in order.
    pub deployments: Vec<Deployed>,
    /// The escrow's own balance right after instantiation (its existential deposit).
    pub escrow_base: Balance,
}

impl Market<Chain> {
    /// Deploys and wires the suite on a fresh embedded chain at block time `t0`, funds the
    /// parties, creates their DIDs and grants the provider the Provider role and the consumer
    /// the Consumer role.
    pub fn deploy(t0: u64) -> Result<Market, String> {
        let mut chain = Chain::new();
        chain.set_time(t0);
        Market::deploy_on(chain)
    }
}

impl<B: Backend> Market<B> {
    /// [`Market::deploy`] on any backend (a node: the deployer's account is the root
    /// authority and funds the other parties).
    pub fn deploy_on(mut chain: B) -> Result<Market<B>, String> {
        let t0 = chain.time();
        // A node keeps what earlier runs deployed: a fresh salt gives fresh addresses.
        let salt = if chain.simulated_time() {
            Vec::new()
        } else {
            t0.to_le_bytes().to_vec()
        };
        let root = chain.deployer();
        let provider_account_key = sr25519::Pair::from_seed(&[0x11; 32]);
        let provider = chain.keyed_account(&provider_account_key);
        let consumer = chain.account([3; 32]);
        let treasury = chain.account([0x7E; 32]);
        for who in [&root, &provider, &consumer] {
            chain.fund(who, Chain::TOKENS)?;
        }
        let mut deployments = Vec::new();
        let dids = deploy_contract(
            &mut chain,
            "did_registry",
            call_data("new", ()),
            &root,
            &salt,
            &mut deployments,
        )?;
        let vcs = deploy_contract(
            &mut chain,
            "vc_templates",
            call_data("new", ink_account(&dids)),
            &root,
            &salt,
            &mut deployments,
        )?;
        let mut market = Market {
            chain,
            escrow: vcs.clone(),
            auction: vcs.clone(),
            masks: vcs.clone(),
            regulators: Vec::new(),
            root_did: [0; 32],
            treasury,
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
        let escrow = market.deploy_escrow_recorded(&salt)?;
        market.escrow_base = market.chain.balance(&escrow);
        market.escrow = escrow;
        let (provider, consumer) = (market.provider.clone(), market.consumer.clone());
        market.provider_did = market.create_did(&provider)?;
        market.consumer_did = market.create_did(&consumer)?;
        market.grant(market.provider_did, Role::Provider, t0 + YEAR_MS)?;
        market.grant(market.consumer_did, Role::Consumer, t0 + YEAR_MS)?;
        market.deploy_auction_suite(&salt)?;
        market.deploy_mask_registry(&salt)?;
        Ok(market)
    }

    /// Deploys the mask registry; three regulators (DIDs, Regulator role for a year) form the
    /// unmask committee with quorum 2 and one-day approvals.
    fn deploy_mask_registry(&mut self, salt: &[u8]) -> Result<(), String> {
        let root = self.root.clone();
        let masks = deploy_contract(
            &mut self.chain,
            "mask_registry",
            call_data("new", ink_account(&self.dids)),
            &root,
            salt,
            &mut self.deployments,
        )?;
        self.masks = masks.clone();
        let until = self.chain.time() + YEAR_MS;
        for n in 0..3u8 {
            let who = self.chain.account([0xB0 + n; 32]);
            self.chain.fund(&who, Chain::TOKENS)?;
            let did = self.create_did(&who)?;
            self.grant(did, Role::Regulator, until)?;
            self.regulators.push(who);
        }
        let committee: Vec<_> = self.regulators.iter().map(ink_account).collect();
        self.chain
            .call::<Result<(), mask_registry::Error>>(
                &masks,
                &root,
                call_data("set_committee", (committee, 2u8, 24 * 3_600_000u64)),
            )?
            .value
            .map_err(|e| format!("set_committee: {e:?}"))?;
        // The read paths of the three record-keeping contracts honour the registry's masks.
        let (dids, vcs, escrow) = (self.dids.clone(), self.vcs.clone(), self.escrow.clone());
        wire_masks(&mut self.chain, [&dids, &vcs, &escrow], &masks, &root)
    }

    /// Deploys the auction, makes it the escrow's broker, publishes the energy-certificate
    /// template and sets the fixtures' parameter model.
    fn deploy_auction_suite(&mut self, salt: &[u8]) -> Result<(), String> {
        let (root, escrow) = (self.root.clone(), self.escrow.clone());
        let constructor = self.auction_constructor();
        let auction = deploy_contract(
            &mut self.chain,
            "incentive_auction",
            constructor,
            &root,
            salt,
            &mut self.deployments,
        )?;
        self.auction = auction.clone();
        wire_auction(&mut self.chain, &escrow, &auction, &root)?;
        self.root_did = self.create_did(&root)?;
        let vcs = self.vcs.clone();
        let cpt = self
            .chain
            .call::<Result<CptId, vc_templates::Error>>(
                &vcs,
                &root,
                call_data(
                    "register_cpt",
                    (
                        Publisher::Authority(ink_account(&root)),
                        energy_certificate_template(),
                        Some(ENERGY_CPT),
                        None::<CptId>,
                    ),
                ),
            )?
            .value
            .map_err(|e| format!("register_cpt: {e:?}"))?;
        assert_eq!(cpt, ENERGY_CPT);
        let model = self.model();
        self.auction_tx::<u32>(&root, "set_model", model, 0)?
            .value
            .map_err(|e| format!("set_model: {e:?}"))?;
        Ok(())
    }

    /// Deploys an incentive auction wired to this suite (not yet a broker of the escrow).
    pub fn deploy_auction(&mut self, salt: &[u8]) -> Result<(AccountId32, Weight), String> {
        let data = self.auction_constructor();
        self.chain
            .deploy_weighed(&release_wasm("incentive_auction")?, data, &self.root, salt)
    }

    fn auction_constructor(&self) -> Vec<u8> {
        call_data(
            "new",
            (
                ink_account(&self.dids),
                ink_account(&self.vcs),
                ink_account(&self.escrow),
            ),
        )
    }

    /// The fixtures' parameter model: weights price 50, green 20, carbon 10, PUE 10,
    /// charity 10 (each 0–100 for a consumer's own), bounds green 0–10,000 bps, carbon
    /// 0–800 g/kWh (lower better), PUE 1.000–2.000 (lower better), charity 0–1,000 bps;
    /// attested by the root DID's energy certificates.
    pub fn model(&self) -> ParameterModel {
        let rule = |i: usize, lo: u32, hi: u32, lower_is_better: bool| AttributeRule {
            cpt: ENERGY_CPT,
            claim: ATTRIBUTE_NAMES[i].into(),
            lo,
            hi,
            lower_is_better,
        };
        ParameterModel {
            default_weights: Weights {
                price: 50,
                attributes: [20, 10, 10, 10],
            },
            weight_limits: [WeightRange { min: 0, max: 100 }; ATTRIBUTES + 1],
            attributes: [
                rule(0, 0, 10_000, false),
                rule(1, 0, 800, true),
                rule(2, 1_000, 2_000, true),
                rule(3, 0, 1_000, false),
            ],
            attestors: vec![self.root_did],
            bid_bond: BID_BOND,
            max_bids: 100_000,
            treasury: ink_account(&self.treasury),
        }
    }

    /// A funded provider account (seed `n`) with a DID and the Provider role.
    pub fn add_provider(&mut self, n: u32) -> Result<(AccountId32, DidId), String> {
        let mut seed = [0x50u8; 32];
        seed[..4].copy_from_slice(&n.to_le_bytes());
        let who = self.chain.account(seed);
        self.chain.fund(&who, Chain::TOKENS)?;
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
        let seed = sp_core::hashing::blake2_256(&(b"fixture-cert", subject, tag).encode());
        let salts: [[u8; 32]; ATTRIBUTES] = core::array::from_fn(|i| {
            sp_core::hashing::blake2_256(&(seed, u8::try_from(i).unwrap_or(0)).encode())
        });
        let leaves: Vec<[u8; 32]> = (0..ATTRIBUTES)
            .map(|i| {
                sp_core::hashing::blake2_256(&claim_leaf_preimage(
                    ATTRIBUTE_NAMES[i],
                    &salts[i],
                    &ClaimValue::Integer(i128::from(values[i])),
                ))
            })
            .collect();
        let mut request = AnchorRequest {
            id: [0; 32],
            cpt_id: ENERGY_CPT,
            issuer: self.root_did,
            subject,
            claims_root: sp_core::hashing::blake2_256(&claims_root_preimage(&leaves)),
            expires_at: None,
            ciphertext_hash: None,
            policy_id: None,
        };
        request.id = sp_core::hashing::blake2_256(&request.id_preimage());
        let id = request.id;
        let (vcs, root) = (self.vcs.clone(), self.root.clone());
        self.chain
            .call::<Result<(), vc_templates::Error>>(
                &vcs,
                &root,
                call_data("issue", (request, None::<(String, DidSignature)>)),
            )?
            .value
            .map_err(|e| format!("issue: {e:?}"))?;
        let proofs = core::array::from_fn(|i| ClaimProof {
            credential: id,
            leaves: leaves.clone(),
            index: u32::try_from(i).unwrap_or(0),
            salt: salts[i],
        });
        Ok((id, proofs))
    }

    /// A request from the fixtures' consumer: `minutes` at up to `max_price` per minute,
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

    /// The commitment hash of `bid` by `bidder` in `auction`.
    pub fn bid_hash(
        &self,
        auction: u64,
        bidder: &AccountId32,
        bid: &Bid,
        salt: &[u8; 32],
    ) -> [u8; 32] {
        sp_core::hashing::blake2_256(&bid_preimage(
            &ink_account(&self.auction),
            auction,
            &ink_account(bidder),
            bid,
            salt,
        ))
    }

    /// Calls an auction message returning `Result<T, Error>`, transferring `value`.
    pub fn auction_tx<T: Decode>(
        &mut self,
        origin: &AccountId32,
        message: &str,
        args: impl Encode,
        value: Balance,
    ) -> Result<Called<AuctionResult<T>>, String> {
        let auction = self.auction.clone();
        self.chain
            .call_payable(&auction, origin, call_data(message, args), value)
    }

    /// Reads an auction message.
    pub fn auction_query<T: Decode>(&mut self, message: &str, args: impl Encode) -> T {
        let (auction, root) = (self.auction.clone(), self.root.clone());
        self.chain
            .query::<T>(&auction, &root, call_data(message, args))
            .unwrap_or_else(|e| panic!("{message}: {e}"))
            .value
    }

    /// Deploys a trade escrow wired to this suite's registries and designates it a system
    /// issuer (a second one with another `salt` is another deployment).
    pub fn deploy_escrow(&mut self, salt: &[u8]) -> Result<(AccountId32, Weight), String> {
        let mut out = Vec::new();
        let escrow = self.deploy_escrow_into(salt, &mut out)?;
        let weight = out.first().map(|d| d.weight).unwrap_or_default();
        Ok((escrow, weight))
    }

    /// The suite's own escrow, recorded in `deployments`.
    fn deploy_escrow_recorded(&mut self, salt: &[u8]) -> Result<AccountId32, String> {
        let mut out = std::mem::take(&mut self.deployments);
        let escrow = self.deploy_escrow_into(salt, &mut out);
        self.deployments = out;
        escrow
    }

    fn deploy_escrow_into(
        &mut self,
        salt: &[u8],
        out: &mut Vec<Deployed>,
    ) -> Result<AccountId32, String> {
        let (root, vcs) = (self.root.clone(), self.vcs.clone());
        let escrow = deploy_contract(
            &mut self.chain,
            "trade_escrow",
            call_data("new", (ink_account(&self.dids), ink_account(&vcs))),
            &root,
            salt,
            out,
        )?;
        wire_escrow(&mut self.chain, &vcs, &escrow, &root)?;
        Ok(escrow)
    }

    pub fn create_did(&mut self, who: &AccountId32) -> Result<DidId, String> {
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

    /// The channel as the escrow's read path returns it: under a mask, who traded and the
    /// price read as zero (the accounting is never withheld); see `channel_view`.
    pub fn channel(&mut self, id: &ChannelId) -> Option<Channel> {
        self.channel_view(id).map(|view| view.record)
    }

    /// The escrow's `channel` read with its mask marker.
    pub fn channel_view(&mut self, id: &ChannelId) -> Option<MaskedView<Channel>> {
        self.escrow_query("channel", id)
    }

    /// vc_templates' `verify` of credential `id`: the anchor, whether it counts, and the mask
    /// marker when a regulator masked it.
    pub fn verify(&mut self, id: [u8; 32]) -> Option<MaskedView<CredentialView>> {
        let (vcs, root) = (self.vcs.clone(), self.root.clone());
        self.chain
            .query(&vcs, &root, call_data("CredentialRegistry::verify", id))
            .unwrap_or_else(|e| panic!("verify: {e}"))
            .value
    }

    /// The escrow's balance beyond its own existential deposit.
    pub fn escrow_held(&mut self) -> Balance {
        let escrow = self.escrow.clone();
        self.chain.balance(&escrow) - self.escrow_base
    }
}

/// The energy certificate the fixtures' root authority issues: every auction attribute as an
/// integer claim, named as the parameter model expects.
pub fn energy_certificate_template() -> CptTemplate {
    let units = [
        "share of green energy, basis points",
        "carbon intensity, gCO2e per kWh",
        "power usage effectiveness x 1000",
        "revenue pledged to public welfare, basis points",
    ];
    CptTemplate {
        title: "ComputeGrid energy certificate".into(),
        description: "Audited energy and public-welfare figures of a compute provider".into(),
        properties: ATTRIBUTE_NAMES
            .iter()
            .zip(units)
            .map(|(name, unit)| CptProperty {
                name: (*name).into(),
                property_type: PropertyType::Integer,
                description: unit.into(),
                required: true,
                allowed: Vec::new(),
            })
            .collect(),
    }
}

/// Tracks one account's expected balance: transfers plus the storage deposits of its calls.
pub struct Ledger {
    who: AccountId32,
    expected: i128,
}

impl Ledger {
    pub fn new<B: Backend>(m: &mut Market<B>, who: &AccountId32) -> Self {
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
    pub fn check<B: Backend>(&self, m: &mut Market<B>, context: &str) {
        let actual = i128::try_from(m.chain.balance(&self.who)).expect("fits");
        assert_eq!(actual, self.expected, "balance of {:?} {context}", self.who);
    }
}

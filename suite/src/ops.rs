//! The suite's administrative and credential actions as one call each, for the operator
//! (`cgrid` commands), the demo and the tests: DIDs and roles, the energy-certificate template
//! and the auction's parameter model, issuing an energy certificate, the unmask committee,
//! and the payload signatures parties exchange (offers, bids).

use crate::{ink_account, AccountId32, Backend, Signer, Suite, SuiteError};
use cgrid_shared::{
    bid_hash, claim_leaf_hash, claims_root_hash, offer_preimage, AnchorRequest, AttributeRule,
    Balance, Bid, ClaimProof, ClaimValue, CptId, CptProperty, CptTemplate, DidCreation, DidId,
    IssuerProof, ParameterModel, PropertyType, Publisher, Role, TradeTerms, WeightRange, Weights,
    ATTRIBUTES, ATTRIBUTE_NAMES,
};
use scale::Encode;
use sp_core::hashing::blake2_256;

/// The id the operator publishes the energy-certificate template under (authority range).
pub const ENERGY_CPT: CptId = 1_000;
/// The default bid bond of the operator's parameter model.
pub const BID_BOND: Balance = 1_000;

/// The energy certificate: every auction attribute as an integer claim, named as the
/// parameter model expects.
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

/// The default parameter model: weights price 50, green 20, carbon 10, PUE 10, charity 10
/// (each 0–100 for a consumer's own), bounds green 0–10,000 bps, carbon 0–800 g/kWh (lower
/// better), PUE 1.000–2.000 (lower better), charity 0–1,000 bps; attested by `attestors`'
/// energy certificates; forfeited bonds go to `treasury`.
pub fn default_model(attestors: Vec<DidId>, treasury: &AccountId32) -> ParameterModel {
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
        attestors,
        bid_bond: BID_BOND,
        max_bids: 100_000,
        treasury: ink_account(treasury),
    }
}

/// An energy certificate ready to anchor: the request and a selective-disclosure proof per
/// attribute (what the provider reveals in its bids).
#[derive(Debug, Clone)]
pub struct Certificate {
    pub request: AnchorRequest,
    pub proofs: [ClaimProof; ATTRIBUTES],
}

/// Builds an energy certificate by `issuer` for `subject` of `values` (green share bps,
/// carbon g/kWh, PUE × 1000, charity bps); `seed` derives the claims' salts (keep it secret:
/// whoever has it can rebuild every salt).
pub fn energy_certificate(
    issuer: DidId,
    subject: DidId,
    values: [u32; ATTRIBUTES],
    seed: [u8; 32],
) -> Certificate {
    let salts: [[u8; 32]; ATTRIBUTES] =
        core::array::from_fn(|i| blake2_256(&(seed, u8::try_from(i).unwrap_or(0)).encode()));
    let leaves: Vec<[u8; 32]> = (0..ATTRIBUTES)
        .map(|i| {
            claim_leaf_hash(
                ATTRIBUTE_NAMES[i],
                &salts[i],
                &ClaimValue::Integer(i128::from(values[i])),
            )
        })
        .collect();
    let mut request = AnchorRequest {
        id: [0; 32],
        cpt_id: ENERGY_CPT,
        issuer,
        subject,
        claims_root: claims_root_hash(&leaves),
        expires_at: None,
        ciphertext_hash: None,
        policy_id: None,
    };
    request.id = request.id_hash();
    let proofs = core::array::from_fn(|i| ClaimProof {
        credential: request.id,
        leaves: leaves.clone(),
        index: u32::try_from(i).unwrap_or(0),
        salt: salts[i],
    });
    Certificate { request, proofs }
}

type Refused<E> = SuiteError<E>;

impl Suite {
    /// `who` creates its own DID (an empty document).
    pub fn create_did<B: Backend>(
        &self,
        chain: &mut B,
        who: &AccountId32,
    ) -> Result<DidId, Refused<did_registry::Error>> {
        chain
            .send(who, self.dids.msg(|d| d.create_did(DidCreation::default())))
            .map(|called| called.value)
    }

    /// The root authority grants `role` to `did` until `expires_at`.
    pub fn grant_role<B: Backend>(
        &self,
        chain: &mut B,
        did: DidId,
        role: Role,
        expires_at: u64,
    ) -> Result<(), Refused<did_registry::Error>> {
        chain
            .send(
                &self.root,
                self.dids
                    .msg(|d| d.grant_role(did, role, expires_at, [0; 32])),
            )
            .map(|_| ())
    }

    /// The root authority publishes the energy-certificate template under [`ENERGY_CPT`].
    pub fn publish_energy_template<B: Backend>(
        &self,
        chain: &mut B,
    ) -> Result<CptId, Refused<vc_templates::Error>> {
        let publisher = Publisher::Authority(ink_account(&self.root));
        chain
            .send(
                &self.root,
                self.vcs.msg(|v| {
                    v.register_cpt(
                        publisher,
                        energy_certificate_template(),
                        Some(ENERGY_CPT),
                        None,
                    )
                }),
            )
            .map(|called| called.value)
    }

    /// The root authority sets the auction's parameter model; returns its version.
    pub fn set_model<B: Backend>(
        &self,
        chain: &mut B,
        model: ParameterModel,
    ) -> Result<u32, Refused<incentive_auction::Error>> {
        chain
            .send(&self.root, self.auction.msg(|a| a.set_model(model)))
            .map(|called| called.value)
    }

    /// The root authority names the unmask committee (`quorum` of `committee`, approvals
    /// live `approval_ttl` ms).
    pub fn set_committee<B: Backend>(
        &self,
        chain: &mut B,
        committee: &[AccountId32],
        quorum: u8,
        approval_ttl: u64,
    ) -> Result<(), Refused<mask_registry::Error>> {
        let committee = committee.iter().map(ink_account).collect();
        chain
            .send(
                &self.root,
                self.masks
                    .msg(|m| m.set_committee(committee, quorum, approval_ttl)),
            )
            .map(|_| ())
    }

    /// `issuer` (an authority acting for its own DID) anchors `certificate`.
    pub fn issue<B: Backend>(
        &self,
        chain: &mut B,
        issuer: &AccountId32,
        certificate: &Certificate,
    ) -> Result<(), Refused<vc_templates::Error>> {
        let request = certificate.request.clone();
        chain
            .send(
                issuer,
                self.vcs.msg(|v| v.issue(request, None::<IssuerProof>)),
            )
            .map(|_| ())
    }

    /// The escrow's deployment id (part of every offer's preimage).
    pub fn escrow_deployment<B: Backend>(&self, chain: &mut B) -> Result<[u8; 32], String> {
        chain
            .read(self.escrow.deployment())
            .map_err(|e| e.to_string())
    }

    /// The provider's signature (its account key) on `terms` for this suite's escrow.
    pub fn sign_offer<B: Backend>(
        &self,
        chain: &mut B,
        provider: &Signer,
        terms: &TradeTerms,
    ) -> Result<[u8; 64], String> {
        let deployment = self.escrow_deployment(chain)?;
        Ok(provider.sign(&offer_preimage(&self.escrow.account(), &deployment, terms)))
    }

    /// The commitment of `bid` by `bidder` in auction `auction` (salted with `salt`).
    pub fn bid_hash(
        &self,
        auction: u64,
        bidder: &AccountId32,
        bid: &Bid,
        salt: &[u8; 32],
    ) -> [u8; 32] {
        bid_hash(
            &self.auction.account(),
            auction,
            &ink_account(bidder),
            bid,
            salt,
        )
    }
}

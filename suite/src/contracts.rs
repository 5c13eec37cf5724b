//! The contracts as typed clients: `Contract<C>` per contract type, with each message's
//! name for labels, and typed shortcuts for the calls off-chain programs make most (the
//! escrow's channel messages take a [`SignedState`]).

use crate::msg::{Contract, Msg, SuiteContract};
use cgrid_shared::{Balance, Channel, ChannelId, MaskedView, Signature, SignedState, TradeTerms};

/// did_registry: DIDs, authorities, KYC roles.
pub type Dids = Contract<did_registry::DidRegistry>;
/// vc_templates: credential templates and anchored credentials.
pub type Vcs = Contract<vc_templates::VcTemplates>;
/// trade_escrow: payment channels.
pub type Escrow = Contract<trade_escrow::TradeEscrow>;
/// incentive_auction: sealed-bid auctions that open escrow channels.
pub type Auction = Contract<incentive_auction::IncentiveAuction>;
/// mask_registry: regulators' masks.
pub type Masks = Contract<mask_registry::MaskRegistry>;
/// role_index: the DID registry's role facts for the trade path (the registry instantiates it;
/// [`Dids`]' `role_index` names it).
pub type Roles = Contract<role_index::RoleIndex>;

type EscrowResult<T> = Result<T, trade_escrow::Error>;

impl Escrow {
    /// Consumer: opens a channel on the provider's signed offer, depositing `deposit`.
    pub fn open(
        &self,
        terms: &TradeTerms,
        offer: &Signature,
        deposit: Balance,
    ) -> Msg<EscrowResult<ChannelId>> {
        self.msg(|e| e.open(terms.clone(), *offer))
            .with_value(deposit)
    }

    /// Either party: records `state` so a later close cannot pay less.
    pub fn checkpoint(&self, channel: &ChannelId, state: &SignedState) -> Msg<EscrowResult<()>> {
        self.msg(|e| e.checkpoint(*channel, state.nonce, state.cumulative, state.signature))
    }

    /// Either party: closes at once on a final state both channel keys signed.
    pub fn close_cooperative(
        &self,
        channel: &ChannelId,
        nonce: u64,
        cumulative: Balance,
        consumer_signature: &Signature,
        provider_signature: &Signature,
    ) -> Msg<EscrowResult<()>> {
        self.msg(|e| {
            e.close_cooperative(
                *channel,
                nonce,
                cumulative,
                *consumer_signature,
                *provider_signature,
            )
        })
    }

    /// Either party: starts a unilateral close on `state` (or on the checkpoint held).
    pub fn start_close(
        &self,
        channel: &ChannelId,
        state: Option<&SignedState>,
    ) -> Msg<EscrowResult<()>> {
        let state = state.copied();
        self.msg(|e| e.start_close(*channel, state))
    }

    /// The other party, during the challenge period: replaces the close's state with one that
    /// supersedes it.
    pub fn challenge(&self, channel: &ChannelId, state: &SignedState) -> Msg<EscrowResult<()>> {
        self.msg(|e| e.challenge(*channel, state.nonce, state.cumulative, state.signature))
    }

    /// Anyone, after the challenge period: pays out a started close.
    pub fn finalize(&self, channel: &ChannelId) -> Msg<EscrowResult<()>> {
        self.msg(|e| e.finalize(*channel))
    }

    /// The channel as the read path returns it (masked fields zeroed, with the marker).
    pub fn channel(&self, channel: &ChannelId) -> Msg<Option<MaskedView<Channel>>> {
        self.msg(|e| e.channel(*channel))
    }

    /// The escrow's deployment id (part of every offer's preimage).
    pub fn deployment(&self) -> Msg<[u8; 32]> {
        self.msg(|e| e.deployment())
    }
}

impl SuiteContract for did_registry::DidRegistry {
    const NAME: &'static str = "did_registry";
    const MESSAGES: &'static [&'static str] = &[
        "create_did",
        "create_did_for",
        "update",
        "execute_signed",
        "resolve",
        "set_mask_registry",
        "mask_registry",
        "generation_of",
        "did_count",
        "add_authority",
        "remove_authority",
        "transfer_root",
        "accept_root",
        "root",
        "pending_root",
        "authority_count",
        "grant_role",
        "revoke_role",
        "role_grant",
        "roles_of",
        "DidRegistry::has_role",
        "DidRegistry::is_authority",
        "DidRegistry::is_root",
        "DidRegistry::is_active",
        "DidRegistry::did_of",
        "DidRegistry::role_holders",
        "DidRegistry::can_act_for",
        "DidRegistry::verify_did_signature",
        "DidRegistry::facts",
        "DidRegistry::role_index",
    ];
}

impl SuiteContract for role_index::RoleIndex {
    const NAME: &'static str = "role_index";
    const MESSAGES: &'static [&'static str] = &[
        "RoleIndex::role_holders",
        "RoleIndex::are_active",
        "RoleIndex::registry",
        "RoleIndex::record",
    ];
}

impl SuiteContract for vc_templates::VcTemplates {
    const NAME: &'static str = "vc_templates";
    const MESSAGES: &'static [&'static str] = &[
        "register_cpt",
        "deprecate_cpt",
        "cpt",
        "cpt_by_hash",
        "cpt_count",
        "issue",
        "set_system_issuer",
        "set_trade_escrow",
        "trade_escrow",
        "set_mask_registry",
        "mask_registry",
        "is_system_issuer",
        "suspend",
        "unsuspend",
        "revoke",
        "credential_count",
        "did_registry",
        "CredentialRegistry::verify",
        "CredentialRegistry::anchor_of",
        "CredentialRegistry::anchors_of",
        "CredentialRegistry::anchor_system",
    ];
}

impl SuiteContract for trade_escrow::TradeEscrow {
    const NAME: &'static str = "trade_escrow";
    const MESSAGES: &'static [&'static str] = &[
        "open",
        "top_up",
        "checkpoint",
        "close_cooperative",
        "start_close",
        "challenge",
        "finalize",
        "claim_timeout",
        "withdraw_unclaimed",
        "set_broker",
        "is_broker",
        "channel",
        "set_mask_registry",
        "mask_registry",
        "channel_count",
        "total_owed",
        "unclaimed_of",
        "deployment",
        "registries",
        "BrokeredEscrow::open_brokered",
        "TradeCredentialIssuer::trade_credential",
    ];
}

impl SuiteContract for incentive_auction::IncentiveAuction {
    const NAME: &'static str = "incentive_auction";
    const MESSAGES: &'static [&'static str] = &[
        "set_model",
        "set_mask_registry",
        "mask_registry",
        "create_auction",
        "cancel",
        "commit",
        "reveal",
        "finalize",
        "withdraw_unclaimed",
        "score_of",
        "auction",
        "commitment",
        "model",
        "model_version",
        "auction_count",
        "total_held",
        "unclaimed_of",
        "wiring",
    ];
}

impl SuiteContract for mask_registry::MaskRegistry {
    const NAME: &'static str = "mask_registry";
    const MESSAGES: &'static [&'static str] = &[
        "set_committee",
        "mask",
        "approve_unmask",
        "committee",
        "counts",
        "did_registry",
        "MaskRegistry::is_masked",
        "MaskRegistry::mask_of",
        "MaskRegistry::masks_of",
    ];
}

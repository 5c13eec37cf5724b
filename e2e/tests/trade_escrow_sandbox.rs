//! trade_escrow with the real did_registry and vc_templates on the embedded chain (release
//! bundles): full trades, both close paths, a dispute with a stale state, the timeout refund,
//! replay attempts, and reverts that leave every balance untouched.
//!
//! Balance checks are exact: a party's balance moves by the escrow's transfers and by the
//! storage deposits its own calls were charged (reported by the chain), nothing else.

use cgrid_e2e::market::{Ledger, Market};
use cgrid_e2e::{account, call_data, ink_account, release_wasm, Called};
use cgrid_shared::{
    offer_preimage, public_claims_root, settlement_claims, settlement_id_preimage,
    trade_start_claims, AnchorError, AnchorRequest, Balance, ChannelId, CloseKind, CredentialView,
    DidOperation, DidSignature, Issuer, Phase, Role, SETTLEMENT_CPT, SETTLEMENT_FIELDS,
    TRADE_START_CPT, TRADE_START_FIELDS,
};
use sp_core::hashing::blake2_256;
use trade_escrow::Error;

const T0: u64 = 1_700_000_000_000;
const MINUTE: u64 = 60_000;
const PRICE: Balance = 250;
const MIN_COST: Balance = 1_000;
const DEPOSIT: Balance = 100_000;

fn market() -> Market {
    Market::deploy(T0).expect("the suite deploys (build the bundles first)")
}

fn verify(m: &mut Market, id: [u8; 32]) -> Option<CredentialView> {
    m.verify(id).map(|view| view.record)
}

fn settlement_id(m: &Market, channel: &ChannelId, index: u32) -> [u8; 32] {
    blake2_256(&settlement_id_preimage(
        &ink_account(&m.escrow),
        channel,
        index,
    ))
}

/// The contract holds exactly what it owes.
fn assert_solvent(m: &mut Market) {
    let owed: Balance = m.escrow_query("total_owed", ());
    assert_eq!(m.escrow_held(), owed, "escrow balance = what it owes");
}

fn ok<T: std::fmt::Debug>(called: Result<Called<Result<T, Error>>, String>) -> Called<T> {
    let called = called.expect("call executes");
    assert!(!called.reverted, "reverted: {:?}", called.value);
    Called {
        value: called.value.expect("succeeds"),
        reverted: false,
        weight: called.weight,
        storage_deposit: called.storage_deposit,
    }
}

fn refused<T: std::fmt::Debug>(called: Result<Called<Result<T, Error>>, String>, expected: Error) {
    let called = called.expect("call executes");
    assert_eq!(called.value.unwrap_err(), expected);
    assert!(called.reverted, "a refused message reverts");
    assert_eq!(
        called.storage_deposit, 0,
        "a reverted call charges no storage"
    );
}

#[test]
fn a_full_trade_checkpoints_and_closes_cooperatively() {
    let mut m = market();
    let (consumer, provider) = (m.consumer.clone(), m.provider.clone());
    let mut c = Ledger::new(&mut m, &consumer);
    let mut p = Ledger::new(&mut m, &provider);
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 1);
    let escrow = m.escrow.clone();
    let opened = ok(m.open_on(&escrow, &terms, DEPOSIT));
    let id = opened.value;
    c.paid_call(&opened);
    c.moved(-(DEPOSIT as i128));
    c.check(&mut m, "after open");
    assert_solvent(&mut m);

    // The trade-start credential: anchored by the escrow, claims root reproducible off chain
    // with the toolkit's hashing.
    let view = verify(&mut m, id).expect("trade-start credential anchored");
    assert!(view.valid);
    assert_eq!(view.anchor.cpt_id, TRADE_START_CPT);
    assert_eq!(view.anchor.issuer, Issuer::System(ink_account(&m.escrow)));
    assert_eq!(view.anchor.subject, m.consumer_did);
    let claims = trade_start_claims(&terms, &m.provider_did, &m.consumer_did);
    let leaves: Vec<[u8; 32]> = TRADE_START_FIELDS
        .iter()
        .zip(&claims)
        .map(|(name, v)| cgrid_vc::leaf(name, &id, v.as_ref().expect("all present")))
        .collect();
    assert_eq!(view.anchor.claims_root, cgrid_vc::claims_root(&leaves));

    // 90 minutes of service; the consumer signs every minute, the provider checkpoints at 30.
    m.chain.set_time(T0 + 30 * MINUTE);
    let sig = m.state(&id, 30, 30 * PRICE);
    let cp = ok(m.escrow_tx::<()>(&provider, "checkpoint", (id, 30u64, 30 * PRICE, sig)));
    p.paid_call(&cp);
    p.moved((30 * PRICE) as i128);
    p.check(&mut m, "after checkpoint");
    assert_solvent(&mut m);
    let first = settlement_id(&m, &id, 0);
    let view = verify(&mut m, first).expect("settlement anchored");
    let expected_root = public_claims_root(
        &first,
        &SETTLEMENT_FIELDS,
        &settlement_claims(
            &m.provider_did,
            &m.consumer_did,
            30 * PRICE,
            T0,
            T0 + 30 * MINUTE,
            None,
        ),
    );
    assert_eq!(view.anchor.claims_root, expected_root);
    assert_eq!(view.anchor.subject, m.provider_did);

    m.chain.set_time(T0 + 90 * MINUTE);
    let (a, b) = m.close_sigs(&id, 90, 90 * PRICE);
    let closed = ok(m.escrow_tx::<()>(
        &consumer,
        "close_cooperative",
        (id, 90u64, 90 * PRICE, a, b),
    ));
    c.paid_call(&closed);
    c.moved((DEPOSIT - 90 * PRICE) as i128);
    p.moved((60 * PRICE) as i128);
    c.check(&mut m, "after close");
    p.check(&mut m, "after close");
    let ch = m.channel(&id).expect("kept");
    assert_eq!(
        ch.phase,
        Phase::Closed {
            how: CloseKind::Cooperative,
            paid: 90 * PRICE,
            refunded: DEPOSIT - 90 * PRICE,
            at: T0 + 90 * MINUTE
        }
    );
    assert_eq!(m.escrow_held(), 0);
    assert_solvent(&mut m);
    let second = settlement_id(&m, &id, 1);
    assert!(verify(&mut m, second).is_some_and(|v| v.valid));
    // A closed channel accepts nothing.
    let sig = m.state(&id, 91, 91 * PRICE);
    refused(
        m.escrow_tx::<()>(&provider, "checkpoint", (id, 91u64, 91 * PRICE, sig)),
        Error::Closed,
    );
    let (a, b) = m.close_sigs(&id, 90, 90 * PRICE);
    refused(
        m.escrow_tx::<()>(
            &consumer,
            "close_cooperative",
            (id, 90u64, 90 * PRICE, a, b),
        ),
        Error::Closed,
    );
}

#[test]
fn a_stale_unilateral_close_loses_to_the_newest_state() {
    let mut m = market();
    let (consumer, provider, root) = (m.consumer.clone(), m.provider.clone(), m.root.clone());
    let mut c = Ledger::new(&mut m, &consumer);
    let mut p = Ledger::new(&mut m, &provider);
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 2);
    let escrow = m.escrow.clone();
    let opened = ok(m.open_on(&escrow, &terms, DEPOSIT));
    let id = opened.value;
    c.paid_call(&opened);
    c.moved(-(DEPOSIT as i128));

    // 40 minutes were served and signed; the consumer closes with its minute-10 state.
    m.chain.set_time(T0 + 40 * MINUTE);
    let stale = m.state(&id, 10, 10 * PRICE);
    let started = ok(m.escrow_tx::<()>(
        &consumer,
        "start_close",
        (id, Some((10u64, 10 * PRICE, stale))),
    ));
    c.paid_call(&started);
    let deadline = T0 + 40 * MINUTE + MINUTE;
    refused(
        m.escrow_tx::<()>(&root, "finalize", id),
        Error::ChallengeWindowOpen {
            deadline,
            now: T0 + 40 * MINUTE,
        },
    );
    // The provider's watchtower answers with the newest state inside the window.
    m.chain.set_time(T0 + 40 * MINUTE + 30_000);
    let newest = m.state(&id, 40, 40 * PRICE);
    let challenged = ok(m.escrow_tx::<()>(&provider, "challenge", (id, 40u64, 40 * PRICE, newest)));
    p.paid_call(&challenged);
    // Replaying the stale state now is refused.
    let stale = m.state(&id, 10, 10 * PRICE);
    refused(
        m.escrow_tx::<()>(&consumer, "challenge", (id, 10u64, 10 * PRICE, stale)),
        Error::StaleState {
            held_nonce: 40,
            held_cumulative: 40 * PRICE,
        },
    );
    m.chain.set_time(deadline);
    let finalized = ok(m.escrow_tx::<()>(&root, "finalize", id));
    assert!(finalized.weight.ref_time() > 0);
    c.moved((DEPOSIT - 40 * PRICE) as i128);
    p.moved((40 * PRICE) as i128);
    c.check(&mut m, "after finalize");
    p.check(&mut m, "after finalize");
    assert_eq!(m.escrow_held(), 0);
    assert_solvent(&mut m);
}

/// Issue 15, finding 1, on the release bundles: the consumer holds the only key that signs
/// states and signs whatever it likes. After 60 served minutes, 30 of them checkpointed, it
/// starts a close with `(u64::MAX, already paid + 1)`, and later challenges the provider's own
/// close with an invented `(61, 0)`. Before the fix both were accepted (nonces decided) and the
/// provider was paid half, or `min_cost`; now the largest signed debt wins.
#[test]
fn a_consumer_cannot_underpay_with_states_it_signs_itself() {
    let mut m = market();
    let (consumer, provider, root) = (m.consumer.clone(), m.provider.clone(), m.root.clone());
    let escrow = m.escrow.clone();
    let mut p = Ledger::new(&mut m, &provider);

    // First trade: the consumer starts the close with a huge nonce and little owed.
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 21);
    let id = ok(m.open_on(&escrow, &terms, DEPOSIT)).value;
    m.chain.set_time(T0 + 30 * MINUTE);
    let half = m.state(&id, 30, 30 * PRICE);
    p.paid_call(&ok(m.escrow_tx::<()>(
        &provider,
        "checkpoint",
        (id, 30u64, 30 * PRICE, half),
    )));
    p.moved((30 * PRICE) as i128);
    m.chain.set_time(T0 + 60 * MINUTE);
    let cheap = m.state(&id, u64::MAX, 30 * PRICE);
    refused(
        m.escrow_tx::<()>(
            &consumer,
            "start_close",
            (id, Some((u64::MAX, 30 * PRICE, cheap))),
        ),
        Error::StaleState {
            held_nonce: 30,
            held_cumulative: 30 * PRICE,
        },
    );
    let cheap = m.state(&id, u64::MAX, 30 * PRICE + 1);
    ok(m.escrow_tx::<()>(
        &consumer,
        "start_close",
        (id, Some((u64::MAX, 30 * PRICE + 1, cheap))),
    ));
    // The provider's genuine minute-60 state, with a lower nonce, replaces the claim.
    let genuine = m.state(&id, 60, 60 * PRICE);
    p.paid_call(&ok(m.escrow_tx::<()>(
        &provider,
        "challenge",
        (id, 60u64, 60 * PRICE, genuine),
    )));
    m.chain.set_time(T0 + 61 * MINUTE);
    ok(m.escrow_tx::<()>(&root, "finalize", id));
    p.moved((30 * PRICE) as i128);
    p.check(&mut m, "the provider got all 60 minutes");

    // Second trade: the provider closes at minute 60; invented states do not replace it.
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 22);
    let id = ok(m.open_on(&escrow, &terms, DEPOSIT)).value;
    m.chain.set_time(T0 + 120 * MINUTE);
    let genuine = m.state(&id, 60, 60 * PRICE);
    p.paid_call(&ok(m.escrow_tx::<()>(
        &provider,
        "start_close",
        (id, Some((60u64, 60 * PRICE, genuine))),
    )));
    for (nonce, cumulative) in [(61u64, 0), (u64::MAX, 60 * PRICE - 1)] {
        let invented = m.state(&id, nonce, cumulative);
        refused(
            m.escrow_tx::<()>(&consumer, "challenge", (id, nonce, cumulative, invented)),
            Error::StaleState {
                held_nonce: 60,
                held_cumulative: 60 * PRICE,
            },
        );
    }
    m.chain.set_time(T0 + 121 * MINUTE);
    ok(m.escrow_tx::<()>(&root, "finalize", id));
    p.moved((60 * PRICE) as i128);
    p.check(&mut m, "the provider got its close");
    assert_eq!(m.escrow_held(), 0);
    assert_solvent(&mut m);
}

/// Issue 15, finding 5, on the release bundles: an authority deprecating the trade-start
/// template made every later `open` fail with `TradeCredential(BadTemplate)`, for good. The
/// protocol's templates cannot be deprecated now, and channels keep opening.
#[test]
fn no_authority_can_stop_channels_from_opening() {
    let mut m = market();
    let (root, vcs, escrow) = (m.root.clone(), m.vcs.clone(), m.escrow.clone());
    for cpt in [TRADE_START_CPT, SETTLEMENT_CPT] {
        let called = m
            .chain
            .call::<Result<(), vc_templates::Error>>(&vcs, &root, call_data("deprecate_cpt", cpt))
            .expect("call");
        assert_eq!(
            called.value,
            Err(vc_templates::Error::ProtocolTemplate(cpt))
        );
        assert!(called.reverted);
    }
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 23);
    ok(m.open_on(&escrow, &terms, DEPOSIT));
}

/// Issue 15, finding 2, on the release bundles: an issuer (here the root authority, acting for
/// its own DID) anchored a credential under a trade's channel id before the consumer opened
/// it, so `open` failed with `TradeCredential(CredentialExists)`; the same with the
/// predictable settlement ids. An issued credential's id is the one its request commits to
/// now, so the squat is refused and the trade opens and settles.
#[test]
fn an_issuer_cannot_squat_a_trade_before_it_opens() {
    let mut m = market();
    let (root, vcs, escrow, provider) = (
        m.root.clone(),
        m.vcs.clone(),
        m.escrow.clone(),
        m.provider.clone(),
    );
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 24);
    let deployment: [u8; 32] = m.escrow_query("deployment", ());
    let channel = blake2_256(&offer_preimage(&ink_account(&escrow), &deployment, &terms));
    for squatted in [channel, settlement_id(&m, &channel, 0)] {
        let request = AnchorRequest {
            id: squatted,
            cpt_id: TRADE_START_CPT,
            issuer: m.root_did,
            subject: m.consumer_did,
            claims_root: [9; 32],
            expires_at: None,
            ciphertext_hash: None,
            policy_id: None,
        };
        let expected = blake2_256(&request.id_preimage());
        let called = m
            .chain
            .call::<Result<(), vc_templates::Error>>(
                &vcs,
                &root,
                call_data("issue", (request, None::<(String, DidSignature)>)),
            )
            .expect("call");
        assert_eq!(
            called.value,
            Err(vc_templates::Error::BadCredentialId { expected })
        );
        assert!(called.reverted);
    }
    let id = ok(m.open_on(&escrow, &terms, DEPOSIT)).value;
    assert_eq!(id, channel);
    let state = m.state(&id, 3, 3 * PRICE);
    ok(m.escrow_tx::<()>(&provider, "checkpoint", (id, 3u64, 3 * PRICE, state)));
    let settlement = settlement_id(&m, &id, 0);
    let settled = verify(&mut m, settlement).expect("settlement anchored");
    assert_eq!(settled.anchor.issuer, Issuer::System(ink_account(&escrow)));
}

#[test]
fn the_consumer_gets_a_timeout_refund_when_the_provider_disappears() {
    let mut m = market();
    let (consumer, provider, root) = (m.consumer.clone(), m.provider.clone(), m.root.clone());
    let mut c = Ledger::new(&mut m, &consumer);
    let terms = m.terms(PRICE, MIN_COST, 60 * MINUTE, 3);
    let escrow = m.escrow.clone();
    let opened = ok(m.open_on(&escrow, &terms, DEPOSIT));
    let id = opened.value;
    c.paid_call(&opened);
    c.moved(-(DEPOSIT as i128));
    let refund_from = terms.expires_at + terms.challenge_period;
    m.chain.set_time(refund_from);
    refused(
        m.escrow_tx::<()>(&root, "claim_timeout", id),
        Error::NotExpired {
            refund_from,
            now: refund_from,
        },
    );
    m.chain.set_time(refund_from + 1);
    // The provider is too late now.
    let sig = m.state(&id, 5, 5 * PRICE);
    refused(
        m.escrow_tx::<()>(&provider, "checkpoint", (id, 5u64, 5 * PRICE, sig)),
        Error::Expired {
            deadline: refund_from,
            now: refund_from + 1,
        },
    );
    ok(m.escrow_tx::<()>(&root, "claim_timeout", id));
    c.moved(DEPOSIT as i128);
    c.check(&mut m, "after the timeout refund");
    assert_solvent(&mut m);
}

#[test]
fn replays_are_refused() {
    let mut m = market();
    let (consumer, provider) = (m.consumer.clone(), m.provider.clone());
    let escrow = m.escrow.clone();
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 4);
    let first = ok(m.open_on(&escrow, &terms, DEPOSIT)).value;
    // The same offer again.
    let before = m.chain.balance(&consumer);
    refused(
        m.open_on(&escrow, &terms, DEPOSIT),
        Error::ChannelExists(first),
    );
    assert_eq!(m.chain.balance(&consumer), before, "the deposit came back");
    // A second channel from another offer.
    let other_terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 5);
    let second = ok(m.open_on(&escrow, &other_terms, DEPOSIT)).value;
    // A state of the first channel on the second.
    let sig = m.state(&first, 7, 7 * PRICE);
    refused(
        m.escrow_tx::<()>(&provider, "checkpoint", (second, 7u64, 7 * PRICE, sig)),
        Error::BadStateSignature,
    );
    ok(m.escrow_tx::<()>(&provider, "checkpoint", (first, 7u64, 7 * PRICE, sig)));
    // The same state twice.
    refused(
        m.escrow_tx::<()>(&provider, "checkpoint", (first, 7u64, 7 * PRICE, sig)),
        Error::StaleState {
            held_nonce: 7,
            held_cumulative: 7 * PRICE,
        },
    );
    // Another deployment of the escrow: the same terms open a different channel there, and
    // nothing signed for this escrow counts on it.
    let (escrow2, _) = m.deploy_escrow(b"second").expect("second escrow");
    let on_second = ok(m.open_on(&escrow2, &terms, DEPOSIT)).value;
    assert_ne!(on_second, first);
    let sig = m.state(&first, 8, 8 * PRICE);
    let replayed = m
        .chain
        .call::<Result<(), Error>>(
            &escrow2,
            &provider,
            call_data("checkpoint", (on_second, 8u64, 8 * PRICE, sig)),
        )
        .expect("call");
    assert_eq!(replayed.value, Err(Error::BadStateSignature));
    // An offer signed for the first escrow does not open on the second.
    let terms6 = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 6);
    let signature = m.offer_for(&escrow, &terms6);
    let wrong = m
        .chain
        .call_payable::<Result<ChannelId, Error>>(
            &escrow2,
            &consumer,
            call_data("open", (&terms6, signature)),
            DEPOSIT,
        )
        .expect("call");
    assert_eq!(wrong.value, Err(Error::BadOfferSignature));
    assert!(wrong.reverted);
    assert_solvent(&mut m);
}

#[test]
fn refused_opens_revert_the_deposit() {
    let mut m = market();
    let consumer = m.consumer.clone();
    let escrow = m.escrow.clone();
    let before = m.chain.balance(&consumer);
    // The consumer's role expired.
    let consumer_did = m.consumer_did;
    m.grant(consumer_did, Role::Consumer, T0 + 1)
        .expect("re-grant");
    m.chain.set_time(T0 + 2);
    let terms = m.terms(PRICE, MIN_COST, 60 * MINUTE, 7);
    refused(
        m.open_on(&escrow, &terms, DEPOSIT),
        Error::MissingRole {
            account: ink_account(&consumer),
            role: Role::Consumer,
        },
    );
    m.grant(consumer_did, Role::Consumer, T0 + 1_000_000_000)
        .expect("renew");
    // An escrow that is not a system issuer cannot anchor the trade-start credential.
    let (dids, vcs, root) = (m.dids.clone(), m.vcs.clone(), m.root.clone());
    let rogue = m
        .chain
        .deploy(
            &release_wasm("trade_escrow").expect("bundle"),
            call_data("new", (ink_account(&dids), ink_account(&vcs))),
            &root,
            b"rogue",
        )
        .expect("deploys");
    let terms = m.terms(PRICE, MIN_COST, 60 * MINUTE, 8);
    refused(
        m.open_on(&rogue, &terms, DEPOSIT),
        Error::TradeCredential(AnchorError::NotSystemIssuer),
    );
    // A deposit below the minimum charge.
    refused(
        m.open_on(&escrow, &terms, MIN_COST - 1),
        Error::DepositBelowMinCost {
            min_cost: MIN_COST,
            deposit: MIN_COST - 1,
        },
    );
    assert_eq!(
        m.chain.balance(&consumer),
        before,
        "every deposit came back"
    );
    assert_eq!(m.escrow_query::<u64>("channel_count", ()), 0);
}

#[test]
fn settlement_survives_a_deactivated_did_and_a_top_up() {
    let mut m = market();
    let (consumer, provider) = (m.consumer.clone(), m.provider.clone());
    let escrow = m.escrow.clone();
    let terms = m.terms(PRICE, MIN_COST, 60 * MINUTE, 9);
    let id = ok(m.open_on(&escrow, &terms, 10 * PRICE)).value;
    // The consumer tops up and extends the expiry.
    let topped = m
        .chain
        .call_payable::<Result<(), Error>>(
            &escrow,
            &consumer,
            call_data("top_up", (id, Some(terms.expires_at + 60 * MINUTE))),
            50 * PRICE,
        )
        .expect("call");
    assert_eq!(topped.value, Ok(()));
    let ch = m.channel(&id).expect("channel");
    assert_eq!(ch.deposit, 60 * PRICE);
    // The consumer deactivates its DID mid-trade; the provider is still paid, and the
    // settlement is still recorded.
    let dids = m.dids.clone();
    let deactivated = m
        .chain
        .call::<Result<(), did_registry::Error>>(
            &dids,
            &consumer,
            call_data("update", (m.consumer_did, DidOperation::Deactivate)),
        )
        .expect("call");
    assert_eq!(deactivated.value, Ok(()));
    let before = m.chain.balance(&provider);
    let sig = m.state(&id, 55, 55 * PRICE);
    let cp = ok(m.escrow_tx::<()>(&provider, "checkpoint", (id, 55u64, 55 * PRICE, sig)));
    assert_eq!(
        i128::try_from(m.chain.balance(&provider)).expect("fits"),
        i128::try_from(before + 55 * PRICE).expect("fits") - cp.storage_deposit
    );
    let first = settlement_id(&m, &id, 0);
    assert!(verify(&mut m, first).is_some());
    assert_solvent(&mut m);
    // Not above the deposit.
    let sig = m.state(&id, 56, 61 * PRICE);
    refused(
        m.escrow_tx::<()>(&provider, "checkpoint", (id, 56u64, 61 * PRICE, sig)),
        Error::AboveDeposit {
            deposit: 60 * PRICE,
            cumulative: 61 * PRICE,
        },
    );
    // Strangers cannot close.
    let stranger = account([0x99; 32]);
    m.chain.fund(&stranger, 1_000_000_000_000);
    refused(
        m.escrow_tx::<()>(
            &stranger,
            "start_close",
            (id, None::<(u64, Balance, [u8; 64])>),
        ),
        Error::NotParty,
    );
}

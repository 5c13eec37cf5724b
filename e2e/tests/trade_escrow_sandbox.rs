//! trade_escrow with the real did_registry and vc_templates on the embedded chain (release
//! bundles): full trades, both close paths, a dispute with a stale state, the timeout refund,
//! replay attempts, and reverts that leave every balance untouched.
//!
//! Balance checks are exact: a party's balance moves by the escrow's transfers and by the
//! storage deposits its own calls were charged (reported by the chain), nothing else.

use cgrid_e2e::parties::{Ledger, Parties, TOKENS};
use cgrid_e2e::{ink_account, release_wasm, AccountId32, Backend, Called};
use cgrid_shared::{
    public_claims_root, settlement_claims, trade_start_claims, AnchorRequest, Balance,
    BrokeredEscrow as _, BrokeredOpen, BrokeringError, ChannelId, CloseKind, CredentialView,
    DidOperation, Issuer, IssuerProof, OpenRefusal, Party, Phase, Role, SignedState, TradeParties,
    TradeTerms, SETTLEMENT_CPT, SETTLEMENT_FIELDS, TRADE_START_CPT, TRADE_START_FIELDS,
};
use cgrid_suite::msg::constructor_data;
use cgrid_suite::{Escrow, Msg};
use scale::Decode;
use trade_escrow::Error;

const T0: u64 = 1_700_000_000_000;
const MINUTE: u64 = 60_000;
const PRICE: Balance = 250;
const MIN_COST: Balance = 1_000;
const DEPOSIT: Balance = 100_000;

fn market() -> Parties {
    Parties::deploy(T0).expect("the suite deploys (build the bundles first)")
}

fn verify(m: &mut Parties, id: [u8; 32]) -> Option<CredentialView> {
    m.verify(id).map(|view| view.record)
}

fn settlement_id(m: &Parties, channel: &ChannelId, index: u32) -> [u8; 32] {
    cgrid_shared::settlement_id_hash(&m.suite.escrow.account(), channel, index)
}

/// Sets the block time (the embedded chain's time only moves forward; these tests never go
/// back).
fn set_time(m: &mut Parties, ms: u64) {
    m.chain.advance_to(ms).expect("advance time");
    assert_eq!(m.chain.time(), ms, "block time set");
}

/// Sends `msg` as `origin`: the raw outcome, refusals included.
fn tx<R: Decode>(m: &mut Parties, origin: &AccountId32, msg: Msg<R>) -> Called<R> {
    m.chain.try_send(origin, msg).expect("call executes")
}

/// The contract holds exactly what it owes.
fn assert_solvent(m: &mut Parties) {
    let owed: Balance = m
        .chain
        .read(m.suite.escrow.msg(|e| e.total_owed()))
        .expect("total_owed");
    assert_eq!(m.escrow_held(), owed, "escrow balance = what it owes");
}

fn ok<T: std::fmt::Debug>(called: Called<Result<T, Error>>) -> Called<T> {
    assert!(!called.reverted, "reverted: {:?}", called.value);
    called.map(|value| value.expect("succeeds"))
}

fn refused<T: std::fmt::Debug>(called: Called<Result<T, Error>>, expected: Error) {
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
    let escrow = m.suite.escrow.clone();
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
    assert_eq!(view.anchor.issuer, Issuer::System(escrow.account()));
    assert_eq!(view.anchor.subject, m.consumer_did);
    let claims = trade_start_claims(&terms, &m.provider_did, &m.consumer_did);
    let leaves: Vec<[u8; 32]> = TRADE_START_FIELDS
        .iter()
        .zip(&claims)
        .map(|(name, v)| cgrid_vc::leaf(name, &id, v.as_ref().expect("all present")))
        .collect();
    assert_eq!(view.anchor.claims_root, cgrid_vc::claims_root(&leaves));

    // 90 minutes of service; the consumer signs every minute, the provider checkpoints at 30.
    set_time(&mut m, T0 + 30 * MINUTE);
    let sig = m.state(&id, 30, 30 * PRICE);
    let cp = ok(tx(
        &mut m,
        &provider,
        escrow.msg(|e| e.checkpoint(id, 30, 30 * PRICE, sig)),
    ));
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

    set_time(&mut m, T0 + 90 * MINUTE);
    let (a, b) = m.close_sigs(&id, 90, 90 * PRICE);
    let closed = ok(tx(
        &mut m,
        &consumer,
        escrow.msg(|e| e.close_cooperative(id, 90, 90 * PRICE, a, b)),
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
        tx(
            &mut m,
            &provider,
            escrow.msg(|e| e.checkpoint(id, 91, 91 * PRICE, sig)),
        ),
        Error::Closed,
    );
    let (a, b) = m.close_sigs(&id, 90, 90 * PRICE);
    refused(
        tx(
            &mut m,
            &consumer,
            escrow.msg(|e| e.close_cooperative(id, 90, 90 * PRICE, a, b)),
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
    let escrow = m.suite.escrow.clone();
    let opened = ok(m.open_on(&escrow, &terms, DEPOSIT));
    let id = opened.value;
    c.paid_call(&opened);
    c.moved(-(DEPOSIT as i128));

    // 40 minutes were served and signed; the consumer closes with its minute-10 state.
    set_time(&mut m, T0 + 40 * MINUTE);
    let stale = m.state(&id, 10, 10 * PRICE);
    let started = ok(tx(
        &mut m,
        &consumer,
        escrow.msg(|e| e.start_close(id, Some(signed(10, 10 * PRICE, stale)))),
    ));
    c.paid_call(&started);
    let deadline = T0 + 40 * MINUTE + MINUTE;
    refused(
        tx(&mut m, &root, escrow.msg(|e| e.finalize(id))),
        Error::ChallengeWindowOpen {
            deadline,
            now: T0 + 40 * MINUTE,
        },
    );
    // The provider's watchtower answers with the newest state inside the window.
    set_time(&mut m, T0 + 40 * MINUTE + 30_000);
    let newest = m.state(&id, 40, 40 * PRICE);
    let challenged = ok(tx(
        &mut m,
        &provider,
        escrow.msg(|e| e.challenge(id, 40, 40 * PRICE, newest)),
    ));
    p.paid_call(&challenged);
    // Replaying the stale state now is refused.
    let stale = m.state(&id, 10, 10 * PRICE);
    refused(
        tx(
            &mut m,
            &consumer,
            escrow.msg(|e| e.challenge(id, 10, 10 * PRICE, stale)),
        ),
        Error::StaleState {
            held_nonce: 40,
            held_cumulative: 40 * PRICE,
        },
    );
    set_time(&mut m, deadline);
    let finalized = ok(tx(&mut m, &root, escrow.msg(|e| e.finalize(id))));
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
    let escrow = m.suite.escrow.clone();
    let mut p = Ledger::new(&mut m, &provider);

    // First trade: the consumer starts the close with a huge nonce and little owed.
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 21);
    let id = ok(m.open_on(&escrow, &terms, DEPOSIT)).value;
    set_time(&mut m, T0 + 30 * MINUTE);
    let half = m.state(&id, 30, 30 * PRICE);
    p.paid_call(&ok(tx(
        &mut m,
        &provider,
        escrow.msg(|e| e.checkpoint(id, 30, 30 * PRICE, half)),
    )));
    p.moved((30 * PRICE) as i128);
    set_time(&mut m, T0 + 60 * MINUTE);
    let cheap = m.state(&id, u64::MAX, 30 * PRICE);
    refused(
        tx(
            &mut m,
            &consumer,
            escrow.msg(|e| e.start_close(id, Some(signed(u64::MAX, 30 * PRICE, cheap)))),
        ),
        Error::StaleState {
            held_nonce: 30,
            held_cumulative: 30 * PRICE,
        },
    );
    let cheap = m.state(&id, u64::MAX, 30 * PRICE + 1);
    ok(tx(
        &mut m,
        &consumer,
        escrow.msg(|e| e.start_close(id, Some(signed(u64::MAX, 30 * PRICE + 1, cheap)))),
    ));
    // The provider's genuine minute-60 state, with a lower nonce, replaces the claim.
    let genuine = m.state(&id, 60, 60 * PRICE);
    p.paid_call(&ok(tx(
        &mut m,
        &provider,
        escrow.msg(|e| e.challenge(id, 60, 60 * PRICE, genuine)),
    )));
    set_time(&mut m, T0 + 61 * MINUTE);
    ok(tx(&mut m, &root, escrow.msg(|e| e.finalize(id))));
    p.moved((30 * PRICE) as i128);
    p.check(&mut m, "the provider got all 60 minutes");

    // Second trade: the provider closes at minute 60; invented states do not replace it.
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 22);
    let id = ok(m.open_on(&escrow, &terms, DEPOSIT)).value;
    set_time(&mut m, T0 + 120 * MINUTE);
    let genuine = m.state(&id, 60, 60 * PRICE);
    p.paid_call(&ok(tx(
        &mut m,
        &provider,
        escrow.msg(|e| e.start_close(id, Some(signed(60, 60 * PRICE, genuine)))),
    )));
    for (nonce, cumulative) in [(61u64, 0), (u64::MAX, 60 * PRICE - 1)] {
        let invented = m.state(&id, nonce, cumulative);
        refused(
            tx(
                &mut m,
                &consumer,
                escrow.msg(|e| e.challenge(id, nonce, cumulative, invented)),
            ),
            Error::StaleState {
                held_nonce: 60,
                held_cumulative: 60 * PRICE,
            },
        );
    }
    set_time(&mut m, T0 + 121 * MINUTE);
    ok(tx(&mut m, &root, escrow.msg(|e| e.finalize(id))));
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
    let (root, vcs, escrow) = (m.root.clone(), m.suite.vcs.clone(), m.suite.escrow.clone());
    for cpt in [TRADE_START_CPT, SETTLEMENT_CPT] {
        let called = m
            .chain
            .try_send(&root, vcs.msg(|v| v.deprecate_cpt(cpt)))
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

/// Issue 15, finding 6, on the release bundles: a designated broker (the auction's account,
/// which the embedded chain lets a test use as an origin; on a chain only the auction's code
/// can) opened a channel naming a bystander's DID as the consumer — the subject of the
/// trade-start credential — and one for an account that holds no Consumer role at all. The
/// escrow now checks the DIDs a broker names against the registry's role holders: each such
/// open is refused with `NotRoleHolder`, its deposit sent back and nothing else changed; the
/// honest one opens. And a broker opens only what it funded: the escrow's own balance is what
/// the chain reports beyond its existential deposit, so the check is tried on chain — funded
/// before the call (as the auction does), a channel opens; unfunded, or with the deposits the
/// escrow owes, the call reverts with `Unfunded`; carrying more than the deposit, with `Overpaid`.
#[test]
fn a_broker_cannot_make_a_bystander_a_party() {
    let mut m = market();
    let (escrow, auction) = (m.suite.escrow.clone(), m.suite.auction.address.clone());
    m.chain.fund(&auction, TOKENS).expect("fund the broker");
    // A bystander: a real DID with the Provider role, which never agreed to this trade.
    let (bystander, bystander_did) = m.add_provider(61).expect("a second provider");
    let deployment: [u8; 32] = m.chain.read(escrow.deployment()).expect("deployment");
    let honest = TradeParties {
        consumer: m.consumer_did,
        provider: m.provider_did,
    };
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 61);
    let mut bystander_pays = terms.clone();
    bystander_pays.consumer = ink_account(&bystander);
    let cases: [(TradeTerms, TradeParties, Party); 4] = [
        (
            terms.clone(),
            TradeParties {
                consumer: bystander_did,
                ..honest
            },
            Party::Consumer,
        ),
        (
            terms.clone(),
            TradeParties {
                provider: bystander_did,
                ..honest
            },
            Party::Provider,
        ),
        (
            terms.clone(),
            TradeParties {
                consumer: honest.provider,
                provider: honest.consumer,
            },
            Party::Consumer,
        ),
        (
            bystander_pays,
            TradeParties {
                consumer: bystander_did,
                ..honest
            },
            Party::Consumer,
        ),
    ];
    for (terms, parties, party) in cases {
        let id = cgrid_shared::brokered_hash(
            &escrow.account(),
            &deployment,
            &ink_account(&auction),
            &terms,
        );
        let before = (m.chain.balance(&auction), m.escrow_held());
        let msg = escrow
            .msg(|e| e.open_brokered(terms, parties, DEPOSIT))
            .with_value(DEPOSIT);
        let called = tx(&mut m, &auction, msg);
        assert_eq!(
            called.value,
            Ok(BrokeredOpen::Refused(OpenRefusal::NotRoleHolder(party)))
        );
        assert!(!called.reverted, "a refused open sends the deposit back");
        assert_eq!(called.storage_deposit, 0);
        assert_eq!((m.chain.balance(&auction), m.escrow_held()), before);
        assert!(m.channel(&id).is_none(), "no channel");
        assert!(verify(&mut m, id).is_none(), "no trade-start credential");
    }
    // A call carrying `value` that the escrow refuses with `error`: it reverts, nothing moves.
    let reverted = |m: &mut Parties, terms: &TradeTerms, value: Balance, error| {
        let before = (m.chain.balance(&auction), m.escrow_held());
        let msg = escrow
            .msg(|e| e.open_brokered(terms.clone(), honest, DEPOSIT))
            .with_value(value);
        let called = m.chain.try_send(&auction, msg).expect("call");
        assert_eq!(called.value, Err(error));
        assert!(called.reverted);
        assert_eq!(called.storage_deposit, 0);
        assert_eq!((m.chain.balance(&auction), m.escrow_held()), before);
    };
    // More than the deposit would belong to no channel.
    reverted(&mut m, &terms, DEPOSIT + 1, BrokeringError::Overpaid);
    // Unfunded: the escrow holds only its existential deposit and what it owes.
    reverted(&mut m, &terms, 0, BrokeringError::Unfunded);
    // Funded before the call (here minted into the escrow's account: funds that arrive outside
    // any message, as a plain transfer's do), the call carrying nothing.
    let escrow_balance = m.chain.balance(&escrow.address);
    m.chain
        .fund(&escrow.address, escrow_balance + DEPOSIT)
        .expect("fund the escrow");
    let msg = escrow.msg(|e| e.open_brokered(terms.clone(), honest, DEPOSIT));
    let Ok(BrokeredOpen::Opened(id)) = tx(&mut m, &auction, msg).value else {
        panic!("the honest open, funded before the call");
    };
    let ch = m.channel(&id).expect("opened");
    assert_eq!(
        (ch.consumer_did, ch.provider_did, ch.deposit),
        (m.consumer_did, m.provider_did, DEPOSIT)
    );
    assert_eq!(
        verify(&mut m, id).expect("anchored").anchor.subject,
        m.consumer_did
    );
    // The escrow now holds that deposit, and owes it: it funds no other channel.
    let mut other = terms.clone();
    other.offer_nonce = [0x62; 32];
    reverted(&mut m, &other, 0, BrokeringError::Unfunded);
    assert_solvent(&mut m);
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
        m.suite.vcs.clone(),
        m.suite.escrow.clone(),
        m.provider.clone(),
    );
    let terms = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 24);
    let deployment: [u8; 32] = m.chain.read(escrow.deployment()).expect("deployment");
    let channel = cgrid_shared::offer_hash(&escrow.account(), &deployment, &terms);
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
        let expected = request.id_hash();
        let called = m
            .chain
            .try_send(&root, vcs.msg(|v| v.issue(request, None::<IssuerProof>)))
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
    ok(tx(
        &mut m,
        &provider,
        escrow.msg(|e| e.checkpoint(id, 3, 3 * PRICE, state)),
    ));
    let settlement = settlement_id(&m, &id, 0);
    let settled = verify(&mut m, settlement).expect("settlement anchored");
    assert_eq!(settled.anchor.issuer, Issuer::System(escrow.account()));
}

#[test]
fn the_consumer_gets_a_timeout_refund_when_the_provider_disappears() {
    let mut m = market();
    let (consumer, provider, root) = (m.consumer.clone(), m.provider.clone(), m.root.clone());
    let mut c = Ledger::new(&mut m, &consumer);
    let terms = m.terms(PRICE, MIN_COST, 60 * MINUTE, 3);
    let escrow = m.suite.escrow.clone();
    let opened = ok(m.open_on(&escrow, &terms, DEPOSIT));
    let id = opened.value;
    c.paid_call(&opened);
    c.moved(-(DEPOSIT as i128));
    let refund_from = terms.expires_at + terms.challenge_period;
    set_time(&mut m, refund_from);
    refused(
        tx(&mut m, &root, escrow.msg(|e| e.claim_timeout(id))),
        Error::NotExpired {
            refund_from,
            now: refund_from,
        },
    );
    set_time(&mut m, refund_from + 1);
    // The provider is too late now.
    let sig = m.state(&id, 5, 5 * PRICE);
    refused(
        tx(
            &mut m,
            &provider,
            escrow.msg(|e| e.checkpoint(id, 5, 5 * PRICE, sig)),
        ),
        Error::Expired {
            deadline: refund_from,
            now: refund_from + 1,
        },
    );
    ok(tx(&mut m, &root, escrow.msg(|e| e.claim_timeout(id))));
    c.moved(DEPOSIT as i128);
    c.check(&mut m, "after the timeout refund");
    assert_solvent(&mut m);
}

#[test]
fn replays_are_refused() {
    let mut m = market();
    let (consumer, provider) = (m.consumer.clone(), m.provider.clone());
    let escrow = m.suite.escrow.clone();
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
        tx(
            &mut m,
            &provider,
            escrow.msg(|e| e.checkpoint(second, 7, 7 * PRICE, sig)),
        ),
        Error::BadStateSignature,
    );
    ok(tx(
        &mut m,
        &provider,
        escrow.msg(|e| e.checkpoint(first, 7, 7 * PRICE, sig)),
    ));
    // The same state twice.
    refused(
        tx(
            &mut m,
            &provider,
            escrow.msg(|e| e.checkpoint(first, 7, 7 * PRICE, sig)),
        ),
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
        .try_send(
            &provider,
            escrow2.msg(|e| e.checkpoint(on_second, 8, 8 * PRICE, sig)),
        )
        .expect("call");
    assert_eq!(replayed.value, Err(Error::BadStateSignature));
    // An offer signed for the first escrow does not open on the second.
    let terms6 = m.terms(PRICE, MIN_COST, 24 * 60 * MINUTE, 6);
    let signature = m.offer_for(&escrow, &terms6);
    let wrong = m
        .chain
        .try_send(&consumer, escrow2.open(&terms6, &signature, DEPOSIT))
        .expect("call");
    assert_eq!(wrong.value, Err(Error::BadOfferSignature));
    assert!(wrong.reverted);
    assert_solvent(&mut m);
}

#[test]
fn refused_opens_revert_the_deposit() {
    let mut m = market();
    let consumer = m.consumer.clone();
    let escrow = m.suite.escrow.clone();
    let before = m.chain.balance(&consumer);
    // The consumer's role expired.
    let consumer_did = m.consumer_did;
    m.grant(consumer_did, Role::Consumer, T0 + 1)
        .expect("re-grant");
    set_time(&mut m, T0 + 2);
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
    let terms = m.terms(PRICE, MIN_COST, 60 * MINUTE, 8);
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
    let channels: u64 = m
        .chain
        .read(escrow.msg(|e| e.channel_count()))
        .expect("channel_count");
    assert_eq!(channels, 0);
}

/// Anyone may deploy the escrow's code and record "trade credentials" with it, but the
/// registry serves only those of the escrow root wired in: a rogue escrow's trade-start
/// credential is unknown to `verify`, though the rogue answers it itself.
#[test]
fn only_the_wired_escrows_trade_credentials_are_served() {
    use cgrid_shared::TradeCredentialIssuer as _;
    let mut m = market();
    let (dids, vcs, root) = (m.suite.dids.clone(), m.suite.vcs.clone(), m.root.clone());
    let (rogue, _) = m
        .chain
        .deploy(
            &release_wasm("trade_escrow").expect("bundle"),
            constructor_data(trade_escrow::TradeEscrowRef::new(
                dids.account(),
                vcs.account(),
            )),
            &root,
            b"rogue",
        )
        .expect("deploys");
    let rogue = Escrow::at(rogue);
    let terms = m.terms(PRICE, MIN_COST, 60 * MINUTE, 8);
    let on_rogue = ok(m.open_on(&rogue, &terms, DEPOSIT)).value;
    let recorded = m
        .chain
        .read(rogue.msg(|e| e.trade_credential(on_rogue)))
        .expect("trade_credential")
        .expect("the rogue recorded it");
    assert_eq!(recorded.issuer, Issuer::System(rogue.account()));
    assert_eq!(verify(&mut m, on_rogue), None, "not served by the registry");
    // The wired escrow's are.
    let escrow = m.suite.escrow.clone();
    let id = ok(m.open_on(&escrow, &terms, DEPOSIT)).value;
    let served = verify(&mut m, id).expect("served");
    assert_eq!(served.anchor.issuer, Issuer::System(escrow.account()));
    assert!(served.valid);
    assert_solvent(&mut m);
}

#[test]
fn settlement_survives_a_deactivated_did_and_a_top_up() {
    let mut m = market();
    let (consumer, provider) = (m.consumer.clone(), m.provider.clone());
    let escrow = m.suite.escrow.clone();
    let terms = m.terms(PRICE, MIN_COST, 60 * MINUTE, 9);
    let id = ok(m.open_on(&escrow, &terms, 10 * PRICE)).value;
    // The consumer tops up and extends the expiry.
    let topped = m
        .chain
        .try_send(
            &consumer,
            escrow
                .msg(|e| e.top_up(id, Some(terms.expires_at + 60 * MINUTE)))
                .with_value(50 * PRICE),
        )
        .expect("call");
    assert_eq!(topped.value, Ok(()));
    let ch = m.channel(&id).expect("channel");
    assert_eq!(ch.deposit, 60 * PRICE);
    // The consumer deactivates its DID mid-trade; the provider is still paid, and the
    // settlement is still recorded.
    let (dids, consumer_did) = (m.suite.dids.clone(), m.consumer_did);
    let deactivated = m
        .chain
        .try_send(
            &consumer,
            dids.msg(|d| d.update(consumer_did, DidOperation::Deactivate)),
        )
        .expect("call");
    assert_eq!(deactivated.value, Ok(()));
    let before = m.chain.balance(&provider);
    let sig = m.state(&id, 55, 55 * PRICE);
    let cp = ok(tx(
        &mut m,
        &provider,
        escrow.msg(|e| e.checkpoint(id, 55, 55 * PRICE, sig)),
    ));
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
        tx(
            &mut m,
            &provider,
            escrow.msg(|e| e.checkpoint(id, 56, 61 * PRICE, sig)),
        ),
        Error::AboveDeposit {
            deposit: 60 * PRICE,
            cumulative: 61 * PRICE,
        },
    );
    // Strangers cannot close.
    let stranger = m.chain.account([0x99; 32]);
    m.chain
        .fund(&stranger, 1_000_000_000_000)
        .expect("fund the stranger");
    refused(
        tx(&mut m, &stranger, escrow.start_close(&id, None)),
        Error::NotParty,
    );
}

/// A consumer-signed state as `start_close` takes it.
fn signed(nonce: u64, cumulative: Balance, signature: [u8; 64]) -> SignedState {
    SignedState {
        nonce,
        cumulative,
        signature,
    }
}

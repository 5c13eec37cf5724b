//! mask_registry with the real did_registry (roles and their expiry) on the embedded chain,
//! masking a real credential anchored in vc_templates: only regulators mask, the credential is
//! untouched, m-of-n approvals lift the mask, approvals expire; and the read paths of
//! did_registry (`resolve`), vc_templates (`verify`) and trade_escrow (`channel`) return masked
//! views while a mask stands, refuse the owners' writes, and show everything again once a
//! quorum lifts it.

use cgrid_e2e::parties::{Parties, TOKENS};
use cgrid_e2e::{ink_account, AccountId32, Backend, Called};
use cgrid_shared::{
    Channel, CredentialAnchor, CredentialView, DidDocument, DidId, DidOperation, Mask, MaskedView,
    Role, Scope, Service, Target,
};
use cgrid_shared::{CredentialRegistry as _, DidRegistry as _, MaskRegistry as _};
use mask_registry::Error;
use scale::Encode;
use sp_core::hashing::blake2_256;

const T0: u64 = 1_700_000_000_000;
const DAY: u64 = 24 * 3_600_000;

fn mask(m: &mut Parties, by: &AccountId32, target: &Target) -> Called<Result<(), Error>> {
    mask_with(m, by, target, Scope::Whole, false)
}

fn mask_with(
    m: &mut Parties,
    by: &AccountId32,
    target: &Target,
    scope: Scope,
    owner_may_write: bool,
) -> Called<Result<(), Error>> {
    let msg = m.suite.masks.msg(|r| {
        r.mask(
            target.clone(),
            scope,
            owner_may_write,
            42u16,
            [0xEEu8; 32],
            [0xC0u8; 32],
        )
    });
    m.chain.try_send(by, msg).expect("call")
}

fn approve(m: &mut Parties, by: &AccountId32, target: &Target) -> Result<bool, Error> {
    let msg = m.suite.masks.msg(|r| r.approve_unmask(target.clone()));
    m.chain.try_send(by, msg).expect("call").value
}

fn mask_of(m: &mut Parties, target: &Target) -> Option<Mask> {
    let root = m.root.clone();
    let msg = m.suite.masks.msg(|r| r.mask_of(target.clone()));
    m.chain.dry_run(&root, msg).expect("query").value
}

fn is_masked(m: &mut Parties, target: &Target) -> bool {
    let root = m.root.clone();
    let msg = m.suite.masks.msg(|r| r.is_masked(target.clone()));
    m.chain.dry_run(&root, msg).expect("query").value
}

fn anchor(m: &mut Parties, id: [u8; 32]) -> Option<CredentialAnchor> {
    let root = m.root.clone();
    let msg = m.suite.vcs.msg(|v| v.anchor_of(id));
    m.chain.dry_run(&root, msg).expect("query").value
}

#[test]
fn regulators_mask_a_credential_without_touching_it_and_a_quorum_lifts_the_mask() {
    let mut m = Parties::deploy(T0).expect("the suite deploys (build the bundles first)");
    let did = m.provider_did;
    let (id, _) = m.certify(did, [5_000, 100, 1_200, 0], 1).unwrap();
    let original = anchor(&mut m, id).expect("anchored");
    let target = Target::Credential(id);
    let [r0, r1, r2] = [0, 1, 2].map(|i| m.regulators[i].clone());

    // Not regulators: the consumer, and the root authority itself.
    for who in [m.consumer.clone(), m.root.clone()] {
        let out = mask(&mut m, &who, &target);
        assert_eq!(out.value, Err(Error::NotRegulator));
        assert!(out.reverted);
    }
    // A regulator whose role expired.
    let late = AccountId32::new([0xBF; 32]);
    m.chain.fund(&late, TOKENS).expect("fund");
    let late_did = m.create_did(&late).unwrap();
    m.grant(late_did, Role::Regulator, T0 + DAY).unwrap();
    m.chain.advance_to(T0 + DAY).expect("advance");
    assert_eq!(mask(&mut m, &late, &target).value, Err(Error::NotRegulator));
    assert!(!is_masked(&mut m, &target));

    let out = mask(&mut m, &r2, &target);
    assert_eq!(out.value, Ok(()));
    assert!(is_masked(&mut m, &target));
    let flag = mask_of(&mut m, &target).expect("masked");
    assert_eq!(
        (
            flag.reason_code,
            flag.reason_hash,
            flag.content_hash,
            flag.by,
            flag.since
        ),
        (42, [0xEE; 32], [0xC0; 32], ink_account(&r2), T0 + DAY)
    );
    // Masking never changes the record; reads withhold the subject (`anchor_of` too).
    let mut withheld = original.clone();
    withheld.subject = [0; 32];
    assert_eq!(anchor(&mut m, id), Some(withheld.clone()));
    // A person's batch read too: the main code hands it to the cold code, which honours masks.
    let root = m.root.clone();
    let msg = m.suite.vcs.msg(|v| v.anchors_of(vec![id]));
    assert_eq!(
        m.chain.dry_run(&root, msg).expect("query").value,
        vec![Some(withheld)]
    );
    assert_eq!(mask(&mut m, &r0, &target).value, Err(Error::AlreadyMasked));

    // m-of-n: two of the three committee members.
    assert_eq!(approve(&mut m, &r0, &target), Ok(false));
    assert_eq!(approve(&mut m, &r0, &target), Err(Error::AlreadyApproved));
    assert_eq!(
        approve(&mut m, &late, &target),
        Err(Error::NotCommitteeMember)
    );
    assert!(is_masked(&mut m, &target));
    assert_eq!(approve(&mut m, &r1, &target), Ok(true));
    assert!(!is_masked(&mut m, &target));
    assert_eq!(anchor(&mut m, id), Some(original));

    // Approvals expire: masked again, one approval, a day passes, the next one is alone.
    mask(&mut m, &r2, &target).value.unwrap();
    assert_eq!(approve(&mut m, &r0, &target), Ok(false));
    m.chain.advance_to(T0 + 2 * DAY).expect("advance");
    assert_eq!(approve(&mut m, &r1, &target), Ok(false));
    assert!(is_masked(&mut m, &target));
    assert_eq!(approve(&mut m, &r2, &target), Ok(true));

    // Any contract's record can be a target; the key binds kind and id.
    let record = Target::Record {
        contract: m.suite.escrow.account(),
        key: blake2_256(&b"channel".encode()),
    };
    mask(&mut m, &r0, &record).value.unwrap();
    assert!(is_masked(&mut m, &record));
    assert!(!is_masked(
        &mut m,
        &Target::Trade(blake2_256(&b"channel".encode()))
    ));
}

fn resolve(m: &mut Parties, did: DidId) -> MaskedView<DidDocument> {
    let root = m.root.clone();
    let msg = m.suite.dids.msg(|d| d.resolve(did));
    m.chain
        .dry_run::<Option<MaskedView<DidDocument>>>(&root, msg)
        .expect("query")
        .value
        .expect("resolves")
}

fn verify(m: &mut Parties, id: [u8; 32]) -> MaskedView<CredentialView> {
    m.verify(id).expect("anchored")
}

/// Lifts the mask on `target` with two of the three committee members.
fn lift(m: &mut Parties, target: &Target) {
    let [r0, r1] = [0, 1].map(|i| m.regulators[i].clone());
    assert_eq!(approve(m, &r0, target), Ok(false));
    assert_eq!(approve(m, &r1, target), Ok(true));
}

#[test]
fn read_paths_honour_masks_until_a_quorum_lifts_them() {
    let mut m = Parties::deploy(T0).expect("the suite deploys (build the bundles first)");
    let regulator = m.regulators[2].clone();
    let (provider, consumer) = (m.provider.clone(), m.consumer.clone());

    // --- a DID document --------------------------------------------------------------------
    let did = m.provider_did;
    let service = Service {
        id: "controller".into(),
        service_type: "ComputeGridController".into(),
        endpoint: "https://provider.example/cgrid".into(),
    };
    let dids = m.suite.dids.clone();
    let add = |s: Service| dids.msg(|d| d.update(did, DidOperation::AddService(s)));
    m.chain
        .try_send(&provider, add(service.clone()))
        .unwrap()
        .value
        .unwrap();
    let full = resolve(&mut m, did);
    assert_eq!(full.masked, None);
    assert_eq!(full.record.services, vec![service.clone()]);

    let target = Target::Did(did);
    let scope = Scope::Fields(vec!["service".into()]);
    mask_with(&mut m, &regulator, &target, scope, false)
        .value
        .unwrap();
    let view = resolve(&mut m, did);
    assert!(
        view.record.services.is_empty(),
        "the masked field is withheld"
    );
    assert_eq!(
        view.record.account, full.record.account,
        "the rest is shown"
    );
    let marker = view.masked.expect("the marker says why");
    assert_eq!(marker.withheld, vec![String::from("service")]);
    assert_eq!((marker.reason_code, marker.reason_hash), (42, [0xEE; 32]));
    assert_eq!(marker.by, ink_account(&regulator));
    // The owner may not change a field the mask withholds; the refusal reverts...
    let other = Service {
        id: "elsewhere".into(),
        ..service.clone()
    };
    let out = m.chain.try_send(&provider, add(other)).unwrap();
    assert_eq!(
        out.value,
        Err(did_registry::Error::Masked {
            did,
            reason_code: 42
        })
    );
    assert!(out.reverted);
    lift(&mut m, &target);
    assert_eq!(
        resolve(&mut m, did),
        full,
        "unmasked: shown in full, unchanged"
    );

    // --- a credential ----------------------------------------------------------------------
    let (id, _) = m.certify(did, [5_000, 100, 1_200, 0], 1).unwrap();
    let full = verify(&mut m, id);
    assert_eq!(full.record.anchor.subject, did);
    let target = Target::Credential(id);
    mask(&mut m, &regulator, &target).value.unwrap();
    let view = verify(&mut m, id);
    assert_eq!(
        view.record.anchor.subject, [0; 32],
        "whole mask: subject withheld"
    );
    assert_eq!(
        view.record.anchor.claims_root,
        full.record.anchor.claims_root
    );
    assert!(view.record.valid, "a mask is not a revocation");
    assert_eq!(
        view.masked.expect("marker").withheld,
        vec![String::from("subject")]
    );
    lift(&mut m, &target);
    assert_eq!(verify(&mut m, id), full);

    // --- a trade ---------------------------------------------------------------------------
    let terms = m.terms(10, 100, 3_600_000, 9);
    let (channel, _) = m.open(&terms, 10_000);
    let full: MaskedView<Channel> = m.channel_view(&channel).expect("channel");
    let target = Target::Trade(channel);
    let scope = Scope::Fields(vec!["consumer".into(), "price".into()]);
    mask_with(&mut m, &regulator, &target, scope, false)
        .value
        .unwrap();
    let view = m.channel_view(&channel).expect("channel");
    let ch = &view.record;
    assert_eq!(ch.consumer_did, [0; 32]);
    assert_eq!((ch.price_per_minute, ch.min_cost), (0, 0));
    assert_eq!(ch.provider_did, full.record.provider_did);
    assert_eq!(ch.deposit, 10_000, "the accounting is never withheld");
    let escrow = m.suite.escrow.clone();
    let top_up = |m: &mut Parties| {
        m.chain
            .try_send(
                &consumer,
                escrow.msg(|e| e.top_up(channel, None)).with_value(500),
            )
            .unwrap()
    };
    // A field mask leaves the accounting, and so a top-up, alone.
    assert_eq!(top_up(&mut m).value, Ok(()));
    lift(&mut m, &target);
    // A whole-record mask refuses the consumer's top-up...
    mask(&mut m, &regulator, &target).value.unwrap();
    let refused = top_up(&mut m);
    assert_eq!(
        refused.value,
        Err(trade_escrow::Error::Masked {
            channel,
            reason_code: 42
        })
    );
    assert!(refused.reverted);
    // ...but settlement goes on: a checkpoint pays the provider.
    let state = m.state(&channel, 3, 30);
    let out = m
        .chain
        .try_send(
            &provider,
            escrow.msg(|e| e.checkpoint(channel, 3u64, 30u128, state)),
        )
        .unwrap();
    assert_eq!(out.value, Ok(()));
    lift(&mut m, &target);
    let after = m.channel_view(&channel).expect("channel");
    assert_eq!(after.masked, None);
    assert_eq!(
        (after.record.consumer_did, after.record.price_per_minute),
        (full.record.consumer_did, 10)
    );
    assert_eq!((after.record.deposit, after.record.paid), (10_500, 30));
}

/// Issue 15, findings 3 and 6, on the release bundles, from the regulators' side: a second
/// authority (not root) does everything its key allows to lift a mask without the committee —
/// unwire the mask registry from did_registry, vc_templates and trade_escrow, grant itself the
/// Regulator role, seat itself as a committee of one, designate itself a broker — and every
/// attempt is refused with `NotRoot`; the mask stands. Root cannot designate a plain key as a
/// broker either.
#[test]
fn one_authority_cannot_undo_the_regulators() {
    let mut m = Parties::deploy(T0).expect("the suite deploys");
    let (root, dids, vcs, escrow, masks) = (
        m.root.clone(),
        m.suite.dids.clone(),
        m.suite.vcs.clone(),
        m.suite.escrow.clone(),
        m.suite.masks.clone(),
    );
    let rogue = AccountId32::new([0x66; 32]);
    m.chain.fund(&rogue, 1_000_000_000_000_000).expect("fund");
    let added = m
        .chain
        .try_send(&root, dids.msg(|d| d.add_authority(ink_account(&rogue))))
        .expect("call");
    assert_eq!(added.value, Ok(()));
    let rogue_did = m.create_did(&rogue).expect("the rogue's DID");
    let target = Target::Did(m.consumer_did);
    let regulator = m.regulators[0].clone();
    assert_eq!(mask(&mut m, &regulator, &target).value, Ok(()));

    let refused = m
        .chain
        .try_send(&rogue, dids.msg(|d| d.set_mask_registry(None)))
        .expect("call");
    assert_eq!(refused.value, Err(did_registry::Error::NotRoot));
    let refused = m
        .chain
        .try_send(&rogue, vcs.msg(|v| v.set_mask_registry(None)))
        .expect("call");
    assert_eq!(refused.value, Err(vc_templates::Error::NotRoot));
    let refused = m
        .chain
        .try_send(&rogue, escrow.msg(|e| e.set_mask_registry(None)))
        .expect("call");
    assert_eq!(refused.value, Err(trade_escrow::Error::NotRoot));
    let refused = m
        .chain
        .try_send(
            &rogue,
            dids.msg(|d| d.grant_role(rogue_did, Role::Regulator, T0 + DAY, [0u8; 32])),
        )
        .expect("call");
    assert_eq!(refused.value, Err(did_registry::Error::NotRoot));
    let refused = m
        .chain
        .try_send(
            &rogue,
            masks.msg(|r| r.set_committee(vec![ink_account(&rogue)], 1u8, DAY)),
        )
        .expect("call");
    assert_eq!(refused.value, Err(Error::NotRoot));
    for by in [&rogue, &root] {
        let refused = m
            .chain
            .try_send(by, escrow.msg(|e| e.set_broker(ink_account(&rogue), true)))
            .expect("call");
        let expected = if *by == root {
            trade_escrow::Error::BrokerNotContract
        } else {
            trade_escrow::Error::NotRoot
        };
        assert_eq!(refused.value, Err(expected));
    }
    assert_eq!(
        approve(&mut m, &rogue, &target),
        Err(Error::NotCommitteeMember)
    );
    assert!(is_masked(&mut m, &target), "the mask stands");
    let did = m.consumer_did;
    assert!(resolve(&mut m, did).masked.is_some());
}

/// Issue 15, finding 7, on the release bundles: an approval from a committee member whose
/// Regulator role root revoked counted towards the quorum; now it stops counting.
#[test]
fn an_approval_stops_counting_when_its_member_loses_the_role() {
    let mut m = Parties::deploy(T0).expect("the suite deploys");
    let (root, dids) = (m.root.clone(), m.suite.dids.clone());
    let [r0, r1, r2] = [0, 1, 2].map(|i| m.regulators[i].clone());
    let target = Target::Did(m.consumer_did);
    assert_eq!(mask(&mut m, &r2, &target).value, Ok(()));
    assert_eq!(approve(&mut m, &r0, &target), Ok(false));
    let r0_did: DidId = m
        .chain
        .try_send(&root, dids.msg(|d| d.did_of(ink_account(&r0))))
        .expect("call")
        .value
        .expect("r0 has a DID");
    let revoked = m
        .chain
        .try_send(&root, dids.msg(|d| d.revoke_role(r0_did, Role::Regulator)))
        .expect("call");
    assert_eq!(revoked.value, Ok(()));
    assert_eq!(
        approve(&mut m, &r1, &target),
        Ok(false),
        "r0's approval no longer counts"
    );
    assert!(is_masked(&mut m, &target));
    assert_eq!(approve(&mut m, &r2, &target), Ok(true));
    assert!(!is_masked(&mut m, &target));
}

/// Issue 15, finding 4, on the release bundles: once a regulator masks a trade or a DID, no read
/// message and no later event links the masked parties. Before the fix, `verify` / `anchor_of`
/// of the channel id and of its settlements named both DIDs, a later settlement's
/// `CredentialAnchored` named the provider's DID, `did_of` and `channel` linked an account to
/// a DID masked whole, and a DID update the mask let through published its operation.
#[test]
fn a_masked_trade_or_did_leaks_through_no_read_path_or_later_event() {
    use cgrid_shared::settlement_id_hash;
    let mut m = Parties::deploy(T0).expect("the suite deploys (build the bundles first)");
    let regulator = m.regulators[2].clone();
    let (provider, consumer) = (m.provider.clone(), m.consumer.clone());
    let (provider_did, consumer_did) = (m.provider_did, m.consumer_did);
    let escrow = m.suite.escrow.clone();
    let terms = m.terms(10, 100, 3_600_000, 11);
    let (channel, _) = m.open(&terms, 10_000);
    let checkpoint = |m: &mut Parties, nonce: u64, cumulative: u128| {
        let state = m.state(&channel, nonce, cumulative);
        let out = m
            .chain
            .try_send(
                &provider,
                escrow.msg(|e| e.checkpoint(channel, nonce, cumulative, state)),
            )
            .unwrap();
        assert_eq!(out.value, Ok(()));
        out.events
    };
    checkpoint(&mut m, 1, 10);
    let settlement = settlement_id_hash(&escrow.account(), &channel, 0);
    assert_eq!(verify(&mut m, channel).record.anchor.subject, consumer_did);
    assert_eq!(
        verify(&mut m, settlement).record.anchor.subject,
        provider_did
    );

    // The whole trade masked: its system credentials withhold their subjects in both reads.
    let trade = Target::Trade(channel);
    mask(&mut m, &regulator, &trade).value.unwrap();
    for id in [channel, settlement] {
        let view = verify(&mut m, id);
        assert_eq!(view.record.anchor.subject, [0; 32]);
        assert!(view.record.valid, "a mask is not a revocation");
        assert_eq!(
            view.masked.expect("the trade's marker").by,
            ink_account(&regulator)
        );
        assert_eq!(anchor(&mut m, id).expect("anchored").subject, [0; 32]);
    }
    // A settlement after the mask publishes neither party's DID nor account.
    let events = checkpoint(&mut m, 2, 20);
    assert!(!events.is_empty());
    let secrets: [&[u8]; 4] = [
        &provider_did,
        &consumer_did,
        provider.as_ref(),
        consumer.as_ref(),
    ];
    for event in &events {
        for secret in secrets {
            assert!(
                !event.topics.iter().any(|t| t.as_slice() == secret)
                    && !event.data.windows(32).any(|w| w == secret),
                "an event after the mask names a party"
            );
        }
    }
    lift(&mut m, &trade);
    assert_eq!(verify(&mut m, channel).record.anchor.subject, consumer_did);

    // The consumer's DID masked whole (the owner may still write): `did_of`, the trade and
    // the DID's own later updates stop linking the account to it.
    let did_target = Target::Did(consumer_did);
    let dids = m.suite.dids.clone();
    let did_of = |m: &mut Parties| -> Option<DidId> {
        m.chain
            .read(dids.msg(|d| d.did_of(ink_account(&consumer))))
            .expect("did_of")
    };
    assert_eq!(did_of(&mut m), Some(consumer_did));
    mask_with(&mut m, &regulator, &did_target, Scope::Whole, true)
        .value
        .unwrap();
    assert_eq!(did_of(&mut m), None);
    let view = m.channel_view(&channel).expect("channel");
    assert_eq!(
        (view.record.consumer, view.record.consumer_did),
        (ink_account(&AccountId32::new([0; 32])), [0; 32])
    );
    assert_eq!(
        view.record.provider_did, provider_did,
        "the other party stays"
    );
    assert_eq!(view.record.paid, 20, "the accounting stays");
    let service = Service {
        id: "hidden".into(),
        service_type: "ComputeGridController".into(),
        endpoint: "https://consumer.example/secret".into(),
    };
    let out = m
        .chain
        .try_send(
            &consumer,
            dids.msg(|d| d.update(consumer_did, DidOperation::AddService(service))),
        )
        .unwrap();
    assert_eq!(out.value, Ok(()));
    let updated = out.events.last().expect("DidUpdated");
    assert!(
        !updated.data.windows(6).any(|w| w == b"secret"),
        "the withheld operation is not published"
    );
    assert!(!updated
        .topics
        .iter()
        .any(|t| t.as_slice() == AsRef::<[u8]>::as_ref(&consumer)));
    lift(&mut m, &did_target);
    assert_eq!(did_of(&mut m), Some(consumer_did));
}

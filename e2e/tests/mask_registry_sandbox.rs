//! mask_registry with the real did_registry (roles and their expiry) on the embedded chain,
//! masking a real credential anchored in vc_templates: only regulators mask, the credential is
//! untouched, m-of-n approvals lift the mask, approvals expire.

use cgrid_e2e::market::Market;
use cgrid_e2e::{account, call_data, ink_account, AccountId32, Called};
use cgrid_shared::{CredentialAnchor, Mask, Role, Scope, Target};
use mask_registry::Error;
use scale::Encode;
use sp_core::hashing::blake2_256;

const T0: u64 = 1_700_000_000_000;
const DAY: u64 = 24 * 3_600_000;

fn mask(m: &mut Market, by: &AccountId32, target: &Target) -> Called<Result<(), Error>> {
    let masks = m.masks.clone();
    m.chain
        .call(
            &masks,
            by,
            call_data(
                "mask",
                (
                    target,
                    Scope::Whole,
                    false,
                    42u16,
                    [0xEEu8; 32],
                    [0xC0u8; 32],
                ),
            ),
        )
        .expect("call")
}

fn approve(m: &mut Market, by: &AccountId32, target: &Target) -> Result<bool, Error> {
    let masks = m.masks.clone();
    m.chain
        .call::<Result<bool, Error>>(&masks, by, call_data("approve_unmask", target))
        .expect("call")
        .value
}

fn mask_of(m: &mut Market, target: &Target) -> Option<Mask> {
    let (masks, root) = (m.masks.clone(), m.root.clone());
    m.chain
        .query(&masks, &root, call_data("MaskRegistry::mask_of", target))
        .expect("query")
        .value
}

fn is_masked(m: &mut Market, target: &Target) -> bool {
    let (masks, root) = (m.masks.clone(), m.root.clone());
    m.chain
        .query(&masks, &root, call_data("MaskRegistry::is_masked", target))
        .expect("query")
        .value
}

fn anchor(m: &mut Market, id: [u8; 32]) -> Option<CredentialAnchor> {
    let (vcs, root) = (m.vcs.clone(), m.root.clone());
    m.chain
        .query(&vcs, &root, call_data("CredentialRegistry::anchor_of", id))
        .expect("query")
        .value
}

#[test]
fn regulators_mask_a_credential_without_touching_it_and_a_quorum_lifts_the_mask() {
    let mut m = Market::deploy(T0).expect("the suite deploys (build the bundles first)");
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
    let late = account([0xBF; 32]);
    m.chain.fund(&late, cgrid_e2e::Chain::TOKENS);
    let late_did = m.create_did(&late).unwrap();
    m.grant(late_did, Role::Regulator, T0 + DAY).unwrap();
    m.chain.set_time(T0 + DAY);
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
    assert_eq!(
        anchor(&mut m, id),
        Some(original.clone()),
        "masking never changes the record"
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
    m.chain.set_time(T0 + 2 * DAY);
    assert_eq!(approve(&mut m, &r1, &target), Ok(false));
    assert!(is_masked(&mut m, &target));
    assert_eq!(approve(&mut m, &r2, &target), Ok(true));

    // Any contract's record can be a target; the key binds kind and id.
    let record = Target::Record {
        contract: ink_account(&m.escrow),
        key: blake2_256(&b"channel".encode()),
    };
    mask(&mut m, &r0, &record).value.unwrap();
    assert!(is_masked(&mut m, &record));
    assert!(!is_masked(
        &mut m,
        &Target::Trade(blake2_256(&b"channel".encode()))
    ));
}

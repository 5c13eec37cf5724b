//! Unit tests: the writer rule and what each change means. That the index answers as the
//! registry does is the e2e differential test's (`e2e/tests/role_index_sandbox.rs`).

use super::*;
use cgrid_shared::RoleIndex as _;
use ink::env::test::{default_accounts, set_block_timestamp, set_caller};
use ink::prelude::vec;
use ink::primitives::AccountId;

type Env = ink::env::DefaultEnvironment;

const DID: DidId = [7; 32];

fn index() -> (RoleIndex, AccountId) {
    let registry = default_accounts::<Env>().alice;
    set_caller::<Env>(registry);
    (RoleIndex::new(), registry)
}

fn holder(ix: &RoleIndex, account: AccountId, role: Role) -> Option<DidId> {
    ix.role_holders(ink::prelude::vec![RoleQuery { account, role }])[0]
}

#[ink::test]
fn only_the_instantiating_registry_records_changes() {
    let (mut ix, registry) = index();
    assert_eq!(ix.registry(), registry);
    let bob = default_accounts::<Env>().bob;
    set_caller::<Env>(bob);
    let created = RoleChange::DidCreated {
        account: bob,
        did: DID,
    };
    assert_eq!(ix.record(created), Err(RoleIndexError::NotRegistry));
    assert!(
        !ix.are_active(vec![DID])[0],
        "a refused change changes nothing"
    );
    set_caller::<Env>(registry);
    assert_eq!(ix.record(created), Ok(()));
    assert!(ix.are_active(vec![DID])[0]);
}

#[ink::test]
fn a_role_counts_while_granted_unexpired_and_the_did_active() {
    let (mut ix, _) = index();
    let bob = default_accounts::<Env>().bob;
    set_block_timestamp::<Env>(1_000);
    ix.record(RoleChange::DidCreated {
        account: bob,
        did: DID,
    })
    .unwrap();
    assert_eq!(holder(&ix, bob, Role::Provider), None, "not granted");
    let grant = RoleChange::RoleGranted {
        did: DID,
        role: Role::Provider,
        expires_at: 2_000,
    };
    ix.record(grant).unwrap();
    assert_eq!(holder(&ix, bob, Role::Provider), Some(DID));
    assert_eq!(holder(&ix, bob, Role::Consumer), None, "another role");
    set_block_timestamp::<Env>(2_000);
    assert_eq!(
        holder(&ix, bob, Role::Provider),
        None,
        "expired at its expiry"
    );
    ix.record(RoleChange::RoleGranted {
        did: DID,
        role: Role::Provider,
        expires_at: 3_000,
    })
    .unwrap();
    assert_eq!(holder(&ix, bob, Role::Provider), Some(DID), "renewed");
    ix.record(RoleChange::RoleRevoked {
        did: DID,
        role: Role::Provider,
    })
    .unwrap();
    assert_eq!(holder(&ix, bob, Role::Provider), None, "revoked");
}

#[ink::test]
fn a_grant_to_a_did_that_is_not_active_is_not_kept() {
    let (mut ix, _) = index();
    let bob = default_accounts::<Env>().bob;
    let grant = |did| RoleChange::RoleGranted {
        did,
        role: Role::Provider,
        expires_at: u64::MAX,
    };
    // Never created.
    ix.record(grant(DID)).unwrap();
    assert_eq!(ix.grants.get((DID, Role::Provider)), None);
    // Created, deactivated, then granted (a registry never does; the index holds anyway).
    ix.record(RoleChange::DidCreated {
        account: bob,
        did: DID,
    })
    .unwrap();
    ix.record(RoleChange::DidDeactivated {
        account: bob,
        did: DID,
    })
    .unwrap();
    ix.record(grant(DID)).unwrap();
    assert_eq!(ix.grants.get((DID, Role::Provider)), None);
    assert_eq!(holder(&ix, bob, Role::Provider), None);
}

#[ink::test]
fn deactivation_ends_the_did_its_roles_and_its_account_binding() {
    let (mut ix, _) = index();
    let bob = default_accounts::<Env>().bob;
    ix.record(RoleChange::DidCreated {
        account: bob,
        did: DID,
    })
    .unwrap();
    for role in Role::ALL {
        ix.record(RoleChange::RoleGranted {
            did: DID,
            role,
            expires_at: u64::MAX,
        })
        .unwrap();
    }
    ix.record(RoleChange::DidDeactivated {
        account: bob,
        did: DID,
    })
    .unwrap();
    assert!(!ix.are_active(vec![DID])[0]);
    for role in Role::ALL {
        assert_eq!(holder(&ix, bob, role), None);
        assert_eq!(
            ix.grants.get((DID, role)),
            None,
            "the grant is gone, not just hidden"
        );
    }
    // The account's next DID is its own; a stale deactivation of the old one leaves it.
    let next = [8; 32];
    ix.record(RoleChange::DidCreated {
        account: bob,
        did: next,
    })
    .unwrap();
    ix.record(RoleChange::RoleGranted {
        did: next,
        role: Role::Consumer,
        expires_at: u64::MAX,
    })
    .unwrap();
    ix.record(RoleChange::DidDeactivated {
        account: bob,
        did: DID,
    })
    .unwrap();
    assert_eq!(holder(&ix, bob, Role::Consumer), Some(next));
    assert!(!ix.are_active(vec![DID])[0]);
}

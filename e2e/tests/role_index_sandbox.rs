//! The role index on the embedded chain with the release bundles: the guarantee the trade path
//! relies on when it asks the index instead of the DID registry — the index answers
//! `role_holders` as the registry does, and `are_active` as its `is_active` of each DID,, after any sequence of what the
//! registry's users and authorities may do — and that nobody but the registry writes it.

use cgrid_e2e::{chain_account, ink_account, AccountId32, Backend, Embedded};
use cgrid_shared::{DidCreation, DidId, DidOperation, DidRegistry as _, Role, RoleQuery};
use cgrid_shared::{RoleChange, RoleIndex as _, RoleIndexError};
use cgrid_suite::{deploy_dids, Dids, Roles};

const PEOPLE: u8 = 5;

struct Fixture {
    chain: Embedded,
    registry: Dids,
    index: Roles,
    root: AccountId32,
}

fn account(i: u8) -> AccountId32 {
    AccountId32::new([i; 32])
}

fn fixture() -> Fixture {
    let mut chain = Embedded::new(1_000);
    let root = chain.deployer();
    for i in 1..=PEOPLE + 1 {
        chain.fund(&account(i), Embedded::TOKENS).expect("fund");
    }
    let registry = Dids::at(deploy_dids(&mut chain, b"").expect("deploy").address);
    let index = chain
        .read(registry.msg(|d| d.role_index()))
        .expect("role_index");
    Fixture {
        index: Roles::at(chain_account(&index)),
        chain,
        registry,
        root,
    }
}

impl Fixture {
    /// Every (person, role) answer and every DID's activity, from the registry and the index.
    fn answers(&mut self, dids: &[DidId]) -> (Vec<Option<DidId>>, Vec<bool>) {
        let queries: Vec<RoleQuery> = (1..=PEOPLE)
            .flat_map(|i| {
                Role::ALL.map(|role| RoleQuery {
                    account: ink_account(&account(i)),
                    role,
                })
            })
            .collect();
        let q = queries.clone();
        let by_registry = self
            .chain
            .read(self.registry.msg(|d| d.role_holders(q)))
            .expect("registry");
        let by_index = self
            .chain
            .read(self.index.msg(|r| r.role_holders(queries)))
            .expect("index");
        assert_eq!(by_index, by_registry, "role_holders");
        let mut by_registry = Vec::new();
        for did in dids {
            let active = self
                .chain
                .read(self.registry.msg(|d| d.is_active(*did)))
                .expect("registry");
            by_registry.push(active);
        }
        let dids = dids.to_vec();
        let active = self
            .chain
            .read(self.index.msg(|r| r.are_active(dids)))
            .expect("index");
        assert_eq!(active, by_registry, "is_active of each DID");
        (by_index, active)
    }
}

/// A small deterministic generator (xorshift64*), so a failure replays from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// Random creations, grants, renewals, revocations, deactivations (by owners, controllers'
/// absence notwithstanding), refused calls and the passing of time, through the registry as
/// its users and its root authority may send them; after every step the index answers every
/// question as the registry does. The run must also reach each kind of answer, or it shows
/// nothing.
#[test]
fn the_index_answers_as_the_registry_after_any_sequence_of_changes() {
    let mut f = fixture();
    let mut rng = Rng(0x005E_ED0F_C0DE);
    // Every DID ever created; each person's latest.
    let mut dids: Vec<DidId> = Vec::new();
    let mut latest: [Option<DidId>; PEOPLE as usize + 1] = [None; PEOPLE as usize + 1];
    let (mut held, mut inactive, mut accepted) = (0, 0, 0);
    for step in 0..160 {
        let who = 1 + rng.below(u64::from(PEOPLE)) as u8;
        let role = Role::ALL[rng.below(4) as usize];
        let root = f.root.clone();
        let now = f.chain.time();
        let reverted = match rng.below(10) {
            0 | 1 => {
                let msg = f.registry.msg(|d| d.create_did(DidCreation::default()));
                let out = f.chain.try_send(&account(who), msg).expect("call");
                if let Ok(did) = out.value {
                    dids.push(did);
                    latest[who as usize] = Some(did);
                }
                out.reverted
            }
            2..=4 => {
                let Some(did) = latest[who as usize] else {
                    continue;
                };
                let expires_at = now + 1 + rng.below(4_000);
                let msg = f
                    .registry
                    .msg(|d| d.grant_role(did, role, expires_at, [step as u8; 32]));
                f.chain.try_send(&root, msg).expect("call").reverted
            }
            5 => {
                let Some(did) = latest[who as usize] else {
                    continue;
                };
                let msg = f.registry.msg(|d| d.revoke_role(did, role));
                f.chain.try_send(&root, msg).expect("call").reverted
            }
            6 => {
                let Some(did) = latest[who as usize] else {
                    continue;
                };
                let msg = f.registry.msg(|d| d.update(did, DidOperation::Deactivate));
                f.chain.try_send(&account(who), msg).expect("call").reverted
            }
            7 => {
                // Someone else tries to deactivate or grant: refused, nothing changes.
                let Some(did) = latest[who as usize] else {
                    continue;
                };
                let stranger = account(PEOPLE + 1);
                let msg = f.registry.msg(|d| d.update(did, DidOperation::Deactivate));
                let out = f.chain.try_send(&stranger, msg).expect("call");
                assert!(out.reverted, "a stranger deactivated a DID");
                let msg = f
                    .registry
                    .msg(|d| d.grant_role(did, role, u64::MAX, [0; 32]));
                let out = f.chain.try_send(&stranger, msg).expect("call");
                assert!(out.reverted, "a stranger granted a role");
                true
            }
            _ => {
                let to = now + rng.below(2_500);
                f.chain.advance_to(to).expect("time");
                false
            }
        };
        if !reverted {
            accepted += 1;
        }
        let (holders, active) = f.answers(&dids);
        held += holders.iter().filter(|h| h.is_some()).count();
        inactive += active.iter().filter(|a| !**a).count();
    }
    assert!(
        held > 50 && inactive > 10 && accepted > 60,
        "the run reached too few states: {held} roles held, {inactive} inactive DIDs, {accepted} changes"
    );
}

/// Only the registry writes its index: another account (root included) that sends `record`
/// directly is refused and changes nothing, whatever the change.
#[test]
fn nobody_but_the_registry_writes_the_index() {
    let mut f = fixture();
    let bob = account(2);
    let msg = f.registry.msg(|d| d.create_did(DidCreation::default()));
    let did = f
        .chain
        .try_send(&bob, msg)
        .expect("call")
        .value
        .expect("did");
    let registry_address = f.registry.account();
    assert_eq!(
        f.chain.read(f.index.msg(|r| r.registry())).expect("read"),
        registry_address
    );
    let forged = [
        RoleChange::RoleGranted {
            did,
            role: Role::Provider,
            expires_at: u64::MAX,
        },
        RoleChange::DidDeactivated {
            account: ink_account(&bob),
            did,
        },
        RoleChange::DidCreated {
            account: ink_account(&account(3)),
            did: [9; 32],
        },
    ];
    for change in forged {
        for sender in [f.root.clone(), bob.clone(), account(3)] {
            let out = f
                .chain
                .try_send(&sender, f.index.msg(|r| r.record(change)))
                .expect("call");
            assert_eq!(out.value, Err(RoleIndexError::NotRegistry));
            assert!(out.reverted);
        }
    }
    let (holders, active) = f.answers(&[did, [9; 32]]);
    assert!(holders.iter().all(Option::is_none), "no role was forged");
    assert_eq!(active, [true, false], "nothing was deactivated or created");
}

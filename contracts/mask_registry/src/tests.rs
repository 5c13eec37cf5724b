//! Unit tests on ink!'s off-chain environment with the shared double of the DID registry
//! (`cgrid_shared::testing::did`; roles carry their expiry, as in did_registry). Each failure is
//! checked to change nothing.

use super::mask_registry::{Committee, Error, MaskRegistry};
use crate::{MAX_APPROVAL_TTL, MAX_COMMITTEE, MIN_APPROVAL_TTL};
use cgrid_shared::{testing, MaskRegistry as _, Role, Scope, Target};
use ink::env::{test, DefaultEnvironment as Env};
use ink::primitives::AccountId;

const T0: u64 = 5_000_000;
const HOUR: u64 = 3_600_000;
const TTL: u64 = 24 * HOUR;

struct Fx {
    c: MaskRegistry,
    authority: AccountId,
    /// r[0..3]: committee members; r[3]: a regulator off the committee.
    r: [AccountId; 4],
    stranger: AccountId,
}

fn as_caller(who: AccountId) {
    test::set_caller::<Env>(who);
}

fn set_now(ms: u64) {
    test::set_block_timestamp::<Env>(ms);
}

impl Fx {
    /// Three committee members (quorum 2, approvals live one day) and a fourth regulator.
    fn new() -> Self {
        let authority = AccountId::from([0xAA; 32]);
        let r = [1u8, 2, 3, 4].map(|i| AccountId::from([i; 32]));
        let stranger = AccountId::from([0x57; 32]);
        testing::did::with(|w| {
            *w = Default::default();
            w.root = Some(authority);
            for (i, who) in r.iter().enumerate() {
                let did = [u8::try_from(i).unwrap() + 0x90; 32];
                w.holders
                    .insert((*who, Role::Regulator), (did, T0 + 1_000 * HOUR));
            }
            // A provider is not a regulator.
            w.holders
                .insert((stranger, Role::Provider), ([0x5D; 32], T0 + 1_000 * HOUR));
        });
        set_now(T0);
        as_caller(authority);
        let mut c = MaskRegistry::new(AccountId::from([0xD1; 32]));
        c.set_committee(vec![r[0], r[1], r[2]], 2, TTL)
            .expect("the authority configures the committee");
        Fx {
            c,
            authority,
            r,
            stranger,
        }
    }

    fn mask(&mut self, by: AccountId, target: Target, scope: Scope) -> Result<(), Error> {
        as_caller(by);
        self.c.mask(target, scope, false, 7, [0xEE; 32], [0xC0; 32])
    }

    fn approve(&mut self, by: AccountId, target: Target) -> Result<bool, Error> {
        as_caller(by);
        self.c.approve_unmask(target)
    }

    fn snapshot(&self, target: &Target) -> String {
        format!(
            "{:?} {:?} {:?} events={}",
            self.c.mask_of(target.clone()),
            self.c.committee(),
            self.c.counts(),
            test::recorded_events().count()
        )
    }

    fn fails_cleanly<T: core::fmt::Debug>(
        &mut self,
        target: &Target,
        expected: Error,
        f: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) {
        let before = self.snapshot(target);
        assert_eq!(f(self).unwrap_err(), expected);
        assert_eq!(
            self.snapshot(target),
            before,
            "state changed on {expected:?}"
        );
    }
}

fn credential() -> Target {
    Target::Credential([0xC1; 32])
}

#[ink::test]
fn a_regulator_masks_and_the_flag_keeps_reason_and_content_hash() {
    let mut fx = Fx::new();
    let t = credential();
    assert!(!fx.c.is_masked(t.clone()));
    fx.mask(fx.r[3], t.clone(), Scope::Whole).unwrap();
    assert!(fx.c.is_masked(t.clone()));
    let mask = fx.c.mask_of(t.clone()).unwrap();
    assert_eq!(
        (
            mask.scope,
            mask.owner_may_write,
            mask.reason_code,
            mask.reason_hash
        ),
        (Scope::Whole, false, 7, [0xEE; 32])
    );
    assert_eq!(
        (mask.content_hash, mask.by, mask.since),
        ([0xC0; 32], fx.r[3], T0)
    );
    assert_eq!(
        (fx.c.counts().masked_now, fx.c.counts().masks_applied),
        (1, 1)
    );
    // Another kind with the same id is another target.
    assert!(!fx.c.is_masked(Target::Trade([0xC1; 32])));
    // Several targets in one call, each answered as `mask_of` answers it, in order.
    let targets = vec![
        Target::Trade([0xC1; 32]),
        t.clone(),
        Target::Did([0xC1; 32]),
    ];
    assert_eq!(
        fx.c.masks_of(targets.clone()),
        targets
            .into_iter()
            .map(|t| fx.c.mask_of(t))
            .collect::<Vec<_>>()
    );
    let own = fx.c.mask_of(t.clone());
    assert!(own.is_some());
    assert_eq!(
        fx.c.masks_of(vec![t.clone(), t.clone()]),
        vec![own.clone(), own]
    );
    assert_eq!(fx.c.masks_of(vec![]), vec![]);
    let r0 = fx.r[0];
    fx.fails_cleanly(&t, Error::AlreadyMasked, |fx| {
        fx.mask(r0, credential(), Scope::Whole)
    });
}

#[ink::test]
fn only_unexpired_regulators_mask() {
    let mut fx = Fx::new();
    let t = Target::Did([0xD0; 32]);
    let (stranger, authority, r0) = (fx.stranger, fx.authority, fx.r[0]);
    fx.fails_cleanly(&t, Error::NotRegulator, |fx| {
        fx.mask(stranger, Target::Did([0xD0; 32]), Scope::Whole)
    });
    // An authority is not a regulator by being an authority.
    fx.fails_cleanly(&t, Error::NotRegulator, |fx| {
        fx.mask(authority, Target::Did([0xD0; 32]), Scope::Whole)
    });
    set_now(T0 + 1_000 * HOUR);
    fx.fails_cleanly(&t, Error::NotRegulator, |fx| {
        fx.mask(r0, Target::Did([0xD0; 32]), Scope::Whole)
    });
    set_now(T0 + 1_000 * HOUR - 1);
    fx.mask(r0, t, Scope::Whole).unwrap();
}

#[ink::test]
fn scopes_are_checked() {
    let mut fx = Fx::new();
    let t = Target::Trade([0x77; 32]);
    let r0 = fx.r[0];
    let bad = [
        Scope::Fields(vec![]),
        Scope::Fields(vec![String::new()]),
        Scope::Fields(vec!["x".repeat(33)]),
        Scope::Fields(vec!["price".into(), "price".into()]),
        Scope::Fields((0..17).map(|i| format!("f{i}")).collect()),
    ];
    for scope in bad {
        fx.fails_cleanly(&t, Error::BadScope, |fx| {
            fx.mask(r0, Target::Trade([0x77; 32]), scope)
        });
    }
    // A field the trade's read path does not have would withhold nothing.
    fx.fails_cleanly(
        &t,
        Error::UnknownField {
            field: "deposit".into(),
        },
        |fx| {
            let scope = Scope::Fields(vec!["price".into(), "deposit".into()]);
            fx.mask(r0, Target::Trade([0x77; 32]), scope)
        },
    );
    // The most fields, each of the longest name, are allowed (a boundary mutation testing
    // found untested); a `Record`'s fields are its contract's to name.
    let record = Target::Record {
        contract: AccountId::from([0x3C; 32]),
        key: [1; 32],
    };
    let most = (0..16).map(|i| format!("{i:0>32}")).collect::<Vec<_>>();
    fx.mask(r0, record.clone(), Scope::Fields(most.clone()))
        .unwrap();
    assert_eq!(fx.c.mask_of(record).unwrap().scope, Scope::Fields(most));
    let fields = Scope::Fields(vec!["price".into(), "consumer".into()]);
    fx.mask(r0, t.clone(), fields.clone()).unwrap();
    let mask = fx.c.mask_of(t).unwrap();
    assert!(mask.scope.withholds("price") && !mask.scope.withholds("provider"));
    // Credentials' claims are named by their template: any well-formed name is taken.
    let claims = Scope::Fields(vec!["gpuModel".into()]);
    fx.mask(r0, credential(), claims).unwrap();
}

#[ink::test]
fn unmasking_needs_the_quorum_of_distinct_live_approvals() {
    let mut fx = Fx::new();
    let t = credential();
    let [r0, r1, r2, r3] = fx.r;
    fx.mask(r3, t.clone(), Scope::Whole).unwrap();
    // Off the committee, or not masked: refused.
    fx.fails_cleanly(&t, Error::NotCommitteeMember, |fx| {
        fx.approve(r3, credential())
    });
    fx.fails_cleanly(&t, Error::NotMasked, |fx| {
        fx.approve(r0, Target::Cpt(1_000))
    });
    assert_eq!(fx.approve(r0, t.clone()), Ok(false));
    fx.fails_cleanly(&t, Error::AlreadyApproved, |fx| {
        fx.approve(r0, credential())
    });
    assert!(fx.c.is_masked(t.clone()), "one approval of two");
    assert_eq!(fx.approve(r1, t.clone()), Ok(true));
    assert!(!fx.c.is_masked(t.clone()));
    assert_eq!(
        (fx.c.counts().masked_now, fx.c.counts().masks_applied),
        (0, 1)
    );
    fx.fails_cleanly(&t, Error::NotMasked, |fx| fx.approve(r2, credential()));
    // A new mask starts with no approvals.
    fx.mask(r3, t.clone(), Scope::Whole).unwrap();
    assert_eq!(fx.c.mask_of(t.clone()).unwrap().approvals, vec![]);
    assert_eq!(fx.approve(r1, t.clone()), Ok(false));
    assert_eq!(
        (fx.c.counts().masked_now, fx.c.counts().masks_applied),
        (1, 2)
    );
}

#[ink::test]
fn approvals_expire() {
    let mut fx = Fx::new();
    let t = credential();
    let [r0, r1, _, r3] = fx.r;
    fx.mask(r3, t.clone(), Scope::Whole).unwrap();
    assert_eq!(fx.approve(r0, t.clone()), Ok(false));
    set_now(T0 + TTL);
    // r0's approval expired: r1's is the only live one.
    assert_eq!(fx.approve(r1, t.clone()), Ok(false));
    assert_eq!(
        fx.c.mask_of(t.clone()).unwrap().approvals,
        vec![(r1, T0 + TTL)]
    );
    // r0 may approve again now, and that makes two live approvals.
    assert_eq!(fx.approve(r0, t.clone()), Ok(true));
}

#[ink::test]
fn a_member_whose_role_expired_cannot_approve() {
    let mut fx = Fx::new();
    let t = credential();
    let [r0, r1, _, r3] = fx.r;
    fx.mask(r3, t.clone(), Scope::Whole).unwrap();
    testing::did::with(|w| {
        w.holders
            .insert((r1, Role::Regulator), ([0x91; 32], T0 + 1));
    });
    set_now(T0 + 1);
    fx.fails_cleanly(&t, Error::NotRegulator, |fx| fx.approve(r1, credential()));
    assert_eq!(fx.approve(r0, t), Ok(false));
}

/// Issue 15, finding 7: an approval given while its member held the Regulator role stopped
/// counting nowhere; now a member who lost the role no longer counts towards the quorum.
#[ink::test]
fn an_approval_stops_counting_when_its_member_loses_the_role() {
    let mut fx = Fx::new();
    let t = credential();
    let [r0, r1, r2, r3] = fx.r;
    fx.mask(r3, t.clone(), Scope::Whole).unwrap();
    assert_eq!(fx.approve(r0, t.clone()), Ok(false));
    // r0's role is revoked (the registry no longer lists it).
    testing::did::with(|w| {
        w.holders.remove(&(r0, Role::Regulator));
    });
    assert_eq!(fx.approve(r1, t.clone()), Ok(false), "r0 no longer counts");
    assert_eq!(fx.c.mask_of(t.clone()).unwrap().approvals, vec![(r1, T0)]);
    assert_eq!(fx.approve(r2, t.clone()), Ok(true));
}

#[ink::test]
fn only_root_configures_a_valid_committee() {
    let mut fx = Fx::new();
    let t = credential();
    let [r0, r1, r2, r3] = fx.r;
    let (stranger, authority) = (fx.stranger, fx.authority);
    fx.fails_cleanly(&t, Error::NotRoot, |fx| {
        as_caller(stranger);
        fx.c.set_committee(vec![r0], 1, TTL)
    });
    let many: Vec<AccountId> = (0..17u8).map(|i| AccountId::from([0x40 + i; 32])).collect();
    let cases: Vec<(Vec<AccountId>, u8, u64, Error)> = vec![
        (
            vec![r0, r1],
            0,
            TTL,
            Error::BadCommittee { size: 2, quorum: 0 },
        ),
        (
            vec![r0, r1],
            3,
            TTL,
            Error::BadCommittee { size: 2, quorum: 3 },
        ),
        (
            vec![r0, r0],
            1,
            TTL,
            Error::BadCommittee { size: 2, quorum: 1 },
        ),
        (
            many,
            1,
            TTL,
            Error::BadCommittee {
                size: 17,
                quorum: 1,
            },
        ),
        (
            vec![r0],
            1,
            MIN_APPROVAL_TTL - 1,
            Error::BadApprovalTtl {
                got: MIN_APPROVAL_TTL - 1,
                min: MIN_APPROVAL_TTL,
                max: MAX_APPROVAL_TTL,
            },
        ),
        (
            vec![r0],
            1,
            MAX_APPROVAL_TTL + 1,
            Error::BadApprovalTtl {
                got: MAX_APPROVAL_TTL + 1,
                min: MIN_APPROVAL_TTL,
                max: MAX_APPROVAL_TTL,
            },
        ),
    ];
    for (committee, quorum, ttl, expected) in cases {
        fx.fails_cleanly(&t, expected, |fx| {
            as_caller(authority);
            fx.c.set_committee(committee, quorum, ttl)
        });
    }
    // A member removed from the committee: its pending approval stops counting.
    fx.mask(r3, t.clone(), Scope::Whole).unwrap();
    assert_eq!(fx.approve(r0, t.clone()), Ok(false));
    as_caller(authority);
    fx.c.set_committee(vec![r1, r2, r3], 2, TTL).unwrap();
    assert_eq!(
        fx.approve(r1, t.clone()),
        Ok(false),
        "r0's approval no longer counts"
    );
    assert_eq!(fx.approve(r3, t.clone()), Ok(true));
}

/// The committee reads back as configured; the largest committee (`MAX_COMMITTEE` members)
/// and the longest approval life are allowed (boundaries mutation testing found untested).
#[ink::test]
fn the_committee_reads_back_and_its_bounds_are_inclusive() {
    let mut fx = Fx::new();
    assert_eq!(
        fx.c.committee(),
        Committee {
            members: fx.r[..3].to_vec(),
            quorum: 2,
            approval_ttl: TTL
        }
    );
    let largest: Vec<AccountId> = (0..MAX_COMMITTEE as u8)
        .map(|i| AccountId::from([0x40 + i; 32]))
        .collect();
    as_caller(fx.authority);
    fx.c.set_committee(largest.clone(), 16, MAX_APPROVAL_TTL)
        .unwrap();
    assert_eq!(
        fx.c.committee(),
        Committee {
            members: largest,
            quorum: 16,
            approval_ttl: MAX_APPROVAL_TTL
        }
    );
    assert_eq!(MAX_APPROVAL_TTL, 30 * 24 * 60 * 60 * 1_000, "30 days");
    assert_eq!(MIN_APPROVAL_TTL, 60 * 1_000, "one minute");
}

#[ink::test]
fn without_a_committee_nothing_can_be_unmasked() {
    testing::did::with(|w| *w = Default::default());
    let r = AccountId::from([1; 32]);
    testing::did::with(|w| {
        w.holders.insert((r, Role::Regulator), ([1; 32], u64::MAX));
    });
    set_now(T0);
    as_caller(r);
    let mut c = MaskRegistry::new(AccountId::from([0xD1; 32]));
    c.mask(credential(), Scope::Whole, true, 1, [0; 32], [0; 32])
        .unwrap();
    assert_eq!(c.approve_unmask(credential()), Err(Error::NoCommittee));
    assert!(c.is_masked(credential()));
}

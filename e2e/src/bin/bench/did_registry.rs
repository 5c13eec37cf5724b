//! did_registry on its own chain: creation (own and relayed), every document operation, roles
//! and authorities, the queries on a small and on the largest document, and a query's cost
//! after 1 update vs after 1,000.

use cgrid_e2e::{chain_account, ink_account, sign, sr_method, AccountId32, Backend, Embedded};
use cgrid_shared::{
    did_create_preimage, did_op_preimage, DidCreation, DidId, DidOperation, DidRegistry as _,
    DidSignature, Fact, KeyPurpose, KeyPurposes, KeyType, Role, RoleIndex as _, RoleQuery, Service,
    SignedByDid, Subject,
};
use cgrid_suite::{deploy_dids, Dids, Roles};
use did_registry::{MAX_CONTROLLERS, MAX_KEYS, MAX_SERVICES};
use sp_core::{hashing::blake2_256, sr25519, Pair};

use crate::harness::{label, seed_pair, Bench};
use crate::report::{history_check, Report};

const NAME: &str = "did_registry";

fn rotate(id: &str, to: &sr25519::Pair) -> DidOperation {
    DidOperation::RotateKey {
        id: id.into(),
        key_type: KeyType::Sr25519,
        public_key: to.public().0.to_vec(),
    }
}

fn service(id: &str) -> Service {
    Service {
        id: id.into(),
        service_type: "ComputeGridController".into(),
        endpoint: format!("https://provider-{id}.example.org/api/v1/channels"),
    }
}

pub fn bench(report: &mut Report) {
    report.wasm_sizes(NAME);
    let mut chain = Embedded::new(1_700_000_000_000);
    let root = chain.deployer();
    let users: Vec<AccountId32> = (2..=40u8).map(|i| chain.account([i; 32])).collect();
    for who in std::iter::once(&root).chain(&users) {
        chain.fund(who, Embedded::TOKENS).expect("fund");
    }
    let deployed = deploy_dids(&mut chain, b"").expect("deploy");
    report.constructor_row(NAME, "upload + instantiate", deployed.weight);
    let dids = Dids::at(deployed.address);
    let mut b = Bench {
        chain,
        contract: dids.clone(),
        report,
    };
    let (bob, charlie, dave) = (users[0].clone(), users[1].clone(), users[2].clone());

    // --- creation ---
    b.tx(
        &charlie,
        "empty document",
        dids.msg(|d| d.create_did(DidCreation::default())),
    );
    let key = seed_pair(1);
    let bob_did: DidId = b.tx(
        &bob,
        "1 key, 1 service",
        dids.msg(|d| {
            d.create_did(DidCreation {
                keys: vec![sr_method("key-1", &key, KeyPurposes::ALL)],
                services: vec![service("controller")],
                controllers: vec![],
            })
        }),
    );
    let charlie_did: DidId = b
        .query("", dids.msg(|d| d.did_of(ink_account(&charlie))), false)
        .0
        .expect("did");
    let user = seed_pair(2);
    let user_account = b.chain.account(user.public().0);
    let content = DidCreation {
        keys: vec![sr_method("cap", &user, KeyPurposes::ALL)],
        ..Default::default()
    };
    let sig = sign(
        &user,
        &did_create_preimage(&dids.account(), &ink_account(&user_account), 0, &content),
    );
    let user_did: DidId = b.tx(
        &root,
        "relayed, sr25519, 1 key",
        dids.msg(|d| d.create_did_for(user.public().0, content, sig)),
    );

    // --- keys, services, controllers ---
    let update = |did: DidId, op: DidOperation| dids.msg(|d| d.update(did, op));
    let k2 = seed_pair(3);
    b.tx(
        &bob,
        "AddKey: 2nd key",
        update(
            bob_did,
            DidOperation::AddKey(sr_method("key-2", &k2, KeyPurposes::ALL)),
        ),
    );
    let k3 = seed_pair(4);
    b.tx(
        &bob,
        "RotateKey: 2 keys",
        update(bob_did, rotate("key-2", &k3)),
    );
    b.tx(
        &bob,
        "RemoveKey: 2 keys",
        update(bob_did, DidOperation::RemoveKey { id: "key-2".into() }),
    );
    b.tx(
        &bob,
        "AddService: 2nd service",
        update(bob_did, DidOperation::AddService(service("extra"))),
    );
    b.tx(
        &bob,
        "RemoveService: 2 services",
        update(bob_did, DidOperation::RemoveService { id: "extra".into() }),
    );
    b.tx(
        &bob,
        "AddController: 1st controller",
        update(bob_did, DidOperation::AddController(charlie_did)),
    );
    b.tx(
        &bob,
        "RemoveController: 1 controller",
        update(bob_did, DidOperation::RemoveController(charlie_did)),
    );
    let op = DidOperation::AddService(service("relayed"));
    let op_sig = DidSignature::Sr25519(sign(
        &user,
        &did_op_preimage(&dids.account(), &user_did, 0, &user_did, "cap", &op),
    ));
    b.tx(
        &dave,
        "sr25519, AddService",
        dids.msg(|d| d.execute_signed(user_did, 0, op, user_did, "cap".to_string(), op_sig)),
    );

    // --- authorities and roles ---
    b.tx(&root, "", dids.msg(|d| d.add_authority(ink_account(&dave))));
    b.tx(
        &dave,
        "new grant",
        dids.msg(|d| d.grant_role(bob_did, Role::Provider, u64::MAX / 2, [7u8; 32])),
    );
    b.tx(
        &dave,
        "renewal",
        dids.msg(|d| d.grant_role(bob_did, Role::Provider, u64::MAX / 2, [8u8; 32])),
    );
    b.tx(
        &dave,
        "",
        dids.msg(|d| d.revoke_role(bob_did, Role::Provider)),
    );
    b.tx(
        &root,
        "",
        dids.msg(|d| d.remove_authority(ink_account(&dave))),
    );
    b.tx(
        &root,
        "",
        dids.msg(|d| d.transfer_root(Some(ink_account(&dave)))),
    );
    b.tx(&dave, "", dids.msg(|d| d.accept_root()));
    let root = dave.clone();
    b.tx(
        &root,
        "new grant",
        dids.msg(|d| d.grant_role(bob_did, Role::Consumer, u64::MAX / 2, [7u8; 32])),
    );

    // --- queries, small document ---
    b.query("1 key, 1 service", dids.msg(|d| d.resolve(bob_did)), true);
    b.query(
        "by DID",
        dids.msg(|d| d.has_role(Subject::Did(bob_did), Role::Consumer)),
        true,
    );
    b.query(
        "by account",
        dids.msg(|d| d.has_role(Subject::Account(ink_account(&bob)), Role::Consumer)),
        true,
    );
    b.query("", dids.msg(|d| d.is_authority(ink_account(&root))), true);
    b.query("", dids.msg(|d| d.is_active(bob_did)), true);
    // What the trade path asks instead: the same answers from the registry's role index.
    let bob_consumer = || {
        vec![RoleQuery {
            account: ink_account(&bob),
            role: Role::Consumer,
        }]
    };
    b.query(
        "1 query",
        dids.msg(|d| d.role_holders(bob_consumer())),
        true,
    );
    let (index, _) = b.query("", dids.msg(|d| d.role_index()), true);
    let index = Roles::at(chain_account(&index));
    let (holders, _) = b.query(
        "1 query",
        index.msg(|r| r.role_holders(bob_consumer())),
        true,
    );
    assert_eq!(
        holders,
        [Some(bob_did)],
        "the index names the role's holder"
    );
    b.query("1 DID", index.msg(|r| r.are_active(vec![bob_did])), true);
    b.query(
        "2 DIDs",
        index.msg(|r| r.are_active(vec![bob_did, [0; 32]])),
        true,
    );
    b.query("", dids.msg(|d| d.did_of(ink_account(&bob))), true);
    b.query(
        "account",
        dids.msg(|d| d.can_act_for(bob_did, ink_account(&bob))),
        true,
    );
    let hash = blake2_256(b"credential");
    let vsig = DidSignature::Sr25519([0u8; 64]);
    let real = DidSignature::Sr25519(
        <[u8; 64]>::try_from(AsRef::<[u8]>::as_ref(&key.sign(&hash))).expect("64"),
    );
    let verify = |signature: DidSignature| {
        dids.msg(|d| {
            d.verify_did_signature(
                bob_did,
                "key-1".to_string(),
                KeyPurpose::AssertionMethod,
                hash,
                signature,
            )
        })
    };
    let (ok, _) = b.query("sr25519, valid", verify(real), true);
    assert!(ok, "signature verifies");
    // What vc_templates' `issue` asks, in one call.
    let facts = dids.msg(|d| {
        d.facts(vec![
            Fact::Signed(SignedByDid {
                did: bob_did,
                key_id: "key-1".to_string(),
                purpose: KeyPurpose::AssertionMethod,
                message_hash: hash,
                signature: real,
            }),
            Fact::HoldsRole {
                did: bob_did,
                role: Role::Issuer,
            },
            Fact::Authority(ink_account(&bob)),
            Fact::Active(bob_did),
            Fact::Active(bob_did),
        ])
    });
    let (answers, _) = b.query("5 facts: what issue asks", facts, true);
    assert_eq!(answers, vec![true, false, false, true, true]);
    b.query("sr25519, invalid", verify(vsig), true);
    b.query("1 role", dids.msg(|d| d.roles_of(bob_did)), true);

    // --- the largest document: every bound reached ---
    let full_owner = users[10].clone();
    let full = b.tx(
        &full_owner,
        "empty document",
        dids.msg(|d| d.create_did(DidCreation::default())),
    );
    for i in 0..MAX_KEYS - 1 {
        let k = seed_pair(100 + i);
        let op = DidOperation::AddKey(sr_method(&format!("key-{i:02}"), &k, KeyPurposes::ALL));
        b.chain
            .send(&full_owner, update(full, op))
            .expect("add_key");
    }
    for i in 0..MAX_SERVICES - 1 {
        let op = DidOperation::AddService(service(&format!("svc-{i:02}")));
        b.chain
            .send(&full_owner, update(full, op))
            .expect("add_service");
    }
    for i in 0..MAX_CONTROLLERS - 1 {
        let who = users[11 + usize::try_from(i).expect("small")].clone();
        let c: DidId = b
            .chain
            .send(&who, dids.msg(|d| d.create_did(DidCreation::default())))
            .expect("create")
            .value;
        b.chain
            .send(&full_owner, update(full, DidOperation::AddController(c)))
            .expect("add_controller");
    }
    let last_key = seed_pair(999);
    b.tx(
        &full_owner,
        "AddKey: 20th key (full document)",
        update(
            full,
            DidOperation::AddKey(sr_method("key-last", &last_key, KeyPurposes::ALL)),
        ),
    );
    b.tx(
        &full_owner,
        "AddService: 25th service (full document)",
        update(full, DidOperation::AddService(service("svc-last"))),
    );
    let last_ctl = b
        .chain
        .send(
            &users[30],
            dids.msg(|d| d.create_did(DidCreation::default())),
        )
        .expect("create")
        .value;
    b.tx(
        &full_owner,
        "AddController: 10th controller (full document)",
        update(full, DidOperation::AddController(last_ctl)),
    );
    b.tx(
        &full_owner,
        "RotateKey: full document",
        update(full, rotate("key-last", &seed_pair(1000))),
    );
    b.query(
        "full document (20 keys, 25 services, 10 controllers)",
        dids.msg(|d| d.resolve(full)),
        true,
    );
    let last_controller_account = users[30].clone();
    b.query(
        "via 10th controller",
        dids.msg(|d| d.can_act_for(full, ink_account(&last_controller_account))),
        true,
    );
    b.tx(
        &full_owner,
        "Deactivate: full document",
        update(full, DidOperation::Deactivate),
    );
    b.tx(
        &charlie,
        "Deactivate: empty document",
        update(charlie_did, DidOperation::Deactivate),
    );

    // --- cost after 1 update vs after 1,000 updates ---
    let subject = users[35].clone();
    let sdid = b.tx(
        &subject,
        "empty document",
        dids.msg(|d| d.create_did(DidCreation::default())),
    );
    let history = |b: &mut Bench<'_, did_registry::DidRegistry>, i: u32| {
        let k = if i % 2 == 0 {
            seed_pair(5000)
        } else {
            seed_pair(5001)
        };
        let op = if i == 0 {
            DidOperation::AddKey(sr_method("rot", &k, KeyPurposes::ALL))
        } else {
            rotate("rot", &k)
        };
        b.chain.send(&subject, update(sdid, op)).expect("update");
        let expires_at = u64::MAX / 2 - u64::from(i);
        b.chain
            .send(
                &root,
                dids.msg(|d| d.grant_role(sdid, Role::Provider, expires_at, [1u8; 32])),
            )
            .expect("grant");
    };
    let resolve = dids.msg(|d| d.resolve(sdid));
    let has_role = dids.msg(|d| d.has_role(Subject::Did(sdid), Role::Provider));
    let names = [label(&dids, &resolve), label(&dids, &has_role)];
    let measure = |b: &mut Bench<'_, did_registry::DidRegistry>| {
        let (_, resolve) = b.query("", resolve.clone(), false);
        let (_, has_role) = b.query("", has_role.clone(), false);
        (resolve, has_role)
    };
    history(&mut b, 0);
    history(&mut b, 1); // the document now has its final shape
    let one = measure(&mut b);
    for i in 2..1_001 {
        history(&mut b, i);
    }
    let many = measure(&mut b);
    for (name, a, z) in [(names[0], one.0, many.0), (names[1], one.1, many.1)] {
        b.report.row(NAME, name, "after 1 update", a);
        b.report.row(NAME, name, "after 1,000 updates", z);
        history_check(b.report, &format!("{NAME}::{name}"), "1,000 updates", a, z);
    }
}

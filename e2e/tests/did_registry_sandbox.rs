//! did_registry on the embedded chain with the release bundle, for what ink_e2e cannot show:
//! block time (role expiry), reverts leaving state untouched, and cost independent of history.

use cgrid_e2e::{account, call_data, ink_account, release_wasm, AccountId32, Chain};
use cgrid_shared::{
    DidCreation, DidDocument, DidId, DidOperation, KeyPurposes, KeyType, MaskedView, Role, Service,
    Subject, VerificationMethod,
};
use did_registry::Error;

type Res<T> = Result<T, Error>;

struct Fixture {
    chain: Chain,
    registry: AccountId32,
    root: AccountId32,
}

fn fixture() -> Fixture {
    let mut chain = Chain::new();
    let root = account([1; 32]);
    for i in 1..=4u8 {
        chain.fund(&account([i; 32]), Chain::TOKENS);
    }
    chain.set_time(1_000);
    let wasm = release_wasm("did_registry").expect("release bundle");
    let registry = chain
        .deploy(&wasm, call_data("new", ()), &root, b"")
        .expect("deploy");
    Fixture {
        chain,
        registry,
        root,
    }
}

fn service(id: &str) -> Service {
    Service {
        id: id.into(),
        service_type: "LinkedDomains".into(),
        endpoint: "https://example.org".into(),
    }
}

impl Fixture {
    fn create(&mut self, who: &AccountId32) -> DidId {
        let out = self
            .chain
            .call::<Res<DidId>>(
                &self.registry,
                who,
                call_data("create_did", DidCreation::default()),
            )
            .expect("call");
        out.value.expect("created")
    }

    fn resolve(&mut self, did: DidId) -> Option<DidDocument> {
        let root = self.root.clone();
        self.chain
            .query::<Option<MaskedView<DidDocument>>>(
                &self.registry,
                &root,
                call_data("resolve", did),
            )
            .expect("query")
            .value
            .map(|view| view.record)
    }

    fn has_role(&mut self, subject: Subject, role: Role) -> bool {
        let root = self.root.clone();
        self.chain
            .query(
                &self.registry,
                &root,
                call_data("DidRegistry::has_role", (subject, role)),
            )
            .expect("query")
            .value
    }
}

#[test]
fn roles_expire_with_block_time() {
    let mut f = fixture();
    let bob = account([2; 32]);
    let did = f.create(&bob);
    let root = f.root.clone();
    let grant = f
        .chain
        .call::<Res<()>>(
            &f.registry,
            &root,
            call_data("grant_role", (did, Role::Consumer, 5_000u64, [9u8; 32])),
        )
        .expect("call");
    assert_eq!(grant.value, Ok(()));
    assert!(!grant.reverted);
    assert!(f.has_role(Subject::Did(did), Role::Consumer));
    assert!(f.has_role(Subject::Account(ink_account(&bob)), Role::Consumer));
    f.chain.set_time(4_999);
    assert!(f.has_role(Subject::Did(did), Role::Consumer));
    f.chain.set_time(5_000);
    assert!(!f.has_role(Subject::Did(did), Role::Consumer));
    assert!(!f.has_role(Subject::Account(ink_account(&bob)), Role::Consumer));
    // An expiry in the past is refused.
    let late = f
        .chain
        .call::<Res<()>>(
            &f.registry,
            &root,
            call_data("grant_role", (did, Role::Consumer, 4_000u64, [9u8; 32])),
        )
        .expect("call");
    assert_eq!(
        late.value,
        Err(Error::ExpiryInPast {
            now: 5_000,
            expires_at: 4_000
        })
    );
    assert!(late.reverted);
}

#[test]
fn a_failing_message_reverts_everything() {
    let mut f = fixture();
    let bob = account([2; 32]);
    let did = f.create(&bob);
    let before = f.resolve(did);
    // A creation whose second service is a duplicate: the DID is not created at all.
    let charlie = account([3; 32]);
    let bad = DidCreation {
        services: vec![service("a"), service("a")],
        ..Default::default()
    };
    let out = f
        .chain
        .call::<Res<DidId>>(&f.registry, &charlie, call_data("create_did", bad))
        .expect("call");
    assert_eq!(out.value, Err(Error::DuplicateServiceId));
    assert!(out.reverted);
    let did_of: Option<DidId> = f
        .chain
        .query(
            &f.registry,
            &charlie,
            call_data("DidRegistry::did_of", ink_account(&charlie)),
        )
        .expect("query")
        .value;
    assert_eq!(did_of, None);
    // A key with a wrong-length public key on an existing DID.
    let bad_key = VerificationMethod {
        id: "k".into(),
        key_type: KeyType::Ecdsa,
        public_key: vec![2; 32],
        purposes: KeyPurposes::ALL,
    };
    let out = f
        .chain
        .call::<Res<()>>(
            &f.registry,
            &bob,
            call_data("update", (did, DidOperation::AddKey(bad_key))),
        )
        .expect("call");
    assert!(out.reverted);
    assert_eq!(f.resolve(did), before);
    let count: u64 = f
        .chain
        .query(&f.registry, &bob, call_data("did_count", ()))
        .expect("query")
        .value;
    assert_eq!(count, 1);
}

#[test]
fn resolve_and_has_role_cost_does_not_grow_with_history() {
    let mut f = fixture();
    let bob = account([2; 32]);
    let did = f.create(&bob);
    let root = f.root.clone();
    let weigh = |f: &mut Fixture| {
        let resolve = f
            .chain
            .query::<Option<MaskedView<DidDocument>>>(&f.registry, &root, call_data("resolve", did))
            .expect("query")
            .weight;
        let has_role = f
            .chain
            .query::<bool>(
                &f.registry,
                &root,
                call_data("DidRegistry::has_role", (Subject::Did(did), Role::Provider)),
            )
            .expect("query")
            .weight;
        (resolve, has_role)
    };
    let update = |f: &mut Fixture, i: u32| {
        let svc = call_data(
            "update",
            (
                did,
                DidOperation::AddService(service(&format!("s{}", i % 2))),
            ),
        );
        let out = f
            .chain
            .call::<Res<()>>(&f.registry, &bob, svc)
            .expect("call");
        assert_eq!(out.value, Ok(()));
        let rm = call_data(
            "update",
            (
                did,
                DidOperation::RemoveService {
                    id: format!("s{}", i % 2),
                },
            ),
        );
        assert_eq!(
            f.chain
                .call::<Res<()>>(&f.registry, &bob, rm)
                .expect("call")
                .value,
            Ok(())
        );
        let grant = call_data(
            "grant_role",
            (did, Role::Provider, 1_000_000u64 + u64::from(i), [1u8; 32]),
        );
        assert_eq!(
            f.chain
                .call::<Res<()>>(&f.registry, &root, grant)
                .expect("call")
                .value,
            Ok(())
        );
    };
    update(&mut f, 0);
    let after_one = weigh(&mut f);
    for i in 1..200 {
        update(&mut f, i);
    }
    let after_many = weigh(&mut f);
    // Current state only: the same state costs exactly the same, whatever the history.
    assert_eq!(after_one, after_many);
}

//! Unit tests on ink!'s off-chain environment: every message, every failure path, and for every
//! failure that nothing observable changed.

use crate::did_registry::DidRegistry;
use crate::*;
use cgrid_shared::{
    did_create_hash, did_id_hash, did_op_hash, DidCreation, DidId, DidOperation, DidRegistry as _,
    DidSignature, Fact, KeyPurpose, KeyPurposes, KeyType, Role, RoleQuery, Service, SignedByDid,
    Subject, VerificationMethod,
};
use ink::env::hash::Blake2x256;
use ink::env::test::{self, DefaultAccounts};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;

// --- fixtures ------------------------------------------------------------------------------

/// The document changes by name, as thin wrappers over `update`.
trait Ops {
    fn op(&mut self, did: DidId, op: DidOperation) -> did_registry::Result<()>;
    fn add_key(&mut self, did: DidId, m: VerificationMethod) -> did_registry::Result<()> {
        self.op(did, DidOperation::AddKey(m))
    }
    fn remove_key(&mut self, did: DidId, id: String) -> did_registry::Result<()> {
        self.op(did, DidOperation::RemoveKey { id })
    }
    fn rotate_key(
        &mut self,
        did: DidId,
        id: String,
        key_type: KeyType,
        public_key: Vec<u8>,
    ) -> did_registry::Result<()> {
        self.op(
            did,
            DidOperation::RotateKey {
                id,
                key_type,
                public_key,
            },
        )
    }
    fn add_service(&mut self, did: DidId, s: Service) -> did_registry::Result<()> {
        self.op(did, DidOperation::AddService(s))
    }
    fn remove_service(&mut self, did: DidId, id: String) -> did_registry::Result<()> {
        self.op(did, DidOperation::RemoveService { id })
    }
    fn add_controller(&mut self, did: DidId, c: DidId) -> did_registry::Result<()> {
        self.op(did, DidOperation::AddController(c))
    }
    fn remove_controller(&mut self, did: DidId, c: DidId) -> did_registry::Result<()> {
        self.op(did, DidOperation::RemoveController(c))
    }
    fn deactivate(&mut self, did: DidId) -> did_registry::Result<()> {
        self.op(did, DidOperation::Deactivate)
    }
}

impl Ops for DidRegistry {
    fn op(&mut self, did: DidId, op: DidOperation) -> did_registry::Result<()> {
        self.update(did, op)
    }
}

fn accounts() -> DefaultAccounts<Env> {
    test::default_accounts::<Env>()
}

fn set_caller(account: AccountId) {
    test::set_caller::<Env>(account);
}

fn set_now(ms: u64) {
    test::set_block_timestamp::<Env>(ms);
}

fn registry() -> DidRegistry {
    set_caller(accounts().alice);
    DidRegistry::new()
}

fn blake2(input: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    ink::env::hash_bytes::<Blake2x256>(input, &mut out);
    out
}

fn contract_address() -> AccountId {
    ink::env::account_id::<Env>()
}

fn event_count() -> usize {
    test::recorded_events().count()
}

struct SrKey(schnorrkel::Keypair);

impl SrKey {
    fn new(seed: u8) -> Self {
        let mini = schnorrkel::MiniSecretKey::from_bytes(&[seed; 32]).expect("32 bytes");
        SrKey(mini.expand_to_keypair(schnorrkel::ExpansionMode::Ed25519))
    }
    fn public(&self) -> [u8; 32] {
        self.0.public.to_bytes()
    }
    fn sign(&self, hash: &[u8; 32]) -> [u8; 64] {
        let ctx = schnorrkel::signing_context(b"substrate");
        self.0.sign(ctx.bytes(hash)).to_bytes()
    }
    fn method(&self, id: &str, purposes: KeyPurposes) -> VerificationMethod {
        VerificationMethod {
            id: id.into(),
            key_type: KeyType::Sr25519,
            public_key: self.public().to_vec(),
            purposes,
        }
    }
}

struct EcKey(secp256k1::SecretKey);

impl EcKey {
    fn new(seed: u8) -> Self {
        EcKey(secp256k1::SecretKey::from_slice(&[seed; 32]).expect("valid scalar"))
    }
    fn public(&self) -> Vec<u8> {
        secp256k1::PublicKey::from_secret_key(secp256k1::SECP256K1, &self.0)
            .serialize()
            .to_vec()
    }
    fn sign(&self, hash: &[u8; 32]) -> [u8; 65] {
        let msg = secp256k1::Message::from_digest_slice(hash).expect("32 bytes");
        let (rec, compact) = secp256k1::SECP256K1
            .sign_ecdsa_recoverable(&msg, &self.0)
            .serialize_compact();
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&compact);
        out[64] = u8::try_from(rec.to_i32()).expect("0..=3");
        out
    }
}

fn capability() -> KeyPurposes {
    KeyPurposes {
        capability_invocation: true,
        ..Default::default()
    }
}

fn service(id: &str) -> Service {
    Service {
        id: id.into(),
        service_type: "ComputeGridController".into(),
        endpoint: "https://provider.example/api".into(),
    }
}

fn create_as(c: &mut DidRegistry, account: AccountId, content: DidCreation) -> DidId {
    set_caller(account);
    c.create_did(content).expect("create_did")
}

/// A signature by `key`, listed as `key_id` of `signer`, over `op` on `did` at its current nonce.
fn sign_as(
    c: &DidRegistry,
    key: &SrKey,
    did: DidId,
    signer: DidId,
    key_id: &str,
    op: &DidOperation,
) -> DidSignature {
    let nonce = c.resolve(did).expect("did").record.nonce;
    DidSignature::Sr25519(key.sign(&did_op_hash(
        &contract_address(),
        &did,
        nonce,
        &signer,
        key_id,
        op,
    )))
}

/// A signature by the DID's own key `cap`.
fn sign_op(c: &DidRegistry, key: &SrKey, did: DidId, op: &DidOperation) -> DidSignature {
    sign_as(c, key, did, did, "cap", op)
}

/// Everything observable about the registry for the given DIDs and accounts.
fn snapshot(c: &DidRegistry, dids: &[DidId], accounts: &[AccountId]) -> String {
    let per_did: Vec<_> = dids
        .iter()
        .map(|d| {
            (
                c.resolve(*d),
                c.roles_of(*d),
                Role::ALL.map(|r| c.role_grant(*d, r)),
            )
        })
        .collect();
    let per_account: Vec<_> = accounts
        .iter()
        .map(|a| (c.did_of(*a), c.generation_of(*a), c.is_authority(*a)))
        .collect();
    format!(
        "{per_did:?} {per_account:?} {:?} {:?} {:?} {} {} events={}",
        c.mask_registry(),
        c.root(),
        c.pending_root(),
        c.authority_count(),
        c.did_count(),
        event_count()
    )
}

/// Runs `f`, asserts it failed with `expected` and that nothing observable changed.
fn fails_cleanly<T: core::fmt::Debug>(
    c: &mut DidRegistry,
    dids: &[DidId],
    expected: Error,
    f: impl FnOnce(&mut DidRegistry) -> did_registry::Result<T>,
) {
    let a = accounts();
    let everyone = [a.alice, a.bob, a.charlie, a.django, a.eve, a.frank];
    let before = snapshot(c, dids, &everyone);
    let result = f(c);
    assert_eq!(result.unwrap_err(), expected);
    assert_eq!(
        snapshot(c, dids, &everyone),
        before,
        "state changed on {expected:?}"
    );
}

// --- constructors and authorities ----------------------------------------------------------

#[ink::test]
fn new_makes_the_caller_root() {
    let c = registry();
    assert_eq!(c.root(), accounts().alice);
    assert!(c.is_authority(accounts().alice));
    assert!(!c.is_authority(accounts().bob));
    assert_eq!(c.authority_count(), 1);
    assert_eq!(c.pending_root(), None);
    assert_eq!(c.did_count(), 0);
}

#[ink::test]
fn with_root_sets_the_given_root() {
    set_caller(accounts().bob);
    let c = DidRegistry::with_root(accounts().charlie);
    assert_eq!(c.root(), accounts().charlie);
    assert!(!c.is_authority(accounts().bob));
}

#[ink::test]
fn root_adds_and_removes_authorities() {
    let mut c = registry();
    let a = accounts();
    c.add_authority(a.bob).unwrap();
    assert!(c.is_authority(a.bob));
    assert_eq!(c.authority_count(), 2);
    fails_cleanly(&mut c, &[], Error::AlreadyAuthority, |c| {
        c.add_authority(a.bob)
    });
    fails_cleanly(&mut c, &[], Error::AlreadyAuthority, |c| {
        c.add_authority(a.alice)
    });
    set_caller(a.bob);
    fails_cleanly(&mut c, &[], Error::NotRoot, |c| c.add_authority(a.charlie));
    fails_cleanly(&mut c, &[], Error::NotRoot, |c| c.remove_authority(a.bob));
    set_caller(a.alice);
    fails_cleanly(&mut c, &[], Error::CannotRemoveRoot, |c| {
        c.remove_authority(a.alice)
    });
    fails_cleanly(&mut c, &[], Error::UnknownAuthority, |c| {
        c.remove_authority(a.charlie)
    });
    c.remove_authority(a.bob).unwrap();
    assert!(!c.is_authority(a.bob));
    assert_eq!(c.authority_count(), 1);
}

#[ink::test]
fn root_transfer_takes_two_steps() {
    let mut c = registry();
    let a = accounts();
    set_caller(a.bob);
    fails_cleanly(&mut c, &[], Error::NotRoot, |c| {
        c.transfer_root(Some(a.bob))
    });
    set_caller(a.alice);
    c.transfer_root(Some(a.bob)).unwrap();
    assert_eq!(c.pending_root(), Some(a.bob));
    assert_eq!(c.root(), a.alice, "root changes only on acceptance");
    set_caller(a.charlie);
    fails_cleanly(&mut c, &[], Error::NotPendingRoot, |c| c.accept_root());
    set_caller(a.bob);
    c.accept_root().unwrap();
    assert_eq!(c.root(), a.bob);
    assert_eq!(c.pending_root(), None);
    assert!(
        !c.is_authority(a.alice),
        "the old root is no longer an authority"
    );
    set_caller(a.alice);
    fails_cleanly(&mut c, &[], Error::NotRoot, |c| c.add_authority(a.charlie));
}

#[ink::test]
fn accepting_root_as_an_authority_does_not_double_count() {
    let mut c = registry();
    let a = accounts();
    c.add_authority(a.bob).unwrap();
    c.transfer_root(Some(a.bob)).unwrap();
    set_caller(a.bob);
    c.accept_root().unwrap();
    assert_eq!(c.authority_count(), 1);
    fails_cleanly(&mut c, &[], Error::CannotRemoveRoot, |c| {
        c.remove_authority(a.bob)
    });
}

// --- creating DIDs -------------------------------------------------------------------------

#[ink::test]
fn create_did_derives_the_id_and_stores_the_document() {
    let mut c = registry();
    let a = accounts();
    set_now(1_000);
    let key = SrKey::new(1);
    let content = DidCreation {
        keys: vec![key.method("key-1", KeyPurposes::ALL)],
        services: vec![service("controller")],
        controllers: vec![],
    };
    let did = create_as(&mut c, a.bob, content.clone());
    assert_eq!(did, did_id_hash(&contract_address(), &a.bob, 0));
    let doc = c.resolve(did).unwrap().record;
    assert_eq!(doc.id, did);
    assert_eq!(doc.account, a.bob);
    assert_eq!(doc.verification_methods, content.keys);
    assert_eq!(doc.services, content.services);
    assert!(doc.controllers.is_empty());
    assert_eq!(
        (doc.created_at, doc.updated_at, doc.nonce),
        (1_000, 1_000, 0)
    );
    assert!(!doc.deactivated);
    assert_eq!(c.did_of(a.bob), Some(did));
    assert_eq!(c.generation_of(a.bob), 1);
    assert_eq!(c.generation_of(a.charlie), 0, "an account without a DID");
    assert_eq!(c.did_count(), 1);
    assert!(c.is_active(did));
    assert_eq!(event_count(), 1, "one DidCreated with the whole content");
}

#[ink::test]
fn an_account_has_one_active_did() {
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    fails_cleanly(&mut c, &[did], Error::AccountHasDid(did), |c| {
        c.create_did(DidCreation::default())
    });
}

#[ink::test]
fn invalid_initial_content_creates_nothing() {
    let mut c = registry();
    let a = accounts();
    set_caller(a.bob);
    let key = SrKey::new(1);
    let bad_key = VerificationMethod {
        public_key: vec![1; 31],
        ..key.method("k", KeyPurposes::ALL)
    };
    let expected_did = did_id_hash(&contract_address(), &a.bob, 0);
    fails_cleanly(
        &mut c,
        &[expected_did],
        Error::BadPublicKeyLength {
            key_type: KeyType::Sr25519,
            expected: 32,
            got: 31,
        },
        |c| {
            c.create_did(DidCreation {
                keys: vec![key.method("ok", KeyPurposes::ALL), bad_key],
                ..Default::default()
            })
        },
    );
    fails_cleanly(&mut c, &[expected_did], Error::DuplicateServiceId, |c| {
        c.create_did(DidCreation {
            services: vec![service("s"), service("s")],
            ..Default::default()
        })
    });
    fails_cleanly(&mut c, &[expected_did], Error::DidNotFound([9; 32]), |c| {
        c.create_did(DidCreation {
            controllers: vec![[9; 32]],
            ..Default::default()
        })
    });
    let too_many = (0..=MAX_KEYS)
        .map(|i| SrKey::new(u8::try_from(i + 10).unwrap()).method(&format!("k{i}"), capability()))
        .collect();
    fails_cleanly(
        &mut c,
        &[expected_did],
        Error::TooMany {
            what: Limit::Keys,
            max: MAX_KEYS,
        },
        |c| {
            c.create_did(DidCreation {
                keys: too_many,
                ..Default::default()
            })
        },
    );
    assert_eq!(c.did_count(), 0);
}

#[ink::test]
fn relayed_creation_binds_the_did_to_the_signing_key() {
    let mut c = registry();
    let a = accounts();
    let user = SrKey::new(42);
    let account = AccountId::from(user.public());
    let content = DidCreation {
        keys: vec![user.method("key-1", KeyPurposes::ALL)],
        ..Default::default()
    };
    let sig = user.sign(&did_create_hash(&contract_address(), &account, 0, &content));
    // Signed by someone else: rejected.
    let other = SrKey::new(43);
    let forged = other.sign(&did_create_hash(&contract_address(), &account, 0, &content));
    set_caller(a.alice);
    fails_cleanly(&mut c, &[], Error::BadSignature, |c| {
        c.create_did_for(user.public(), content.clone(), forged)
    });
    // Content changed after signing: rejected.
    fails_cleanly(&mut c, &[], Error::BadSignature, |c| {
        c.create_did_for(user.public(), DidCreation::default(), sig)
    });
    let did = c
        .create_did_for(user.public(), content.clone(), sig)
        .unwrap();
    let doc = c.resolve(did).unwrap().record;
    assert_eq!(doc.account, account);
    assert_eq!(c.did_of(account), Some(did));
    assert_eq!(c.did_of(a.alice), None, "the relayer gets no DID");
    // The user deactivates; replaying the old creation signature cannot recreate a DID.
    set_caller(account);
    c.deactivate(did).unwrap();
    set_caller(a.alice);
    fails_cleanly(&mut c, &[did], Error::BadSignature, |c| {
        c.create_did_for(user.public(), content.clone(), sig)
    });
}

#[ink::test]
fn a_creation_signature_is_bound_to_this_registry() {
    let mut c = registry();
    let user = SrKey::new(42);
    let account = AccountId::from(user.public());
    let content = DidCreation::default();
    let sig = user.sign(&did_create_hash(
        &AccountId::from([0xEE; 32]),
        &account,
        0,
        &content,
    ));
    fails_cleanly(&mut c, &[], Error::BadSignature, |c| {
        c.create_did_for(user.public(), content.clone(), sig)
    });
}

// --- keys ----------------------------------------------------------------------------------

#[ink::test]
fn keys_are_added_rotated_and_removed() {
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    set_now(5);
    let k1 = SrKey::new(1);
    c.add_key(did, k1.method("key-1", KeyPurposes::ALL))
        .unwrap();
    let ec = EcKey::new(3);
    c.add_key(
        did,
        VerificationMethod {
            id: "ec".into(),
            key_type: KeyType::Ecdsa,
            public_key: ec.public(),
            purposes: capability(),
        },
    )
    .unwrap();
    let k2 = SrKey::new(2);
    c.rotate_key(did, "key-1".into(), KeyType::Sr25519, k2.public().to_vec())
        .unwrap();
    let doc = c.resolve(did).unwrap().record;
    assert_eq!(doc.verification_methods.len(), 2);
    assert_eq!(doc.verification_methods[0].public_key, k2.public().to_vec());
    assert_eq!(doc.verification_methods[0].purposes, KeyPurposes::ALL);
    assert_eq!(doc.updated_at, 5);
    c.remove_key(did, "ec".into()).unwrap();
    assert_eq!(c.resolve(did).unwrap().record.verification_methods.len(), 1);
}

#[ink::test]
fn bad_keys_are_rejected_without_change() {
    let mut c = registry();
    let a = accounts();
    let k1 = SrKey::new(1);
    let did = create_as(
        &mut c,
        a.bob,
        DidCreation {
            keys: vec![k1.method("key-1", KeyPurposes::ALL)],
            ..Default::default()
        },
    );
    let d = [did];
    let k2 = SrKey::new(2);
    fails_cleanly(&mut c, &d, Error::DuplicateKeyId, |c| {
        c.add_key(did, k2.method("key-1", capability()))
    });
    fails_cleanly(&mut c, &d, Error::DuplicatePublicKey, |c| {
        c.add_key(did, k1.method("key-2", capability()))
    });
    fails_cleanly(&mut c, &d, Error::NoKeyPurpose, |c| {
        c.add_key(did, k2.method("key-2", KeyPurposes::default()))
    });
    fails_cleanly(
        &mut c,
        &d,
        Error::BadLength {
            field: Field::KeyId,
            len: 0,
            max: MAX_ID_LEN,
        },
        |c| c.add_key(did, k2.method("", capability())),
    );
    let long = "x".repeat(33);
    fails_cleanly(
        &mut c,
        &d,
        Error::BadLength {
            field: Field::KeyId,
            len: 33,
            max: MAX_ID_LEN,
        },
        |c| c.add_key(did, k2.method(&long, capability())),
    );
    fails_cleanly(
        &mut c,
        &d,
        Error::BadPublicKeyLength {
            key_type: KeyType::Ecdsa,
            expected: 33,
            got: 32,
        },
        |c| {
            c.add_key(
                did,
                VerificationMethod {
                    key_type: KeyType::Ecdsa,
                    ..k2.method("ec", capability())
                },
            )
        },
    );
    fails_cleanly(&mut c, &d, Error::KeyNotFound, |c| {
        c.remove_key(did, "nope".into())
    });
    fails_cleanly(&mut c, &d, Error::KeyNotFound, |c| {
        c.rotate_key(did, "nope".into(), KeyType::Sr25519, k2.public().to_vec())
    });
    fails_cleanly(
        &mut c,
        &d,
        Error::BadPublicKeyLength {
            key_type: KeyType::Sr25519,
            expected: 32,
            got: 3,
        },
        |c| c.rotate_key(did, "key-1".into(), KeyType::Sr25519, vec![1, 2, 3]),
    );
    fails_cleanly(&mut c, &d, Error::DuplicatePublicKey, |c| {
        c.rotate_key(did, "key-1".into(), KeyType::Sr25519, k1.public().to_vec())
    });
}

#[ink::test]
fn key_count_is_bounded() {
    let mut c = registry();
    let did = create_as(&mut c, accounts().bob, DidCreation::default());
    for i in 0..MAX_KEYS {
        let key = SrKey::new(u8::try_from(i + 1).unwrap());
        c.add_key(did, key.method(&format!("k{i}"), capability()))
            .unwrap();
    }
    let extra = SrKey::new(200);
    fails_cleanly(
        &mut c,
        &[did],
        Error::TooMany {
            what: Limit::Keys,
            max: MAX_KEYS,
        },
        |c| c.add_key(did, extra.method("extra", capability())),
    );
}

#[ink::test]
fn only_the_account_or_a_controller_may_change_a_did() {
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    set_caller(a.charlie);
    let key = SrKey::new(1);
    fails_cleanly(&mut c, &[did], Error::NotController(did), |c| {
        c.add_key(did, key.method("k", capability()))
    });
    fails_cleanly(&mut c, &[did], Error::NotController(did), |c| {
        c.add_service(did, service("s"))
    });
    fails_cleanly(&mut c, &[did], Error::NotController(did), |c| {
        c.deactivate(did)
    });
    set_caller(a.alice);
    fails_cleanly(&mut c, &[did], Error::NotController(did), |c| {
        c.add_controller(did, [1; 32])
    });
    fails_cleanly(&mut c, &[did], Error::DidNotFound([7; 32]), |c| {
        c.add_key([7; 32], key.method("k", capability()))
    });
}

// --- services ------------------------------------------------------------------------------

#[ink::test]
fn services_are_added_removed_and_bounded() {
    let mut c = registry();
    let did = create_as(&mut c, accounts().bob, DidCreation::default());
    for i in 0..MAX_SERVICES {
        c.add_service(did, service(&format!("s{i}"))).unwrap();
    }
    let d = [did];
    fails_cleanly(
        &mut c,
        &d,
        Error::TooMany {
            what: Limit::Services,
            max: MAX_SERVICES,
        },
        |c| c.add_service(did, service("one-more")),
    );
    c.remove_service(did, "s3".into()).unwrap();
    fails_cleanly(&mut c, &d, Error::ServiceNotFound, |c| {
        c.remove_service(did, "s3".into())
    });
    fails_cleanly(&mut c, &d, Error::DuplicateServiceId, |c| {
        c.add_service(did, service("s4"))
    });
    // Every text of a service at its longest is accepted (a boundary the mutation run found
    // untested).
    let longest = Service {
        id: "i".repeat(MAX_ID_LEN as usize),
        service_type: "t".repeat(MAX_SERVICE_TYPE_LEN as usize),
        endpoint: "e".repeat(MAX_ENDPOINT_LEN as usize),
    };
    c.add_service(did, longest).unwrap();
    c.remove_service(did, "i".repeat(MAX_ID_LEN as usize))
        .unwrap();
    let long_endpoint = Service {
        endpoint: "h".repeat(257),
        ..service("s3")
    };
    fails_cleanly(
        &mut c,
        &d,
        Error::BadLength {
            field: Field::ServiceEndpoint,
            len: 257,
            max: MAX_ENDPOINT_LEN,
        },
        |c| c.add_service(did, long_endpoint),
    );
    let no_type = Service {
        service_type: String::new(),
        ..service("s3")
    };
    fails_cleanly(
        &mut c,
        &d,
        Error::BadLength {
            field: Field::ServiceType,
            len: 0,
            max: MAX_SERVICE_TYPE_LEN,
        },
        |c| c.add_service(did, no_type),
    );
    c.add_service(did, service("s3")).unwrap();
    assert_eq!(c.resolve(did).unwrap().record.services.len(), 25);
}

// --- controllers ---------------------------------------------------------------------------

#[ink::test]
fn controllers_may_act_for_the_did() {
    let mut c = registry();
    let a = accounts();
    let org = create_as(&mut c, a.charlie, DidCreation::default());
    let did = create_as(
        &mut c,
        a.bob,
        DidCreation {
            controllers: vec![org],
            ..Default::default()
        },
    );
    assert!(c.can_act_for(did, a.bob));
    assert!(c.can_act_for(did, a.charlie));
    assert!(!c.can_act_for(did, a.django));
    set_caller(a.charlie);
    c.add_service(did, service("managed")).unwrap();
    let d = [did, org];
    fails_cleanly(&mut c, &d, Error::DuplicateController, |c| {
        c.add_controller(did, org)
    });
    fails_cleanly(&mut c, &d, Error::SelfController, |c| {
        c.add_controller(did, did)
    });
    fails_cleanly(&mut c, &d, Error::DidNotFound([5; 32]), |c| {
        c.add_controller(did, [5; 32])
    });
    fails_cleanly(&mut c, &d, Error::ControllerNotFound, |c| {
        c.remove_controller(did, [5; 32])
    });
    set_caller(a.bob);
    c.remove_controller(did, org).unwrap();
    assert!(!c.can_act_for(did, a.charlie));
    set_caller(a.charlie);
    fails_cleanly(&mut c, &d, Error::NotController(did), |c| {
        c.add_service(did, service("again"))
    });
}

#[ink::test]
fn a_deactivated_controller_loses_its_power() {
    let mut c = registry();
    let a = accounts();
    let org = create_as(&mut c, a.charlie, DidCreation::default());
    let did = create_as(
        &mut c,
        a.bob,
        DidCreation {
            controllers: vec![org],
            ..Default::default()
        },
    );
    set_caller(a.charlie);
    c.deactivate(org).unwrap();
    assert!(!c.can_act_for(did, a.charlie));
    fails_cleanly(&mut c, &[did, org], Error::NotController(did), |c| {
        c.add_service(did, service("x"))
    });
    // Nor can a deactivated DID become a controller.
    let other = create_as(&mut c, a.django, DidCreation::default());
    fails_cleanly(
        &mut c,
        &[did, org, other],
        Error::DidDeactivated(org),
        |c| c.add_controller(other, org),
    );
}

#[ink::test]
fn controller_count_is_bounded() {
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    let mut controllers = vec![];
    for i in 0..=MAX_CONTROLLERS {
        controllers.push(create_as(
            &mut c,
            AccountId::from([u8::try_from(100 + i).unwrap(); 32]),
            DidCreation::default(),
        ));
    }
    set_caller(a.bob);
    for ctl in &controllers[..usize::try_from(MAX_CONTROLLERS).unwrap()] {
        c.add_controller(did, *ctl).unwrap();
    }
    let last = *controllers.last().unwrap();
    fails_cleanly(
        &mut c,
        &[did],
        Error::TooMany {
            what: Limit::Controllers,
            max: MAX_CONTROLLERS,
        },
        |c| c.add_controller(did, last),
    );
}

// --- deactivation --------------------------------------------------------------------------

#[ink::test]
fn deactivation_is_final_and_ids_are_never_reused() {
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    set_caller(a.alice);
    c.grant_role(did, Role::Provider, 1_000, [1; 32]).unwrap();
    assert!(c.has_role(Subject::Did(did), Role::Provider));
    set_caller(a.bob);
    c.deactivate(did).unwrap();
    let doc = c.resolve(did).unwrap().record;
    assert!(doc.deactivated);
    assert!(!c.is_active(did));
    assert_eq!(c.did_of(a.bob), None);
    assert!(!c.has_role(Subject::Did(did), Role::Provider));
    assert!(!c.has_role(Subject::Account(a.bob), Role::Provider));
    assert!(!c.can_act_for(did, a.bob));
    assert!(c.roles_of(did).is_empty());
    let d = [did];
    fails_cleanly(&mut c, &d, Error::DidDeactivated(did), |c| {
        c.deactivate(did)
    });
    fails_cleanly(&mut c, &d, Error::DidDeactivated(did), |c| {
        c.add_service(did, service("s"))
    });
    set_caller(a.alice);
    fails_cleanly(&mut c, &d, Error::DidDeactivated(did), |c| {
        c.grant_role(did, Role::Consumer, 1_000, [0; 32])
    });
    // The account may start again, under a new id; the old one stays deactivated.
    let again = create_as(&mut c, a.bob, DidCreation::default());
    assert_ne!(again, did);
    assert_eq!(again, did_id_hash(&contract_address(), &a.bob, 1));
    assert!(c.resolve(did).unwrap().record.deactivated);
    assert!(!c.has_role(Subject::Account(a.bob), Role::Provider));
}

// --- relayed operations --------------------------------------------------------------------

fn did_with_key(c: &mut DidRegistry, account: AccountId, key: &SrKey) -> DidId {
    create_as(
        c,
        account,
        DidCreation {
            keys: vec![key.method("cap", capability())],
            ..Default::default()
        },
    )
}

#[ink::test]
fn a_signed_operation_is_applied_once() {
    let mut c = registry();
    let a = accounts();
    let key = SrKey::new(1);
    let did = did_with_key(&mut c, a.bob, &key);
    let op = DidOperation::AddService(service("relayed"));
    let sig = sign_op(&c, &key, did, &op);
    set_caller(a.eve); // a relayer with no rights over the DID
    c.execute_signed(did, 0, op.clone(), did, "cap".into(), sig)
        .unwrap();
    let doc = c.resolve(did).unwrap().record;
    assert_eq!(doc.services, vec![service("relayed")]);
    assert_eq!(doc.nonce, 1);
    fails_cleanly(
        &mut c,
        &[did],
        Error::BadNonce {
            expected: 1,
            got: 0,
        },
        |c| c.execute_signed(did, 0, op.clone(), did, "cap".into(), sig),
    );
    // Same op and nonce 1 but the old signature: bad signature.
    fails_cleanly(&mut c, &[did], Error::BadSignature, |c| {
        c.execute_signed(did, 1, op.clone(), did, "cap".into(), sig)
    });
}

#[ink::test]
fn signed_operations_check_key_purpose_and_scheme() {
    let mut c = registry();
    let a = accounts();
    let key = SrKey::new(1);
    let did = did_with_key(&mut c, a.bob, &key);
    set_caller(a.bob);
    let auth_only = SrKey::new(2);
    c.add_key(
        did,
        auth_only.method(
            "auth",
            KeyPurposes {
                authentication: true,
                ..Default::default()
            },
        ),
    )
    .unwrap();
    let ed = SrKey::new(3);
    c.add_key(
        did,
        VerificationMethod {
            key_type: KeyType::Ed25519,
            ..ed.method("ed", capability())
        },
    )
    .unwrap();
    // Two keys were added: the nonce is 2.
    let op = DidOperation::RemoveKey { id: "auth".into() };
    let d = [did];
    let by_auth = sign_as(&c, &auth_only, did, did, "auth", &op);
    fails_cleanly(
        &mut c,
        &d,
        Error::KeyLacksPurpose(KeyPurpose::CapabilityInvocation),
        |c| c.execute_signed(did, 2, op.clone(), did, "auth".into(), by_auth),
    );
    let by_ed = sign_as(&c, &ed, did, did, "ed", &op);
    fails_cleanly(
        &mut c,
        &d,
        Error::UnsupportedSignatureKey(KeyType::Ed25519),
        |c| c.execute_signed(did, 2, op.clone(), did, "ed".into(), by_ed),
    );
    fails_cleanly(&mut c, &d, Error::SignatureSchemeMismatch, |c| {
        c.execute_signed(
            did,
            2,
            op.clone(),
            did,
            "cap".into(),
            DidSignature::Ecdsa([0; 65]),
        )
    });
    fails_cleanly(&mut c, &d, Error::KeyNotFound, |c| {
        c.execute_signed(did, 2, op.clone(), did, "missing".into(), by_auth)
    });
    // A valid signature by a different key under the capability key's id.
    fails_cleanly(&mut c, &d, Error::BadSignature, |c| {
        c.execute_signed(did, 2, op.clone(), did, "cap".into(), by_auth)
    });
}

#[ink::test]
fn a_signed_operation_is_bound_to_this_registry_and_did() {
    let mut c = registry();
    let a = accounts();
    let key = SrKey::new(1);
    let did = did_with_key(&mut c, a.bob, &key);
    // The same key in another DID: only the DID in the payload tells them apart.
    let other = did_with_key(&mut c, a.charlie, &key);
    let op = DidOperation::Deactivate;
    let elsewhere = DidSignature::Sr25519(key.sign(&did_op_hash(
        &AccountId::from([0xEE; 32]),
        &did,
        0,
        &did,
        "cap",
        &op,
    )));
    fails_cleanly(&mut c, &[did, other], Error::BadSignature, |c| {
        c.execute_signed(did, 0, op.clone(), did, "cap".into(), elsewhere)
    });
    // A signature over `did` cannot be used on `other`, even with the same key id.
    let for_did = sign_op(&c, &key, did, &op);
    fails_cleanly(&mut c, &[did, other], Error::BadSignature, |c| {
        c.execute_signed(other, 0, op.clone(), other, "cap".into(), for_did)
    });
}

#[ink::test]
fn a_controllers_key_may_sign_and_others_may_not() {
    let mut c = registry();
    let a = accounts();
    let org_key = SrKey::new(7);
    let org = did_with_key(&mut c, a.charlie, &org_key);
    let did = create_as(
        &mut c,
        a.bob,
        DidCreation {
            controllers: vec![org],
            ..Default::default()
        },
    );
    let stranger_key = SrKey::new(8);
    let stranger = did_with_key(&mut c, a.django, &stranger_key);
    let op = DidOperation::AddService(service("by-org"));
    let by_stranger = sign_as(&c, &stranger_key, did, stranger, "cap", &op);
    fails_cleanly(
        &mut c,
        &[did, org, stranger],
        Error::SignerNotController(stranger),
        |c| c.execute_signed(did, 0, op.clone(), stranger, "cap".into(), by_stranger),
    );
    let by_org = sign_as(&c, &org_key, did, org, "cap", &op);
    set_caller(a.eve);
    c.execute_signed(did, 0, op, org, "cap".into(), by_org)
        .unwrap();
    assert_eq!(c.resolve(did).unwrap().record.services.len(), 1);
    assert_eq!(c.resolve(did).unwrap().record.nonce, 1);
    assert_eq!(c.resolve(org).unwrap().record.nonce, 0);
}

#[ink::test]
fn ecdsa_keys_sign_operations() {
    let mut c = registry();
    let a = accounts();
    let ec = EcKey::new(5);
    let did = create_as(
        &mut c,
        a.bob,
        DidCreation {
            keys: vec![VerificationMethod {
                id: "ec".into(),
                key_type: KeyType::Ecdsa,
                public_key: ec.public(),
                purposes: capability(),
            }],
            ..Default::default()
        },
    );
    let op = DidOperation::AddService(service("ecdsa"));
    let hash = did_op_hash(&contract_address(), &did, 0, &did, "ec", &op);
    let wrong = EcKey::new(6).sign(&hash);
    fails_cleanly(&mut c, &[did], Error::BadSignature, |c| {
        c.execute_signed(
            did,
            0,
            op.clone(),
            did,
            "ec".into(),
            DidSignature::Ecdsa(wrong),
        )
    });
    let sig = DidSignature::Ecdsa(ec.sign(&hash));
    c.execute_signed(did, 0, op, did, "ec".into(), sig).unwrap();
    assert_eq!(c.resolve(did).unwrap().record.nonce, 1);
}

#[ink::test]
fn a_signed_operation_that_fails_changes_nothing() {
    let mut c = registry();
    let a = accounts();
    let key = SrKey::new(1);
    let did = did_with_key(&mut c, a.bob, &key);
    let op = DidOperation::RemoveService {
        id: "absent".into(),
    };
    let sig = sign_op(&c, &key, did, &op);
    fails_cleanly(&mut c, &[did], Error::ServiceNotFound, |c| {
        c.execute_signed(did, 0, op.clone(), did, "cap".into(), sig)
    });
    assert_eq!(
        c.resolve(did).unwrap().record.nonce,
        0,
        "the nonce is not consumed"
    );
}

#[ink::test]
fn verify_did_signature_checks_key_and_purpose() {
    let mut c = registry();
    let a = accounts();
    let issuer = SrKey::new(11);
    let did = create_as(
        &mut c,
        a.bob,
        DidCreation {
            keys: vec![issuer.method(
                "assert",
                KeyPurposes {
                    assertion_method: true,
                    key_agreement: true,
                    ..Default::default()
                },
            )],
            ..Default::default()
        },
    );
    let hash = blake2(b"a credential");
    let sig = DidSignature::Sr25519(issuer.sign(&hash));
    assert!(c.verify_did_signature(did, "assert".into(), KeyPurpose::AssertionMethod, hash, sig));
    assert!(!c.verify_did_signature(did, "assert".into(), KeyPurpose::Authentication, hash, sig));
    assert!(!c.verify_did_signature(did, "assert".into(), KeyPurpose::KeyAgreement, hash, sig));
    assert!(!c.verify_did_signature(
        did,
        "assert".into(),
        KeyPurpose::AssertionMethod,
        blake2(b"another"),
        sig
    ));
    set_caller(a.bob);
    c.deactivate(did).unwrap();
    assert!(!c.verify_did_signature(did, "assert".into(), KeyPurpose::AssertionMethod, hash, sig));
}

/// `facts` answers each fact as the message of the same meaning does, in order, whatever the
/// mix (a DID, its controller, a stranger, a role, an authority, a signature, a deactivated DID).
#[ink::test]
fn facts_answer_as_the_messages_of_the_same_meaning() {
    let mut c = registry();
    let a = accounts();
    let issuer = SrKey::new(12);
    let did = create_as(
        &mut c,
        a.bob,
        DidCreation {
            keys: vec![issuer.method(
                "assert",
                KeyPurposes {
                    assertion_method: true,
                    ..Default::default()
                },
            )],
            ..Default::default()
        },
    );
    let gone = create_as(&mut c, a.django, DidCreation::default());
    set_caller(a.django);
    c.deactivate(gone).unwrap();
    set_caller(a.alice);
    c.grant_role(did, Role::Issuer, u64::MAX, [1; 32]).unwrap();
    let hash = blake2(b"a credential");
    let sig = DidSignature::Sr25519(issuer.sign(&hash));
    let signed = |purpose, message_hash| {
        Fact::Signed(SignedByDid {
            did,
            key_id: "assert".into(),
            purpose,
            message_hash,
            signature: sig,
        })
    };
    let facts = vec![
        Fact::Active(did),
        Fact::Active(gone),
        Fact::HoldsRole {
            did,
            role: Role::Issuer,
        },
        Fact::HoldsRole {
            did,
            role: Role::Provider,
        },
        Fact::ActsFor {
            did,
            account: a.bob,
        },
        Fact::ActsFor {
            did,
            account: a.eve,
        },
        Fact::Authority(a.alice),
        Fact::Authority(a.eve),
        signed(KeyPurpose::AssertionMethod, hash),
        signed(KeyPurpose::AssertionMethod, blake2(b"another")),
        signed(KeyPurpose::Authentication, hash),
    ];
    let one_by_one: Vec<bool> = facts
        .iter()
        .map(|fact| match fact.clone() {
            Fact::Active(did) => c.is_active(did),
            Fact::HoldsRole { did, role } => c.has_role(Subject::Did(did), role),
            Fact::ActsFor { did, account } => c.can_act_for(did, account),
            Fact::Authority(account) => c.is_authority(account),
            Fact::Signed(s) => {
                c.verify_did_signature(s.did, s.key_id, s.purpose, s.message_hash, s.signature)
            }
        })
        .collect();
    assert_eq!(
        one_by_one,
        [true, false, true, false, true, false, true, false, true, false, false]
    );
    assert_eq!(c.facts(facts), one_by_one);
    assert_eq!(c.facts(Vec::new()), Vec::<bool>::new());
}

// --- roles ---------------------------------------------------------------------------------

#[ink::test]
fn authorities_grant_roles_that_expire() {
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    set_now(100);
    set_caller(a.alice);
    c.add_authority(a.charlie).unwrap();
    set_caller(a.charlie);
    c.grant_role(did, Role::Consumer, 200, [7; 32]).unwrap();
    let grant = c.role_grant(did, Role::Consumer).unwrap();
    assert_eq!(grant.granted_by, a.charlie);
    assert_eq!(
        (grant.granted_at, grant.expires_at, grant.evidence),
        (100, 200, [7; 32])
    );
    assert!(c.has_role(Subject::Did(did), Role::Consumer));
    assert!(c.has_role(Subject::Account(a.bob), Role::Consumer));
    assert!(!c.has_role(Subject::Did(did), Role::Provider));
    assert!(!c.has_role(Subject::Account(a.django), Role::Consumer));
    assert_eq!(c.roles_of(did).len(), 1);
    assert_eq!(
        c.role_holders(vec![
            RoleQuery {
                account: a.bob,
                role: Role::Consumer
            },
            RoleQuery {
                account: a.bob,
                role: Role::Provider
            },
            RoleQuery {
                account: a.django,
                role: Role::Consumer
            },
        ]),
        vec![Some(did), None, None],
        "one answer per query, in order"
    );
    set_now(199);
    assert!(c.has_role(Subject::Did(did), Role::Consumer));
    set_now(200);
    assert!(
        !c.has_role(Subject::Did(did), Role::Consumer),
        "expired at expires_at"
    );
    assert_eq!(
        c.role_holders(vec![RoleQuery {
            account: a.bob,
            role: Role::Consumer
        }]),
        vec![None]
    );
    assert!(c.roles_of(did).is_empty());
    assert!(
        c.role_grant(did, Role::Consumer).is_some(),
        "the record is kept"
    );
    // Renewal.
    c.grant_role(did, Role::Consumer, 500, [8; 32]).unwrap();
    assert!(c.has_role(Subject::Account(a.bob), Role::Consumer));
}

#[ink::test]
fn role_grants_and_revocations_are_guarded() {
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    set_now(100);
    set_caller(a.bob);
    fails_cleanly(&mut c, &[did], Error::NotAuthority, |c| {
        c.grant_role(did, Role::Provider, 1_000, [0; 32])
    });
    set_caller(a.alice);
    fails_cleanly(
        &mut c,
        &[did],
        Error::ExpiryInPast {
            now: 100,
            expires_at: 100,
        },
        |c| c.grant_role(did, Role::Provider, 100, [0; 32]),
    );
    fails_cleanly(&mut c, &[did], Error::DidNotFound([3; 32]), |c| {
        c.grant_role([3; 32], Role::Provider, 1_000, [0; 32])
    });
    fails_cleanly(
        &mut c,
        &[did],
        Error::RoleNotGranted(Role::Regulator),
        |c| c.revoke_role(did, Role::Regulator),
    );
    c.grant_role(did, Role::Regulator, 1_000, [0; 32]).unwrap();
    set_caller(a.bob);
    fails_cleanly(&mut c, &[did], Error::NotAuthority, |c| {
        c.revoke_role(did, Role::Regulator)
    });
    set_caller(a.alice);
    c.revoke_role(did, Role::Regulator).unwrap();
    assert!(!c.has_role(Subject::Did(did), Role::Regulator));
    assert_eq!(c.role_grant(did, Role::Regulator), None);
}

#[ink::test]
fn a_removed_authority_can_no_longer_grant() {
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    set_caller(a.alice);
    c.add_authority(a.charlie).unwrap();
    c.remove_authority(a.charlie).unwrap();
    set_caller(a.charlie);
    fails_cleanly(&mut c, &[did], Error::NotAuthority, |c| {
        c.grant_role(did, Role::Issuer, 1_000, [0; 32])
    });
}

#[ink::test]
fn every_change_emits_an_event() {
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    let mut expected = 1;
    assert_eq!(event_count(), expected);
    let key = SrKey::new(1);
    type Step<'a> = Box<dyn Fn(&mut DidRegistry) -> did_registry::Result<()> + 'a>;
    let steps: Vec<Step> = vec![
        Box::new(|c| c.add_key(did, key.method("k", capability()))),
        Box::new(|c| c.rotate_key(did, "k".into(), KeyType::Sr25519, vec![9; 32])),
        Box::new(|c| c.remove_key(did, "k".into())),
        Box::new(|c| c.add_service(did, service("s"))),
        Box::new(|c| c.remove_service(did, "s".into())),
    ];
    set_caller(a.bob);
    for step in steps {
        step(&mut c).unwrap();
        expected += 1;
        assert_eq!(event_count(), expected);
    }
    set_caller(a.alice);
    c.add_authority(a.charlie).unwrap();
    c.grant_role(did, Role::Issuer, 1_000, [0; 32]).unwrap();
    c.revoke_role(did, Role::Issuer).unwrap();
    c.remove_authority(a.charlie).unwrap();
    c.transfer_root(Some(a.django)).unwrap();
    set_caller(a.django);
    c.accept_root().unwrap();
    set_caller(a.bob);
    c.deactivate(did).unwrap();
    assert_eq!(event_count(), expected + 7);
}

#[ink::test]
fn a_direct_change_invalidates_a_withheld_signature() {
    let mut c = registry();
    let a = accounts();
    let key = SrKey::new(1);
    let did = did_with_key(&mut c, a.bob, &key);
    let op = DidOperation::AddService(service("late"));
    let sig = sign_op(&c, &key, did, &op);
    set_caller(a.bob);
    c.add_service(did, service("first")).unwrap();
    assert_eq!(c.resolve(did).unwrap().record.nonce, 1);
    set_caller(a.eve);
    fails_cleanly(
        &mut c,
        &[did],
        Error::BadNonce {
            expected: 1,
            got: 0,
        },
        |c| c.execute_signed(did, 0, op.clone(), did, "cap".into(), sig),
    );
}

#[ink::test]
fn signed_operations_on_deactivated_dids_or_by_removed_controllers_fail() {
    let mut c = registry();
    let a = accounts();
    let org_key = SrKey::new(7);
    let org = did_with_key(&mut c, a.charlie, &org_key);
    let did = create_as(
        &mut c,
        a.bob,
        DidCreation {
            controllers: vec![org],
            ..Default::default()
        },
    );
    set_caller(a.bob);
    c.remove_controller(did, org).unwrap();
    let op = DidOperation::AddService(service("x"));
    let by_org = sign_as(&c, &org_key, did, org, "cap", &op);
    fails_cleanly(&mut c, &[did, org], Error::SignerNotController(org), |c| {
        c.execute_signed(did, 1, op.clone(), org, "cap".into(), by_org)
    });
    c.deactivate(did).unwrap();
    fails_cleanly(&mut c, &[did, org], Error::DidDeactivated(did), |c| {
        c.execute_signed(did, 2, op.clone(), org, "cap".into(), by_org)
    });
    fails_cleanly(&mut c, &[did, org], Error::DidNotFound([4; 32]), |c| {
        c.execute_signed([4; 32], 0, op.clone(), org, "cap".into(), by_org)
    });
}

#[ink::test]
fn deactivation_drops_keys_services_and_roles() {
    let mut c = registry();
    let a = accounts();
    let key = SrKey::new(1);
    let did = did_with_key(&mut c, a.bob, &key);
    set_caller(a.bob);
    c.add_service(did, service("s")).unwrap();
    set_caller(a.alice);
    c.grant_role(did, Role::Issuer, 1_000, [1; 32]).unwrap();
    set_caller(a.bob);
    c.deactivate(did).unwrap();
    let doc = c.resolve(did).unwrap().record;
    assert!(doc.deactivated);
    assert!(doc.verification_methods.is_empty());
    assert!(doc.services.is_empty());
    assert_eq!(c.role_grant(did, Role::Issuer), None);
}

#[ink::test]
fn rotation_cannot_take_another_keys_material() {
    let mut c = registry();
    let a = accounts();
    let (k1, k2) = (SrKey::new(1), SrKey::new(2));
    let did = create_as(
        &mut c,
        a.bob,
        DidCreation {
            keys: vec![
                k1.method("one", capability()),
                k2.method("two", capability()),
            ],
            ..Default::default()
        },
    );
    fails_cleanly(&mut c, &[did], Error::DuplicatePublicKey, |c| {
        c.rotate_key(did, "one".into(), KeyType::Sr25519, k2.public().to_vec())
    });
    // Rotation may change the key type (here to an ecdsa key).
    let ec = EcKey::new(3);
    c.rotate_key(did, "one".into(), KeyType::Ecdsa, ec.public())
        .unwrap();
    assert_eq!(
        c.resolve(did).unwrap().record.verification_methods[0].key_type,
        KeyType::Ecdsa
    );
}

#[ink::test]
fn more_creation_failures() {
    let mut c = registry();
    let a = accounts();
    let own_id = did_id_hash(&contract_address(), &a.bob, 0);
    set_caller(a.bob);
    fails_cleanly(&mut c, &[own_id], Error::SelfController, |c| {
        c.create_did(DidCreation {
            controllers: vec![own_id],
            ..Default::default()
        })
    });
    let no_id = Service {
        id: String::new(),
        ..service("s")
    };
    fails_cleanly(
        &mut c,
        &[own_id],
        Error::BadLength {
            field: Field::ServiceId,
            len: 0,
            max: MAX_ID_LEN,
        },
        |c| {
            c.create_did(DidCreation {
                services: vec![no_id],
                ..Default::default()
            })
        },
    );
    // A relayed creation for an account that already has a DID.
    let user = SrKey::new(42);
    let account = AccountId::from(user.public());
    let did = create_as(&mut c, account, DidCreation::default());
    let content = DidCreation::default();
    set_caller(a.alice);
    let current = user.sign(&did_create_hash(
        &contract_address(),
        &account,
        c.generation_of(account),
        &content,
    ));
    fails_cleanly(&mut c, &[did], Error::AccountHasDid(did), |c| {
        c.create_did_for(user.public(), content.clone(), current)
    });
}

#[ink::test]
fn a_root_proposal_can_be_replaced_or_withdrawn() {
    let mut c = registry();
    let a = accounts();
    c.transfer_root(Some(a.bob)).unwrap();
    c.transfer_root(Some(a.charlie)).unwrap();
    set_caller(a.bob);
    fails_cleanly(&mut c, &[], Error::NotPendingRoot, |c| c.accept_root());
    set_caller(a.alice);
    c.transfer_root(None).unwrap();
    assert_eq!(c.pending_root(), None);
    set_caller(a.charlie);
    fails_cleanly(&mut c, &[], Error::NotPendingRoot, |c| c.accept_root());
}

// --- masks -----------------------------------------------------------------------------------

/// Issue 15, finding 3: one authority other than root could unwire the mask registry (and so
/// every regulator's mask) or make itself a regulator.
#[ink::test]
fn only_root_names_the_mask_registry_and_grants_the_regulator_role() {
    let mut c = registry();
    let a = accounts();
    set_caller(a.alice);
    c.add_authority(a.charlie).unwrap();
    let did = create_as(&mut c, a.charlie, DidCreation::default());
    for who in [a.bob, a.charlie] {
        set_caller(who);
        fails_cleanly(&mut c, &[did], Error::NotRoot, |c| {
            c.set_mask_registry(Some(a.frank))
        });
    }
    set_caller(a.charlie);
    fails_cleanly(&mut c, &[did], Error::NotRoot, |c| {
        c.grant_role(did, Role::Regulator, 1_000, [0; 32])
    });
    // Other roles stay any authority's to grant.
    c.grant_role(did, Role::Provider, 1_000, [0; 32]).unwrap();
    set_caller(a.alice);
    c.grant_role(did, Role::Regulator, 1_000, [0; 32]).unwrap();
    // Nor can it strip the regulators of their role (and so of their masks' committee).
    set_caller(a.charlie);
    fails_cleanly(&mut c, &[did], Error::NotRoot, |c| {
        c.revoke_role(did, Role::Regulator)
    });
    c.revoke_role(did, Role::Provider).unwrap();
    assert!(c.is_root(a.alice) && !c.is_root(a.charlie));
    set_caller(a.alice);
    c.set_mask_registry(Some(a.frank)).unwrap();
    assert_eq!(c.mask_registry(), Some(a.frank));
    c.set_mask_registry(None).unwrap();
    assert_eq!(c.mask_registry(), None);
}

#[ink::test]
fn resolve_withholds_what_a_mask_names_and_says_why() {
    use cgrid_shared::{testing, Scope, Target};
    let mut c = registry();
    let a = accounts();
    let did = create_as(
        &mut c,
        a.bob,
        DidCreation {
            services: vec![service("controller")],
            ..Default::default()
        },
    );
    let full = c.resolve(did).unwrap();
    assert_eq!(full.masked, None);
    assert_eq!(full.record.services.len(), 1);

    let mask = testing::mask::mask(Scope::Fields(vec!["service".into()]), false);
    testing::mask::set(&Target::Did(did), Some(mask));
    // No registry named yet: masks are not consulted.
    assert_eq!(c.resolve(did).unwrap(), full);

    set_caller(a.alice);
    c.set_mask_registry(Some(a.frank)).unwrap();
    let view = c.resolve(did).unwrap();
    assert!(view.record.services.is_empty());
    assert_eq!(
        view.record.account, a.bob,
        "only the named field is withheld"
    );
    let marker = view.masked.expect("marker");
    assert_eq!(marker.withheld, vec![String::from("service")]);
    assert_eq!((marker.reason_code, marker.since), (42, 1_000));
    assert_eq!(marker.content_hash, [0xE2; 32]);

    // Whole-record mask: the account and every list are withheld, the id and nonce stay.
    testing::mask::set(
        &Target::Did(did),
        Some(testing::mask::mask(Scope::Whole, false)),
    );
    let view = c.resolve(did).unwrap();
    assert_eq!(view.record.account, AccountId::from([0; 32]));
    assert_eq!((view.record.id, view.record.nonce), (did, 0));
    assert_eq!(view.masked.unwrap().withheld.len(), 4);

    // Lifted: shown in full again — nothing stored had changed.
    testing::mask::set(&Target::Did(did), None);
    assert_eq!(c.resolve(did).unwrap(), full);
}

#[ink::test]
fn owners_cannot_change_a_masked_did_unless_the_mask_allows_it() {
    use cgrid_shared::{testing, Scope, Target};
    let mut c = registry();
    let a = accounts();
    let key = SrKey::new(3);
    let did = did_with_key(&mut c, a.bob, &key);
    set_caller(a.alice);
    c.set_mask_registry(Some(a.frank)).unwrap();
    testing::mask::set(
        &Target::Did(did),
        Some(testing::mask::mask(
            Scope::Fields(vec!["service".into()]),
            false,
        )),
    );
    let masked = Error::Masked {
        did,
        reason_code: 42,
    };
    set_caller(a.bob);
    fails_cleanly(&mut c, &[did], masked.clone(), |c| {
        c.add_service(did, service("elsewhere"))
    });
    fails_cleanly(&mut c, &[did], masked.clone(), |c| c.deactivate(did));
    // A relayed, key-signed change is the owner's too.
    let op = DidOperation::AddService(service("relayed"));
    let signature = sign_op(&c, &key, did, &op);
    set_caller(a.eve);
    fails_cleanly(&mut c, &[did], masked, |c| {
        c.execute_signed(did, 0, op.clone(), did, "cap".into(), signature)
    });
    // Authorities' role grants are not the owner's writes.
    set_caller(a.alice);
    c.grant_role(did, Role::Provider, 10_000, [0; 32]).unwrap();
    // A field mask lets the owner change the fields it does not withhold.
    set_caller(a.bob);
    c.add_key(did, SrKey::new(4).method("second", capability()))
        .unwrap();
    assert_eq!(c.resolve(did).unwrap().record.verification_methods.len(), 2);

    // A mask that lets the owner write.
    testing::mask::set(
        &Target::Did(did),
        Some(testing::mask::mask(
            Scope::Fields(vec!["service".into()]),
            true,
        )),
    );
    set_caller(a.eve);
    let signature = sign_op(&c, &key, did, &op);
    c.execute_signed(did, 1, op, did, "cap".into(), signature)
        .unwrap();
    testing::mask::set(&Target::Did(did), None);
    assert_eq!(c.resolve(did).unwrap().record.services.len(), 1);
}

// Finding 4 of the review: `did_of` linked an account to a DID masked whole, and a DID update
// under a mask the owner may write through published the withheld fields in `DidUpdated`.
#[ink::test]
fn a_mask_that_hides_the_account_hides_it_from_did_of_and_later_events() {
    use crate::events::DidUpdated;
    use cgrid_shared::{testing, Scope, Target};
    use scale::Decode as _;
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    set_caller(a.alice);
    c.set_mask_registry(Some(a.frank)).unwrap();
    assert_eq!(c.did_of(a.bob), Some(did));
    // A mask that leaves the account shown leaves `did_of` alone.
    let services = Scope::Fields(vec!["service".into()]);
    testing::mask::set(&Target::Did(did), Some(testing::mask::mask(services, true)));
    assert_eq!(c.did_of(a.bob), Some(did));

    let last_update = || -> DidUpdated {
        let event = test::recorded_events().last().expect("an event");
        DidUpdated::decode(&mut &event.data[..]).expect("a DidUpdated")
    };
    // Under it, an update of a shown field is published in full...
    set_caller(a.bob);
    c.add_key(did, SrKey::new(4).method("second", capability()))
        .unwrap();
    let shown = last_update();
    assert_eq!(shown.account, a.bob);
    assert!(matches!(shown.op, Some(DidOperation::AddKey(_))));
    // ...and one of a withheld field is not.
    c.add_service(did, service("hidden")).unwrap();
    let event = last_update();
    assert_eq!((event.did, event.account, event.op), (did, a.bob, None));

    for scope in [Scope::Whole, Scope::Fields(vec!["account".into()])] {
        testing::mask::set(
            &Target::Did(did),
            Some(testing::mask::mask(scope.clone(), true)),
        );
        assert_eq!(c.did_of(a.bob), None, "{scope:?}");
        // The owner may still write; the event names neither its account nor, under a whole
        // mask, the operation.
        let n = c.resolve(did).unwrap().record.nonce;
        c.add_key(
            did,
            SrKey::new(5 + n as u8).method(&format!("k{n}"), capability()),
        )
        .unwrap();
        let event = last_update();
        assert_eq!(event.account, AccountId::from([0; 32]), "{scope:?}");
        assert_eq!(event.op.is_none(), scope == Scope::Whole, "{scope:?}");
        assert!(
            !test::recorded_events()
                .last()
                .unwrap()
                .topics
                .iter()
                .any(|t| t.as_slice() == AsRef::<[u8]>::as_ref(&a.bob)),
            "the account is no topic"
        );
    }
    testing::mask::set(&Target::Did(did), None);
    assert_eq!(c.did_of(a.bob), Some(did));
}

// --- the role index --------------------------------------------------------------------------

#[ink::test]
fn the_constructor_instantiates_the_role_index_it_names() {
    let c = registry();
    assert_eq!(c.role_index(), cgrid_shared::testing::roles::index());
    assert_eq!(cgrid_shared::testing::did::with(|t| t.role_indexes), 1);
}

/// Every change that changes a `role_holders` or `is_active` answer reaches the index, in
/// order, and nothing else does (the e2e differential test shows the index then answers as the
/// registry does).
#[ink::test]
fn every_change_of_a_role_answer_is_mirrored_to_the_role_index() {
    use cgrid_shared::RoleChange::*;
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    set_caller(a.alice);
    c.grant_role(did, Role::Provider, 1_000, [1; 32]).unwrap();
    c.grant_role(did, Role::Provider, 2_000, [2; 32]).unwrap();
    c.grant_role(did, Role::Consumer, 3_000, [3; 32]).unwrap();
    c.revoke_role(did, Role::Consumer).unwrap();
    set_caller(a.bob);
    c.add_service(did, service("s")).unwrap();
    c.deactivate(did).unwrap();
    let changes = cgrid_shared::testing::did::with(|t| t.role_changes.clone());
    let granted = |role, expires_at| RoleGranted {
        did,
        role,
        expires_at,
    };
    assert_eq!(
        changes,
        [
            DidCreated {
                account: a.bob,
                did
            },
            granted(Role::Provider, 1_000),
            granted(Role::Provider, 2_000),
            granted(Role::Consumer, 3_000),
            RoleRevoked {
                did,
                role: Role::Consumer
            },
            DidDeactivated {
                account: a.bob,
                did
            },
        ]
    );
}

/// A change the index refuses is an error (on chain the whole transaction reverts, so the
/// registry and its index never disagree).
#[ink::test]
fn a_change_the_role_index_refuses_fails() {
    let mut c = registry();
    let a = accounts();
    let did = create_as(&mut c, a.bob, DidCreation::default());
    cgrid_shared::testing::did::with(|t| t.index_refuses = true);
    set_caller(a.alice);
    assert_eq!(
        c.grant_role(did, Role::Provider, 1_000, [1; 32]),
        Err(Error::RoleIndexRefused)
    );
    set_caller(a.charlie);
    assert_eq!(
        c.create_did(DidCreation::default()),
        Err(Error::RoleIndexRefused)
    );
}

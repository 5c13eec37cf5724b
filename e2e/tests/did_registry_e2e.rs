//! did_registry end to end with ink_e2e: the real `.contract` bundle is built, deployed and
//! called through its generated call builder — on the in-process runtime
//! (`backend(runtime_only)`), and the same scenario on substrate-contracts-node (the node tier,
//! `#[ignore]`d here: `scripts/node-tier.sh` runs it with `CONTRACTS_NODE` set).

use cgrid_e2e::{sign, sr_method};
use cgrid_shared::{
    did_create_preimage, did_op_preimage, DidCreation, DidOperation, DidRegistry as _,
    DidSignature, KeyPurpose, KeyPurposes, Role, Service, Subject,
};
use did_registry::{DidRegistry, DidRegistryRef, Error};
use ink::primitives::AccountId;
use ink_e2e::{ContractsBackend, E2EBackend};
use sp_core::{hashing::blake2_256, sr25519, Pair};

type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Far in the future: the sandbox's block time is the wall clock.
const NEVER: u64 = u64::MAX / 2;

fn account_of(keypair: &ink_e2e::Keypair) -> AccountId {
    AccountId::from(keypair.public_key().0)
}

fn service(id: &str) -> Service {
    Service {
        id: id.into(),
        service_type: "ComputeGridController".into(),
        endpoint: "https://provider.example/api".into(),
    }
}

#[ink_e2e::test(backend(runtime_only))]
async fn dids_roles_and_resolution<Client: E2EBackend>(client: Client) -> E2EResult<()> {
    scenario(client, false).await
}

#[ink_e2e::test]
#[ignore = "node tier: needs substrate-contracts-node (CONTRACTS_NODE); scripts/node-tier.sh runs it"]
async fn dids_roles_and_resolution_on_a_node<Client: E2EBackend>(client: Client) -> E2EResult<()> {
    scenario(client, true).await
}

/// DIDs, roles, authorities and deactivation. `on_node`: a node's client dry-runs a call
/// before submitting it and refuses to submit one that reverts; the embedded runtime submits
/// it and the contract reverts in the block.
async fn scenario<Client>(mut client: Client, on_node: bool) -> E2EResult<()>
where
    Client: E2EBackend,
    <Client as ContractsBackend<ink::env::DefaultEnvironment>>::Error: std::error::Error + 'static,
{
    let mut ctor = DidRegistryRef::new();
    let contract = client
        .instantiate("did_registry", &ink_e2e::alice(), &mut ctor)
        .submit()
        .await
        .expect("instantiate");
    let mut registry = contract.call_builder::<DidRegistry>();

    // Bob creates a DID with a key and a service.
    let key = sr25519::Pair::from_seed(&[1; 32]);
    let content = DidCreation {
        keys: vec![sr_method("key-1", &key, KeyPurposes::ALL)],
        services: vec![service("controller")],
        controllers: vec![],
    };
    let did = client
        .call(&ink_e2e::bob(), &registry.create_did(content.clone()))
        .submit()
        .await
        .expect("create_did")
        .return_value()
        .expect("create_did ok");
    let bob = account_of(&ink_e2e::bob());

    let doc = client
        .call(&ink_e2e::charlie(), &registry.resolve(did))
        .dry_run()
        .await?
        .return_value()
        .expect("resolves")
        .record;
    assert_eq!(doc.account, bob);
    assert_eq!(doc.verification_methods, content.keys);
    assert_eq!(doc.services, content.services);
    assert!(!doc.deactivated);

    // A second DID for the same account is refused, and nothing changes.
    let again = client
        .call(
            &ink_e2e::bob(),
            &registry.create_did(DidCreation::default()),
        )
        .dry_run()
        .await?
        .return_value();
    assert_eq!(again, Err(Error::AccountHasDid(did)));
    // Submitted for real: the contract reverts, the error comes back, nothing is stored.
    let submitted = client
        .call(
            &ink_e2e::bob(),
            &registry.create_did(DidCreation::default()),
        )
        .submit()
        .await;
    if on_node {
        assert!(submitted.is_err(), "a reverting call is not submitted");
    } else {
        let submitted = submitted.expect("the transaction itself goes through");
        assert_eq!(submitted.return_value(), Err(Error::AccountHasDid(did)));
    }
    let count = client
        .call(&ink_e2e::bob(), &registry.did_count())
        .dry_run()
        .await?
        .return_value();
    assert_eq!(count, 1);

    // Only an authority grants roles; the role is visible by DID and by account.
    let by_bob = client
        .call(
            &ink_e2e::bob(),
            &registry.grant_role(did, Role::Provider, NEVER, [7; 32]),
        )
        .dry_run()
        .await?
        .return_value();
    assert_eq!(by_bob, Err(Error::NotAuthority));
    client
        .call(
            &ink_e2e::alice(),
            &registry.grant_role(did, Role::Provider, NEVER, [7; 32]),
        )
        .submit()
        .await
        .expect("grant_role");
    for subject in [Subject::Did(did), Subject::Account(bob)] {
        let has = client
            .call(
                &ink_e2e::charlie(),
                &registry.has_role(subject, Role::Provider),
            )
            .dry_run()
            .await?
            .return_value();
        assert!(has, "{subject:?} is a provider");
    }
    let consumer = client
        .call(
            &ink_e2e::charlie(),
            &registry.has_role(Subject::Did(did), Role::Consumer),
        )
        .dry_run()
        .await?
        .return_value();
    assert!(!consumer);

    // Revocation.
    client
        .call(
            &ink_e2e::alice(),
            &registry.revoke_role(did, Role::Provider),
        )
        .submit()
        .await
        .expect("revoke_role");
    let has = client
        .call(
            &ink_e2e::charlie(),
            &registry.has_role(Subject::Did(did), Role::Provider),
        )
        .dry_run()
        .await?
        .return_value();
    assert!(!has);

    // A new authority may grant; once removed it may not.
    let dave = account_of(&ink_e2e::dave());
    client
        .call(&ink_e2e::alice(), &registry.add_authority(dave))
        .submit()
        .await
        .expect("add_authority");
    client
        .call(
            &ink_e2e::dave(),
            &registry.grant_role(did, Role::Consumer, NEVER, [1; 32]),
        )
        .submit()
        .await
        .expect("grant by new authority");
    client
        .call(&ink_e2e::alice(), &registry.remove_authority(dave))
        .submit()
        .await
        .expect("remove_authority");
    let refused = client
        .call(
            &ink_e2e::dave(),
            &registry.grant_role(did, Role::Issuer, NEVER, [1; 32]),
        )
        .dry_run()
        .await?
        .return_value();
    assert_eq!(refused, Err(Error::NotAuthority));

    // Deactivation ends every role and every change.
    client
        .call(
            &ink_e2e::bob(),
            &registry.update(did, DidOperation::Deactivate),
        )
        .submit()
        .await
        .expect("deactivate");
    let has = client
        .call(
            &ink_e2e::charlie(),
            &registry.has_role(Subject::Account(bob), Role::Consumer),
        )
        .dry_run()
        .await?
        .return_value();
    assert!(!has);
    let change = client
        .call(
            &ink_e2e::bob(),
            &registry.update(did, DidOperation::AddService(service("late"))),
        )
        .dry_run()
        .await?
        .return_value();
    assert_eq!(change, Err(Error::DidDeactivated(did)));
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn relayed_creation_and_operations<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut ctor = DidRegistryRef::new();
    let contract = client
        .instantiate("did_registry", &ink_e2e::alice(), &mut ctor)
        .submit()
        .await
        .expect("instantiate");
    let registry_address = contract.account_id;
    let mut registry = contract.call_builder::<DidRegistry>();

    // A user who holds no funds: the authority (alice) submits the user's signed creation.
    let user = sr25519::Pair::from_seed(&[42; 32]);
    let user_account = AccountId::from(user.public().0);
    let content = DidCreation {
        keys: vec![sr_method(
            "cap",
            &user,
            KeyPurposes {
                capability_invocation: true,
                authentication: true,
                ..Default::default()
            },
        )],
        ..Default::default()
    };
    let signature = sign(
        &user,
        &did_create_preimage(&registry_address, &user_account, 0, &content),
    );
    let did = client
        .call(
            &ink_e2e::alice(),
            &registry.create_did_for(user.public().0, content.clone(), signature),
        )
        .submit()
        .await
        .expect("create_did_for")
        .return_value()
        .expect("created");
    let bound = client
        .call(&ink_e2e::alice(), &registry.did_of(user_account))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(bound, Some(did));

    // The user signs an operation; eve relays it.
    let op = DidOperation::AddService(service("relayed"));
    let op_sig = DidSignature::Sr25519(sign(
        &user,
        &did_op_preimage(&registry_address, &did, 0, &did, "cap", &op),
    ));
    client
        .call(
            &ink_e2e::eve(),
            &registry.execute_signed(did, 0, op.clone(), did, "cap".into(), op_sig),
        )
        .submit()
        .await
        .expect("execute_signed")
        .return_value()
        .expect("applied");
    let doc = client
        .call(&ink_e2e::eve(), &registry.resolve(did))
        .dry_run()
        .await?
        .return_value()
        .expect("resolves")
        .record;
    assert_eq!(doc.services, vec![service("relayed")]);
    assert_eq!(doc.nonce, 1);

    // Replaying the same signed operation fails: the nonce moved on.
    let replay = client
        .call(
            &ink_e2e::eve(),
            &registry.execute_signed(did, 0, op.clone(), did, "cap".into(), op_sig),
        )
        .dry_run()
        .await?
        .return_value();
    assert_eq!(
        replay,
        Err(Error::BadNonce {
            expected: 1,
            got: 0
        })
    );

    // A signature by another key is refused.
    let mallory = sr25519::Pair::from_seed(&[66; 32]);
    let forged = DidSignature::Sr25519(sign(
        &mallory,
        &did_op_preimage(
            &registry_address,
            &did,
            1,
            &did,
            "cap",
            &DidOperation::Deactivate,
        ),
    ));
    let forged = client
        .call(
            &ink_e2e::eve(),
            &registry.execute_signed(did, 1, DidOperation::Deactivate, did, "cap".into(), forged),
        )
        .dry_run()
        .await?
        .return_value();
    assert_eq!(forged, Err(Error::BadSignature));

    // Other contracts verify DID signatures through the shared trait.
    let hash = blake2_256(b"credential");
    let sig = DidSignature::Sr25519(
        <[u8; 64]>::try_from(AsRef::<[u8]>::as_ref(&user.sign(&hash))).expect("64 bytes"),
    );
    let valid = client
        .call(
            &ink_e2e::eve(),
            &registry.verify_did_signature(
                did,
                "cap".into(),
                KeyPurpose::Authentication,
                hash,
                sig,
            ),
        )
        .dry_run()
        .await?
        .return_value();
    assert!(valid);
    let wrong_purpose = client
        .call(
            &ink_e2e::eve(),
            &registry.verify_did_signature(
                did,
                "cap".into(),
                KeyPurpose::AssertionMethod,
                hash,
                sig,
            ),
        )
        .dry_run()
        .await?
        .return_value();
    assert!(!wrong_purpose);
    Ok(())
}

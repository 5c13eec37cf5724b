//! vc_templates with the real did_registry on the embedded chain (release bundles), and the
//! off-chain toolkit round trip: a credential made off chain is anchored, then verifies against
//! the anchor; each defect fails with its own error.

use cgrid_e2e::{account, call_data, ink_account, release_wasm, AccountId32, Chain};
use cgrid_shared::{
    trade_start_template, AnchorError, CptInfo, CptTemplate, CredentialView, DidCreation, DidId,
    KeyPurposes, KeyType, MaskedView, Publisher, Role, VerificationMethod, TRADE_START_CPT,
};
use cgrid_vc::{issue, IssueInput, Issued, VerifyError};
use serde_json::json;
use sp_core::{sr25519, Pair};
use vc_templates::Error;

type Res<T> = Result<T, Error>;
type DidRes<T> = Result<T, did_registry::Error>;

const T0: u64 = 1_700_000_000_000;

struct World {
    chain: Chain,
    dids: AccountId32,
    vcs: AccountId32,
    root: AccountId32,
    provider: AccountId32,
    consumer: AccountId32,
    relayer: AccountId32,
    provider_did: DidId,
    consumer_did: DidId,
    issuer_key: sr25519::Pair,
}

fn world() -> World {
    let mut chain = Chain::new();
    let [root, provider, consumer, relayer] = [1u8, 2, 3, 4].map(|i| account([i; 32]));
    for who in [&root, &provider, &consumer, &relayer] {
        chain.fund(who, Chain::TOKENS);
    }
    chain.set_time(T0);
    let dids = chain
        .deploy(
            &release_wasm("did_registry").expect("bundle"),
            call_data("new", ()),
            &root,
            b"",
        )
        .expect("deploy did_registry");
    let vcs = chain
        .deploy(
            &release_wasm("vc_templates").expect("bundle"),
            call_data("new", ink_account(&dids)),
            &root,
            b"",
        )
        .expect("deploy vc_templates");
    let issuer_key = sr25519::Pair::from_seed(&[0x5A; 32]);
    let provider_did = chain
        .call::<DidRes<DidId>>(
            &dids,
            &provider,
            call_data(
                "create_did",
                DidCreation {
                    keys: vec![VerificationMethod {
                        id: "assert".into(),
                        key_type: KeyType::Sr25519,
                        public_key: issuer_key.public().0.to_vec(),
                        purposes: KeyPurposes {
                            assertion_method: true,
                            ..Default::default()
                        },
                    }],
                    ..Default::default()
                },
            ),
        )
        .expect("call")
        .value
        .expect("provider DID");
    let consumer_did = chain
        .call::<DidRes<DidId>>(
            &dids,
            &consumer,
            call_data("create_did", DidCreation::default()),
        )
        .expect("call")
        .value
        .expect("consumer DID");
    let grant = call_data(
        "grant_role",
        (provider_did, Role::Issuer, T0 * 2, [1u8; 32]),
    );
    let granted = chain.call::<DidRes<()>>(&dids, &root, grant).expect("call");
    assert_eq!(granted.value, Ok(()));
    World {
        chain,
        dids,
        vcs,
        root,
        provider,
        consumer,
        relayer,
        provider_did,
        consumer_did,
        issuer_key,
    }
}

impl World {
    fn make(&self, expires_at: Option<u64>) -> Issued {
        let template = trade_start_template();
        issue(IssueInput {
            registry: ink_account(&self.vcs),
            cpt_id: TRADE_START_CPT,
            template: &template,
            issuer: self.provider_did,
            issuer_key_id: "assert",
            issuer_key: &self.issuer_key,
            subject: self.consumer_did,
            claims: json!({
                "pdid": cgrid_shared::did_to_string(&self.provider_did),
                "cdid": cgrid_shared::did_to_string(&self.consumer_did),
                "spec": "16 vCPU, 64 GiB",
                "price": 250,
                "minCost": 1000,
                "checkinCptId": 3,
            }),
            issued_at: T0,
            expires_at,
        })
        .expect("valid claims")
    }

    /// Anchors through a relayer, authorised by the issuer's signature.
    fn anchor(&mut self, issued: &Issued) -> Res<()> {
        let relayer = self.relayer.clone();
        let data = call_data(
            "issue",
            (
                issued.request.clone(),
                Some((issued.key_id.clone(), issued.signature)),
            ),
        );
        self.chain
            .call::<Res<()>>(&self.vcs, &relayer, data)
            .expect("call")
            .value
    }

    fn view(&mut self, issued: &Issued) -> Option<CredentialView> {
        let relayer = self.relayer.clone();
        self.chain
            .query::<Option<MaskedView<CredentialView>>>(
                &self.vcs,
                &relayer,
                call_data("CredentialRegistry::verify", issued.request.id),
            )
            .expect("query")
            .value
            .map(|view| view.record)
    }

    fn now(&mut self) -> u64 {
        self.chain.time()
    }
}

#[test]
fn the_seed_templates_are_on_chain() {
    let mut w = world();
    let root = w.root.clone();
    let info: Option<MaskedView<CptInfo>> = w
        .chain
        .query(&w.vcs, &root, call_data("cpt", TRADE_START_CPT))
        .expect("query")
        .value;
    let info = info.expect("trade-start CPT");
    assert_eq!(info.masked, None);
    let info = info.record;
    assert_eq!(info.template, trade_start_template());
    assert_eq!(info.publisher, Publisher::System);
}

#[test]
fn an_off_chain_credential_verifies_against_its_anchor() {
    let mut w = world();
    let issued = w.make(None);
    assert_eq!(w.anchor(&issued), Ok(()));
    let view = w.view(&issued).expect("anchored");
    assert!(view.valid);
    let template = trade_start_template();
    let public = w.issuer_key.public().0;
    let now = w.now();
    issued
        .credential
        .verify(&template, Some(&view), &public, now)
        .expect("verifies");
    let shown = issued
        .credential
        .present(&["price", "spec"])
        .unwrap()
        .verify(&template, Some(&view), &public, now)
        .expect("presentation verifies");
    assert_eq!(shown["price"], json!(250));

    // A tampered field and a wrong salt fail, each with its own error.
    let mut tampered = issued.credential.clone();
    tampered.credential_subject.insert("price".into(), json!(1));
    assert_eq!(
        tampered.verify(&template, Some(&view), &public, now),
        Err(VerifyError::TamperedField {
            field: "price".into()
        })
    );
    let mut salted = issued.credential.clone();
    salted
        .cgrid
        .salts
        .insert("spec".into(), format!("0x{}", "00".repeat(32)));
    assert_eq!(
        salted.verify(&template, Some(&view), &public, now),
        Err(VerifyError::WrongSalt {
            field: "spec".into()
        })
    );

    // Anchoring the same credential twice is refused.
    assert_eq!(
        w.anchor(&issued),
        Err(Error::CredentialExists(issued.request.id))
    );
}

#[test]
fn revoked_and_expired_credentials_fail_verification() {
    let mut w = world();
    let template = trade_start_template();
    let public = w.issuer_key.public().0;

    let revoked = w.make(None);
    assert_eq!(w.anchor(&revoked), Ok(()));
    let provider = w.provider.clone();
    let out = w
        .chain
        .call::<Res<()>>(&w.vcs, &provider, call_data("revoke", revoked.request.id))
        .expect("call");
    assert_eq!(out.value, Ok(()));
    let view = w.view(&revoked);
    let now = w.now();
    assert_eq!(
        revoked
            .credential
            .verify(&template, view.as_ref(), &public, now),
        Err(VerifyError::Revoked)
    );

    let expiring = w.make(Some(T0 + 60_000));
    assert_eq!(w.anchor(&expiring), Ok(()));
    w.chain.set_time(T0 + 60_000);
    let view = w.view(&expiring).expect("anchored");
    assert!(view.expired);
    let now = w.now();
    assert_eq!(
        expiring
            .credential
            .verify(&template, Some(&view), &public, now),
        Err(VerifyError::Expired)
    );

    let never = w.make(None);
    assert_eq!(
        never.credential.verify(&template, None, &public, now),
        Err(VerifyError::NotAnchored)
    );
}

#[test]
fn identity_checks_go_through_the_did_registry() {
    let mut w = world();
    // Without the Issuer role, a signed request is refused.
    let root = w.root.clone();
    let revoke = call_data("revoke_role", (w.provider_did, Role::Issuer));
    assert_eq!(
        w.chain
            .call::<DidRes<()>>(&w.dids, &root, revoke)
            .expect("call")
            .value,
        Ok(())
    );
    let issued = w.make(None);
    assert_eq!(w.anchor(&issued), Err(Error::NotIssuer(w.provider_did)));

    // A consumer cannot publish issuer templates for a DID it does not hold the role for.
    let consumer = w.consumer.clone();
    let template = CptTemplate {
        title: "GPU attestation".into(),
        ..trade_start_template()
    };
    let out = w
        .chain
        .call::<Res<u32>>(
            &w.vcs,
            &consumer,
            call_data(
                "register_cpt",
                (
                    Publisher::Issuer(w.consumer_did),
                    template.clone(),
                    None::<u32>,
                    None::<u32>,
                ),
            ),
        )
        .expect("call");
    assert_eq!(out.value, Err(Error::NotIssuer(w.consumer_did)));
    assert!(out.reverted);

    // The root authority of the DID registry is an authority here too.
    let out = w
        .chain
        .call::<Res<u32>>(
            &w.vcs,
            &root,
            call_data(
                "register_cpt",
                (
                    Publisher::Authority(ink_account(&root)),
                    template,
                    None::<u32>,
                    None::<u32>,
                ),
            ),
        )
        .expect("call");
    assert_eq!(out.value, Ok(1_000));

    // A designated system issuer anchors a settlement credential.
    let relayer = w.relayer.clone();
    let set = call_data("set_system_issuer", (ink_account(&relayer), true));
    assert_eq!(
        w.chain
            .call::<Res<()>>(&w.vcs, &root, set)
            .expect("call")
            .value,
        Ok(())
    );
    let system = call_data(
        "CredentialRegistry::anchor_system",
        (
            [9u8; 32],
            cgrid_shared::SETTLEMENT_CPT,
            w.consumer_did,
            [7u8; 32],
            None::<u64>,
        ),
    );
    let out = w
        .chain
        .call::<Result<(), AnchorError>>(&w.vcs, &relayer, system)
        .expect("call");
    assert_eq!(out.value, Ok(()));
}

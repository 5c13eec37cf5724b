//! vc_templates with the real did_registry on the embedded chain (release bundles), and the
//! off-chain toolkit round trip: a credential made off chain is anchored, then verifies against
//! the anchor; each defect fails with its own error.

use cgrid_e2e::parties::TOKENS;
use cgrid_e2e::{ink_account, AccountId32, Backend, Called, Embedded};
use cgrid_shared::CredentialRegistry as _;
use cgrid_shared::{
    trade_start_template, AnchorError, CptInfo, CptTemplate, CredentialView, DidCreation, DidId,
    KeyPurposes, KeyType, MaskedView, Publisher, Role, VerificationMethod, ISSUER_CPT_IDS,
    SETTLEMENT_CPT, TRADE_START_CPT,
};
use cgrid_suite::{deploy_dids, deploy_vcs, Dids, Vcs};
use cgrid_vc::{issue, IssueInput, Issued, VerifyError};
use serde_json::json;
use sp_core::{sr25519, Pair};
use vc_templates::Error;

type Res<T> = Result<T, Error>;

const T0: u64 = 1_700_000_000_000;

struct World {
    chain: Embedded,
    dids: Dids,
    vcs: Vcs,
    root: AccountId32,
    provider: AccountId32,
    consumer: AccountId32,
    relayer: AccountId32,
    provider_did: DidId,
    consumer_did: DidId,
    issuer_key: sr25519::Pair,
}

fn world() -> World {
    let mut chain = Embedded::new(T0);
    let [root, provider, consumer, relayer] = [1u8, 2, 3, 4].map(|i| AccountId32::new([i; 32]));
    for who in [&root, &provider, &consumer, &relayer] {
        chain.fund(who, TOKENS).expect("fund");
    }
    let dids = deploy_dids(&mut chain, b"")
        .expect("deploy did_registry")
        .address;
    let dids = Dids::at(dids);
    let vcs = deploy_vcs(&mut chain, &dids, b"")
        .expect("deploy vc_templates")
        .address;
    let vcs = Vcs::at(vcs);
    let issuer_key = sr25519::Pair::from_seed(&[0x5A; 32]);
    let creation = DidCreation {
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
    };
    let provider_did: DidId = chain
        .try_send(&provider, dids.msg(|d| d.create_did(creation)))
        .expect("call")
        .value
        .expect("provider DID");
    let consumer_did: DidId = chain
        .try_send(
            &consumer,
            dids.msg(|d| d.create_did(DidCreation::default())),
        )
        .expect("call")
        .value
        .expect("consumer DID");
    let grant = dids.msg(|d| d.grant_role(provider_did, Role::Issuer, T0 * 2, [1u8; 32]));
    let granted = chain.try_send(&root, grant).expect("call");
    assert_eq!(granted.value, Ok(()));
    let register = vcs.msg(|v| {
        v.register_cpt(
            Publisher::Issuer(provider_did),
            quote_template(),
            None,
            None,
        )
    });
    let registered = chain.try_send(&provider, register).expect("call");
    assert_eq!(registered.value, Ok(QUOTE_CPT));
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

/// The provider's own template (its first, `QUOTE_CPT`): the trade-start template's fields
/// under another title. Issuers issue credentials of their own or an authority's templates.
fn quote_template() -> CptTemplate {
    CptTemplate {
        title: "Compute quote".into(),
        ..trade_start_template()
    }
}

const QUOTE_CPT: u32 = ISSUER_CPT_IDS.start;

impl World {
    fn make(&self, expires_at: Option<u64>) -> Issued {
        self.make_of(QUOTE_CPT, &quote_template(), expires_at)
    }

    fn make_of(&self, cpt_id: u32, template: &CptTemplate, expires_at: Option<u64>) -> Issued {
        issue(IssueInput {
            registry: self.vcs.account(),
            cpt_id,
            template,
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
            integrity: None,
            encrypt: None,
        })
        .expect("valid claims")
    }

    /// Anchors through a relayer, authorised by the issuer's signature.
    fn anchor(&mut self, issued: &Issued) -> Res<()> {
        let relayer = self.relayer.clone();
        let msg = self
            .vcs
            .msg(|v| v.issue(issued.request.clone(), Some(issued.proof())));
        self.chain.try_send(&relayer, msg).expect("call").value
    }

    fn view(&mut self, issued: &Issued) -> Option<CredentialView> {
        let relayer = self.relayer.clone();
        let msg = self.vcs.msg(|v| v.verify(issued.request.id));
        self.chain
            .dry_run::<Option<MaskedView<CredentialView>>>(&relayer, msg)
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
        .dry_run(&root, w.vcs.msg(|v| v.cpt(TRADE_START_CPT)))
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
    let template = quote_template();
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

/// A verifier that trusts a trade-start or settlement credential trusts the contract that ran
/// the trade: an issuer DID (with the Issuer role and a valid signature) cannot anchor a
/// credential of a system template, so it cannot fake a trade record.
#[test]
fn an_issuer_cannot_anchor_a_trade_record() {
    let mut w = world();
    // Signed by the issuer's assertion key, sent by a relayer.
    let fake = w.make_of(TRADE_START_CPT, &trade_start_template(), None);
    assert_eq!(w.anchor(&fake), Err(Error::SystemTemplate(TRADE_START_CPT)));
    assert_eq!(w.view(&fake), None);
    // Sent by the issuer DID's own account, without a proof.
    let mut request = fake.request.clone();
    request.cpt_id = SETTLEMENT_CPT;
    request.id = request.id_hash();
    let provider = w.provider.clone();
    let out = w
        .chain
        .try_send(&provider, w.vcs.msg(|v| v.issue(request.clone(), None)))
        .expect("call");
    assert_eq!(out.value, Err(Error::SystemTemplate(SETTLEMENT_CPT)));
    let relayer = w.relayer.clone();
    let view: Option<MaskedView<CredentialView>> = w
        .chain
        .dry_run(&relayer, w.vcs.msg(|v| v.verify(request.id)))
        .expect("query")
        .value;
    assert_eq!(view, None);
}

#[test]
fn revoked_and_expired_credentials_fail_verification() {
    let mut w = world();
    let template = quote_template();
    let public = w.issuer_key.public().0;

    let revoked = w.make(None);
    assert_eq!(w.anchor(&revoked), Ok(()));
    let provider = w.provider.clone();
    let out = w
        .chain
        .try_send(&provider, w.vcs.msg(|v| v.revoke(revoked.request.id)))
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
    w.chain.advance_to(T0 + 60_000).expect("advance");
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
    let revoke = w.dids.msg(|d| d.revoke_role(w.provider_did, Role::Issuer));
    assert_eq!(w.chain.try_send(&root, revoke).expect("call").value, Ok(()));
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
        .try_send(
            &consumer,
            w.vcs.msg(|v| {
                v.register_cpt(
                    Publisher::Issuer(w.consumer_did),
                    template.clone(),
                    None,
                    None,
                )
            }),
        )
        .expect("call");
    assert_eq!(out.value, Err(Error::NotIssuer(w.consumer_did)));
    assert!(out.reverted);

    // The root authority of the DID registry is an authority here too.
    let out = w
        .chain
        .try_send(
            &root,
            w.vcs.msg(|v| {
                v.register_cpt(
                    Publisher::Authority(ink_account(&root)),
                    template,
                    None,
                    None,
                )
            }),
        )
        .expect("call");
    assert_eq!(out.value, Ok(1_000));

    // A designated system issuer cannot anchor a credential of a protocol template: the
    // trade escrow holds those.
    let relayer = w.relayer.clone();
    let set = w
        .vcs
        .msg(|v| v.set_system_issuer(ink_account(&relayer), true));
    assert_eq!(w.chain.try_send(&root, set).expect("call").value, Ok(()));
    let system = w.vcs.msg(|v| {
        v.anchor_system(
            [9u8; 32],
            cgrid_shared::SETTLEMENT_CPT,
            w.consumer_did,
            [7u8; 32],
            [9u8; 32],
        )
    });
    let out: Called<Result<(), AnchorError>> = w.chain.try_send(&relayer, system).expect("call");
    assert_eq!(out.value, Err(AnchorError::BadTemplate));
    assert!(out.reverted);

    // Another system template is anchored by the cold code, which reads it: live, then
    // deprecated.
    let other = w.vcs.msg(|v| {
        v.register_cpt(
            Publisher::System,
            CptTemplate {
                title: "Maintenance window".into(),
                ..trade_start_template()
            },
            None,
            None,
        )
    });
    let cpt = w
        .chain
        .try_send(&root, other)
        .expect("call")
        .value
        .expect("registered");
    for (id, deprecated) in [([10u8; 32], false), ([11u8; 32], true)] {
        if deprecated {
            let deprecate = w.vcs.msg(|v| v.deprecate_cpt(cpt));
            assert_eq!(
                w.chain.try_send(&root, deprecate).expect("call").value,
                Ok(())
            );
        }
        let anchor = w
            .vcs
            .msg(|v| v.anchor_system(id, cpt, w.consumer_did, [7u8; 32], [9u8; 32]));
        let out: Called<Result<(), AnchorError>> =
            w.chain.try_send(&relayer, anchor).expect("call");
        if deprecated {
            assert_eq!(out.value, Err(AnchorError::BadTemplate));
            assert!(out.reverted);
        } else {
            assert_eq!(out.value, Ok(()));
        }
    }
}

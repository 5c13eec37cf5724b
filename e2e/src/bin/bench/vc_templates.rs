//! vc_templates on its own chain (with a did_registry): a template, issuing by the issuer DID's
//! key (relayed) and by its account, the status changes, and `verify` after 1 credential vs
//! after 1,000.

use cgrid_e2e::{sign, sr_method, Backend, Embedded};
use cgrid_shared::{
    anchor_preimage, trade_start_template, AnchorRequest, CredentialRegistry as _, DidCreation,
    DidId, DidSignature, IssuerProof, KeyPurposes, Publisher, Role, ISSUER_CPT_IDS,
};
use cgrid_suite::{deploy_dids, deploy_vcs, Dids, Vcs};
use sp_core::hashing::blake2_256;

use crate::harness::{label, seed_pair, Bench};
use crate::report::{history_check, Report};

const NAME: &str = "vc_templates";

pub fn bench(report: &mut Report) {
    const T0: u64 = 1_700_000_000_000;
    report.wasm_sizes(NAME);
    let mut chain = Embedded::new(T0);
    let root = chain.deployer();
    let provider = chain.account([2; 32]);
    let consumer = chain.account([3; 32]);
    let relayer = chain.account([4; 32]);
    for who in [&root, &provider, &consumer, &relayer] {
        chain.fund(who, Embedded::TOKENS).expect("fund");
    }
    let dids = deploy_dids(&mut chain, b"")
        .expect("deploy did_registry")
        .address;
    let dids = Dids::at(dids);
    let deployed = deploy_vcs(&mut chain, &dids, b"").expect("deploy vc_templates");
    report.constructor_row(NAME, "upload + instantiate, 2 seed CPTs", deployed.weight);
    let vcs = Vcs::at(deployed.address);
    let key = seed_pair(77);
    let provider_did: DidId = chain
        .send(
            &provider,
            dids.msg(|d| {
                d.create_did(DidCreation {
                    keys: vec![sr_method("assert", &key, KeyPurposes::ALL)],
                    ..Default::default()
                })
            }),
        )
        .expect("provider DID")
        .value;
    let consumer_did: DidId = chain
        .send(
            &consumer,
            dids.msg(|d| d.create_did(DidCreation::default())),
        )
        .expect("consumer DID")
        .value;
    chain
        .send(
            &root,
            dids.msg(|d| d.grant_role(provider_did, Role::Issuer, T0 * 2, [1u8; 32])),
        )
        .expect("grant");
    let mut b = Bench {
        chain,
        contract: vcs.clone(),
        report,
    };
    let mut template = trade_start_template();
    template.title = "GPU attestation".into();
    b.tx(
        &provider,
        "issuer template, 7 properties",
        vcs.msg(|v| v.register_cpt(Publisher::Issuer(provider_did), template, None, None)),
    );
    let request = |i: u32| {
        let mut request = AnchorRequest {
            id: [0; 32],
            // The issuer template registered above (issuers cannot issue system templates).
            cpt_id: ISSUER_CPT_IDS.start,
            issuer: provider_did,
            subject: consumer_did,
            claims_root: blake2_256(&i.to_le_bytes()),
            expires_at: None,
            ciphertext_hash: None,
            policy_id: None,
        };
        request.id = request.id_hash();
        request
    };
    let issue =
        |request: AnchorRequest, proof: Option<IssuerProof>| vcs.msg(|v| v.issue(request, proof));
    let first = request(0);
    let sig = sign(&key, &anchor_preimage(&vcs.account(), &first));
    b.tx(
        &relayer,
        "signed by the issuer's DID key, relayed",
        issue(
            first.clone(),
            Some(IssuerProof {
                key_id: "assert".to_string(),
                signature: DidSignature::Sr25519(sig),
            }),
        ),
    );
    let second = request(1);
    b.tx(
        &provider,
        "by the issuer DID's account",
        issue(second.clone(), None),
    );
    b.tx(&provider, "", vcs.msg(|v| v.suspend(second.id)));
    b.tx(&provider, "", vcs.msg(|v| v.unsuspend(second.id)));
    b.tx(&provider, "", vcs.msg(|v| v.revoke(second.id)));
    let verify = vcs.msg(|v| v.verify(first.id));
    let name = label(&vcs, &verify);
    let one = b.query("active", verify.clone(), true).1;
    for i in 2..1_001 {
        b.chain
            .send(&provider, issue(request(i), None))
            .expect("issue");
    }
    let many = b.query("active", verify, false).1;
    b.report.row(NAME, name, "after 1 credential", one);
    b.report.row(NAME, name, "after 1,000 credentials", many);
    history_check(
        b.report,
        "vc_templates::verify",
        "1,000 credentials",
        one,
        many,
    );
}

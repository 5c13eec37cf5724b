//! mask_registry: masking, approvals (below and at the quorum), and the two reads other
//! contracts call — `is_masked` is what a masked-check adds to another contract's read (a
//! cross-contract call costs about the same as this query, plus the call overhead) — and what
//! honouring masks costs the read paths of did_registry, vc_templates and trade_escrow.

use cgrid_e2e::parties::Parties;
use cgrid_e2e::{Backend, Weight};
use cgrid_shared::{
    CredentialRegistry as _, DidOperation, MaskRegistry as _, Scope, Service, Target,
};
use cgrid_suite::{Masks, Msg};
use serde_json::json;

use crate::harness::{label, must_row};
use crate::report::Report;

const NAME: &str = "mask_registry";

/// `masks.mask(target, scope, ..)` with the bench's reason and content hashes.
fn mask(masks: &Masks, target: &Target, scope: Scope) -> Msg<mask_registry::Result<()>> {
    masks.msg(|r| r.mask(target.clone(), scope, false, 42, [0xEEu8; 32], [0xC0u8; 32]))
}

pub fn bench(report: &mut Report) {
    report.wasm_sizes(NAME);
    let mut m = Parties::deploy(1_700_000_000_000).expect("deploy the suite");
    let (name, w) = (m.suite.contracts[4].name, m.suite.contracts[4].weight);
    assert_eq!(name, NAME);
    report.constructor_row(NAME, "upload + instantiate", w);
    let masks = m.suite.masks.clone();
    let [r0, r1, r2] = [0, 1, 2].map(|i| m.regulators[i].clone());
    let target = Target::Credential([0xC1; 32]);
    must_row(
        report,
        &mut m.chain,
        &r0,
        "whole record (role check)",
        mask(&masks, &target, Scope::Whole),
    );
    let approve = masks.msg(|r| r.approve_unmask(target.clone()));
    must_row(
        report,
        &mut m.chain,
        &r0,
        "1 of 2 (role check)",
        approve.clone(),
    );
    must_row(report, &mut m.chain, &r1, "2 of 2: mask lifted", approve);
    let fields = Scope::Fields(vec!["claimsRoot".into(), "subject".into()]);
    must_row(
        report,
        &mut m.chain,
        &r2,
        "2 named fields",
        mask(&masks, &target, fields),
    );
    let root = m.root.clone();
    for (case, t, expected) in [
        ("masked", target.clone(), true),
        ("not masked", Target::Did([1; 32]), false),
    ] {
        let is_masked = masks.msg(|r| r.is_masked(t));
        let message = label(&masks, &is_masked);
        let q = m.chain.dry_run(&root, is_masked).expect("query");
        assert_eq!(q.value, expected);
        report.row(NAME, message, case, q.weight);
    }
    let mask_of = masks.msg(|r| r.mask_of(target.clone()));
    let message = label(&masks, &mask_of);
    let q = m.chain.dry_run(&root, mask_of).expect("query");
    assert!(q.value.is_some());
    report.row(NAME, message, "masked", q.weight);
    masked_reads(report, &mut m);
}

/// What honouring masks costs the read paths of did_registry, vc_templates and trade_escrow:
/// each read with no mask registry named, named but the record not masked, and masked; and a
/// DID update's extra cost for the check.
fn masked_reads(report: &mut Report, m: &mut Parties) {
    let root = m.root.clone();
    let regulator = m.regulators[2].clone();
    let did = m.provider_did;
    let (credential, _) = m.certify(did, [5_000, 100, 1_200, 0], 7).expect("certify");
    let terms = m.terms(10, 100, 3_600_000, 0x5A);
    let (channel, _) = m.open(&terms, 10_000);
    let (dids, vcs, escrow, masks) = (
        m.suite.dids.clone(),
        m.suite.vcs.clone(),
        m.suite.escrow.clone(),
        m.suite.masks.clone(),
    );
    // The three reads, each decoded to its exact type, so that a read that failed or changed
    // shape is noticed.
    let resolve = dids.msg(|d| d.resolve(did));
    let verify = vcs.msg(|v| v.verify(credential));
    let channel_read = escrow.channel(&channel);
    let reads: [(&'static str, &'static str, Target); 3] = [
        (
            resolve.label.contract,
            label(&dids, &resolve),
            Target::Did(did),
        ),
        (
            verify.label.contract,
            label(&vcs, &verify),
            Target::Credential(credential),
        ),
        (
            channel_read.label.contract,
            label(&escrow, &channel_read),
            Target::Trade(channel),
        ),
    ];
    let set_registry = |m: &mut Parties, on: bool| {
        let named = on.then(|| masks.account());
        let called = m
            .chain
            .try_send(&root, dids.msg(|d| d.set_mask_registry(named)));
        assert!(!called.expect("set_mask_registry").reverted);
        let called = m
            .chain
            .try_send(&root, vcs.msg(|v| v.set_mask_registry(named)));
        assert!(!called.expect("set_mask_registry").reverted);
        let called = m
            .chain
            .try_send(&root, escrow.msg(|e| e.set_mask_registry(named)));
        assert!(!called.expect("set_mask_registry").reverted);
    };
    let query = |m: &mut Parties, i: usize, masked: bool| -> Weight {
        let (weight, marker) = match i {
            0 => {
                let q = m.chain.dry_run(&root, resolve.clone()).expect("resolve");
                (q.weight, q.value.expect("did").masked)
            }
            1 => {
                let q = m.chain.dry_run(&root, verify.clone()).expect("verify");
                (q.weight, q.value.expect("credential").masked)
            }
            _ => {
                let q = m
                    .chain
                    .dry_run(&root, channel_read.clone())
                    .expect("channel");
                (q.weight, q.value.expect("channel").masked)
            }
        };
        assert_eq!(marker.is_some(), masked, "{}", reads[i].1);
        weight
    };
    set_registry(m, false);
    let bare: Vec<Weight> = (0..3).map(|i| query(m, i, false)).collect();
    set_registry(m, true);
    let named: Vec<Weight> = (0..3).map(|i| query(m, i, false)).collect();
    for (_, _, target) in &reads {
        let called = m
            .chain
            .try_send(&regulator, mask(&masks, target, Scope::Whole))
            .expect("mask");
        assert_eq!(called.value, Ok(()));
    }
    let masked: Vec<Weight> = (0..3).map(|i| query(m, i, true)).collect();
    let mut worst_check = 0u64;
    for (i, (contract, message, _)) in reads.iter().enumerate() {
        report.row(contract, message, "no mask registry named", bare[i]);
        report.row(
            contract,
            message,
            "mask registry named, not masked",
            named[i],
        );
        report.row(contract, message, "masked (whole record)", masked[i]);
        worst_check = worst_check.max(masked[i].ref_time().saturating_sub(bare[i].ref_time()));
    }
    report.figure(
        "masked_read_extra_ref_time",
        json!(worst_check),
        format!(
            "the most a mask check adds to a read (ref_time; resolve {} -> {}, verify {} -> {}, channel {} -> {}): one call to mask_registry, mostly loading its code",
            bare[0].ref_time(),
            masked[0].ref_time(),
            bare[1].ref_time(),
            masked[1].ref_time(),
            bare[2].ref_time(),
            masked[2].ref_time()
        ),
    );
    // A DID change checks the mask too (here: the registry named, the DID not masked).
    let other = m.consumer_did;
    let consumer = m.consumer.clone();
    let service = Service {
        id: "controller".into(),
        service_type: "ComputeGridController".into(),
        endpoint: "https://consumer.example/cgrid".into(),
    };
    let update = dids.msg(|d| d.update(other, DidOperation::AddService(service)));
    let (contract, message) = (update.label.contract, label(&dids, &update));
    let called = m.chain.try_send(&consumer, update).expect("update");
    assert_eq!(called.value, Ok(()));
    report.row(
        contract,
        message,
        "AddService, mask registry named, not masked",
        called.weight,
    );
}

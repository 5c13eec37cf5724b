//! The node tier's deferred-payout test (ignored unless run by `scripts/node-tier.sh`): no
//! money is lost when the chain refuses a payout. A provider whose account does not exist on
//! chain (onboarded by a relayed DID creation, it never paid a fee) is paid less than the node's
//! existential deposit by a cooperative close: the transfer is refused, the escrow keeps the
//! payout for it (`PayoutDeferred`), `cgrid account show` lists it, and once the account exists
//! `cgrid account withdraw` takes it. The embedded chain cannot show this: its existential
//! deposit is 1.
//!
//! Environment: `CGRID_NODE_URL` (the node) and `CGRID_DEPLOYMENT` (the file). Accounts:
//! //Alice (the deployer, root) and //Ferdie; the other node-tier steps use other ones.

use cgrid_shared::{close_preimage, did_create_preimage, DidCreation, Role};
use cgrid_suite::node::NodeClient;
use cgrid_suite::{ink_account, Backend, Signer, Suite};
use clap::Parser;
use controller::cli::{self, Cli, CliError, Command, Report};
use std::path::{Path, PathBuf};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/node-tier.sh"))
}

/// `cgrid --deployment F --key KEY ARGS` in process, on a node client signing as the key.
fn cgrid(
    node: &mut NodeClient,
    deployment: &Path,
    key: &str,
    args: &[&str],
) -> Result<Report, CliError> {
    let deployment = deployment.display().to_string();
    let mut argv = vec!["cgrid", "--dev", "--deployment", &deployment, "--key", key];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).map_err(|e| CliError::Input(e.to_string()))?;
    match cli.command {
        Command::Party(command) => cli::run_on(node, &cli.global, command),
        Command::Service(_) => panic!("not a party command"),
    }
}

#[test]
#[ignore = "needs a node with a deployed suite: scripts/node-tier.sh"]
fn a_refused_payout_is_kept_and_withdrawn_later() {
    let url = env("CGRID_NODE_URL");
    let path = PathBuf::from(env("CGRID_DEPLOYMENT"));
    let dir = tempfile::tempdir().expect("temp dir");
    let alice = Signer::from_suri("//Alice").expect("alice");
    let ferdie = Signer::from_suri("//Ferdie").expect("ferdie");
    // The provider: a key file whose account holds nothing on chain.
    let provider_key = dir.path().join("provider.json");
    let provider = Signer::create(&provider_key).expect("key");
    let provider_key = provider_key.display().to_string();
    let mut as_alice = NodeClient::connect(&url, &alice).expect("node");
    let suite = Suite::attach_file(&path, &mut as_alice).expect("attached");
    assert_eq!(as_alice.balance(&provider.account()), 0, "a fresh account");

    // Onboarding without fees for the provider: Alice relays its DID creation.
    let content = DidCreation::default();
    let registry = suite.dids.account();
    let account = ink_account(&provider.account());
    let signature = provider.sign(&did_create_preimage(&registry, &account, 0, &content));
    let provider_did = as_alice
        .send(
            &alice.account(),
            suite
                .dids
                .msg(|d| d.create_did_for(provider.public(), content.clone(), signature)),
        )
        .expect("create_did_for")
        .value;
    let mut as_ferdie = NodeClient::connect(&url, &ferdie).expect("node");
    let ferdie_did = as_ferdie
        .send(
            &ferdie.account(),
            suite.dids.msg(|d| d.create_did(DidCreation::default())),
        )
        .expect("create_did")
        .value;
    let until = as_alice.time() + 24 * 3_600_000;
    for (did, role) in [(provider_did, Role::Provider), (ferdie_did, Role::Consumer)] {
        as_alice
            .send(
                &alice.account(),
                suite
                    .dids
                    .msg(|d| d.grant_role(did, role, until, [0xab; 32])),
            )
            .expect("grant_role");
    }

    // The provider signs an offer (no transaction); Ferdie opens the channel.
    let offer = dir.path().join("offer.json").display().to_string();
    let mut as_provider = NodeClient::connect(&url, &provider).expect("node");
    let ferdie_ss58 = cgrid_suite::deployment::ss58(&ferdie.account());
    cgrid(
        &mut as_provider,
        &path,
        &provider_key,
        &[
            "offer",
            "create",
            "--consumer",
            &ferdie_ss58,
            "--price",
            "1000",
            "--min-cost",
            "60000",
            "--spec",
            "1 vCPU",
            "--challenge-period",
            "1m",
            "--out",
            &offer,
        ],
    )
    .expect("offer create");
    let opened = cgrid(
        &mut as_ferdie,
        &path,
        "//Ferdie",
        &["channel", "open", "--offer", &offer, "--deposit", "100000"],
    )
    .expect("channel open");
    let channel: [u8; 32] = hex::decode(
        opened.json["channel"]
            .as_str()
            .expect("id")
            .trim_start_matches("0x"),
    )
    .expect("hex")
    .try_into()
    .expect("32 bytes");

    // Ferdie closes cooperatively after one minute: the provider is owed the minimum cost,
    // 60,000, far below the node's existential deposit, to an account that does not exist.
    let escrow = suite.escrow.account();
    let (nonce, cumulative) = (1u64, 60_000u128);
    // Both channel keys sign the final state's close (Ferdie's channel key is its account key).
    let consumer_close = ferdie.sign(&close_preimage(&escrow, &channel, nonce, cumulative));
    let provider_close = provider.sign(&close_preimage(&escrow, &channel, nonce, cumulative));
    let closed = as_ferdie
        .send(
            &ferdie.account(),
            suite.escrow.close_cooperative(
                &channel,
                nonce,
                cumulative,
                &consumer_close,
                &provider_close,
            ),
        )
        .expect("close_cooperative");
    let deferred: Vec<trade_escrow::events::PayoutDeferred> = closed.events_of();
    assert_eq!(deferred.len(), 1, "the provider's payout is deferred");
    assert_eq!(deferred[0].amount, 60_000);
    assert_eq!(
        as_alice.balance(&provider.account()),
        0,
        "the transfer was refused"
    );
    let owed = as_alice
        .read(suite.escrow.msg(|e| e.unclaimed_of(account)))
        .expect("read");
    assert_eq!(owed, 60_000, "the escrow keeps it");

    // cgrid shows it; the provider cannot pay a fee yet; once its account exists it takes it.
    let provider_ss58 = cgrid_suite::deployment::ss58(&provider.account());
    let shown = cgrid(
        &mut as_alice,
        &path,
        "//Alice",
        &["account", "show", &provider_ss58],
    )
    .expect("account show");
    assert_eq!(shown.json["unclaimed"]["escrow"], "60000");
    assert!(
        shown.text.contains("unclaimed payouts: escrow 60000"),
        "{}",
        shown.text
    );
    cgrid(
        &mut as_alice,
        &path,
        "//Alice",
        &["account", "top-up", &provider_ss58, "--to", "10000000000"],
    )
    .expect("top-up");
    let before = as_alice.balance(&provider.account());
    let taken = cgrid(
        &mut as_provider,
        &path,
        &provider_key,
        &["account", "withdraw"],
    )
    .expect("account withdraw");
    assert_eq!(taken.json["escrow"], "60000");
    let owed = as_alice
        .read(suite.escrow.msg(|e| e.unclaimed_of(account)))
        .expect("read");
    assert_eq!(owed, 0);
    let after = as_alice.balance(&provider.account());
    assert!(
        after + 1_000_000_000 > before + 60_000 && after > before,
        "{before} → {after}"
    );
    match cgrid(
        &mut as_provider,
        &path,
        &provider_key,
        &["account", "withdraw"],
    ) {
        Err(CliError::Input(why)) => assert!(why.contains("nothing to withdraw"), "{why}"),
        other => panic!("a second withdraw: {other:?}"),
    }
}

//! `cgrid offer` and `cgrid channel`: the provider signs an offer file for one consumer; the
//! consumer checks it (escrow, deployment, consumer, signature, deposit) and opens the channel
//! on it; either side reads a channel and the consumer tops it up.

use super::parse::{self, hex0x};
use super::{CliError, Ctx, Report};
use cgrid_shared::{
    did_to_string, offer_hash, offer_preimage, Encryption, Phase, TradeTerms, MIN_CHALLENGE_PERIOD,
};
use cgrid_suite::deployment::ss58;
use cgrid_suite::{chain_account, ink_account, Backend};
use clap::Subcommand;
use scale::Encode;
use serde_json::{json, Value};
use sp_core::Pair as _;
use std::path::{Path, PathBuf};

/// The kind tag of an offer file.
use crate::offer::{OfferFile, OFFER_FILE_KIND};

#[derive(Subcommand, Debug, Clone)]
pub enum OfferCmd {
    /// Providers: signs trade terms for one consumer (a fresh offer nonce; the key's account
    /// key signs and countersigns closes) and writes the offer file to --out.
    Create {
        /// The consumer's account.
        #[arg(long)]
        consumer: String,
        /// The key that will sign the consumer's states (default: the consumer's account key).
        #[arg(long)]
        consumer_key: Option<String>,
        /// Price per minute.
        #[arg(long)]
        price: u128,
        /// The least the provider is paid once the trade ran.
        #[arg(long)]
        min_cost: u128,
        /// The compute specification, e.g. "8 vCPU / 32 GiB / 1xA100".
        #[arg(long)]
        spec: String,
        /// When the channel ends: `+30d`, `YYYY-MM-DD` or ms.
        #[arg(long, default_value = "+30d")]
        expires: String,
        /// How long the other side has to answer a unilateral close.
        #[arg(long, default_value = "10m")]
        challenge_period: String,
        /// The CPT of the check-in credential the consumer shows at the provider.
        #[arg(long, default_value_t = 3)]
        checkin_cpt: u32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Prints an offer file's `open` call as the Polkadot Contracts UI form takes it: each
    /// argument in the order and format to paste (docs/CONTRACTS_UI.md). Needs no chain.
    Show { file: PathBuf },
}

#[derive(Subcommand, Debug, Clone)]
pub enum ChannelCmd {
    /// Consumers: checks an offer file and opens its channel with a deposit.
    Open {
        #[arg(long)]
        offer: PathBuf,
        #[arg(long)]
        deposit: u128,
    },
    /// Shows a channel as the escrow keeps it.
    Show { id: String },
    /// Lists the channels in a store: this side's billing position next to the escrow's view.
    List {
        #[arg(long)]
        store: PathBuf,
    },
    /// Either party: starts a unilateral close with the newest state in --store (when the
    /// peer does not answer; the provider's daemon closes cooperatively by itself). The
    /// other side has the channel's challenge period to answer with a newer state.
    Close {
        id: String,
        #[arg(long)]
        store: PathBuf,
        /// Close with the stored state of this minute instead of the newest one (for
        /// watchtower drills: a close with an older state is one the other side challenges).
        #[arg(long, hide = true)]
        nonce: Option<u64>,
    },
    /// Anyone: pays out a unilateral close whose challenge window has passed.
    Finalize {
        id: String,
        /// Wait for the challenge window to pass (progress on stderr) instead of refusing
        /// early.
        #[arg(long)]
        wait: bool,
    },
    /// Consumers: adds to a channel's deposit (and optionally moves its expiry).
    TopUp {
        id: String,
        #[arg(long)]
        amount: u128,
        #[arg(long)]
        expires: Option<String>,
    },
}

/// `offer show`: the offer's `open` arguments, field by field, as Contracts UI takes them
/// (accounts in SS58, amounts in the smallest unit, times in ms, keys and bytes in hex).
pub fn show_offer(file: &Path) -> Result<Report, CliError> {
    let bytes = parse::read_file("offer file", file)?;
    let offer = OfferFile::parse(&bytes).map_err(|why| {
        CliError::input(format!("{} is not an offer file: {why}", file.display()))
    })?;
    let t = &offer.terms;
    // The variant's name, as the form's drop-down lists it.
    let encryption = format!("{:?}", t.encryption);
    let fields: Vec<(&str, String)> = vec![
        ("terms.provider", ss58(&chain_account(&t.provider))),
        ("terms.consumer", ss58(&chain_account(&t.consumer))),
        ("terms.spec", t.spec.clone()),
        ("terms.pricePerMinute", t.price_per_minute.to_string()),
        ("terms.minCost", t.min_cost.to_string()),
        ("terms.checkinCpt", t.checkin_cpt.to_string()),
        ("terms.encryption", encryption),
        ("terms.consumerKey", hex0x(&t.consumer_key)),
        ("terms.providerKey", hex0x(&t.provider_key)),
        ("terms.challengePeriod", t.challenge_period.to_string()),
        ("terms.expiresAt", t.expires_at.to_string()),
        ("terms.offerNonce", hex0x(&t.offer_nonce)),
        ("offerSignature", hex0x(&offer.signature)),
    ];
    let mut text = format!(
        "trade_escrow {} · open (payable: the value is the deposit, at least terms.minCost)\n",
        offer.escrow
    );
    for (name, value) in &fields {
        text += &format!("  {name:<22} {value}\n");
    }
    text += &format!("channel id once opened: {}\n", hex0x(&offer.channel));
    let json = json!({
        "contract": "trade_escrow",
        "address": offer.escrow,
        "message": "open",
        "args": fields.iter().map(|(n, v)| json!({ "name": n, "value": v })).collect::<Vec<_>>(),
        "channel": hex0x(&offer.channel),
    });
    Ok(Report::new(text, json))
}

pub fn offer<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: OfferCmd) -> Result<Report, CliError> {
    let OfferCmd::Create {
        consumer,
        consumer_key,
        price,
        min_cost,
        spec,
        expires,
        challenge_period,
        checkin_cpt,
        out,
    } = cmd
    else {
        unreachable!("offer show needs no chain (is_offline)");
    };
    if out.exists() {
        return Err(CliError::input(format!(
            "{} already exists; cgrid never overwrites a file",
            out.display()
        )));
    }
    let consumer = parse::account(&consumer)?;
    let consumer_key = match consumer_key {
        Some(k) => parse::hex32("--consumer-key", &k)?,
        None => *<cgrid_suite::AccountId32 as AsRef<[u8; 32]>>::as_ref(&consumer),
    };
    if price == 0 {
        return Err(CliError::input("--price must be above 0"));
    }
    let challenge_period = parse::duration(&challenge_period)?;
    if challenge_period < MIN_CHALLENGE_PERIOD {
        return Err(CliError::input(format!(
            "--challenge-period is below the escrow's minimum of {} s",
            MIN_CHALLENGE_PERIOD / 1000
        )));
    }
    let (signer, provider) = ctx.signer()?;
    if provider == consumer {
        return Err(CliError::input(
            "the consumer is the provider's own account",
        ));
    }
    let now = ctx.now();
    let expires_at = parse::time(&expires, now)?;
    if expires_at <= now {
        return Err(CliError::input(format!(
            "--expires {expires} is not in the future"
        )));
    }
    let terms = TradeTerms {
        provider: ink_account(&provider),
        consumer: ink_account(&consumer),
        spec,
        price_per_minute: price,
        min_cost,
        checkin_cpt,
        encryption: Encryption::Plain,
        consumer_key,
        provider_key: signer.public(),
        challenge_period,
        expires_at,
        offer_nonce: rand::random(),
    };
    let deployment = ctx
        .suite
        .escrow_deployment(ctx.chain)
        .map_err(CliError::Failed)?;
    let escrow = ctx.suite.escrow.account();
    let signature = signer.sign(&offer_preimage(&escrow, &deployment, &terms));
    let channel = offer_hash(&escrow, &deployment, &terms);
    let file = json!({
        "format": 1,
        "kind": OFFER_FILE_KIND,
        "escrow": ss58(&ctx.suite.escrow.address),
        "deployment": hex0x(&deployment),
        "channel": hex0x(&channel),
        "terms": describe_terms(&terms),
        "encoded": hex0x(&terms.encode()),
        "signature": hex0x(&signature),
    });
    parse::write_new(
        &out,
        &format!(
            "{}\n",
            serde_json::to_string_pretty(&file).unwrap_or_default()
        ),
    )?;
    Ok(Report::new(
        format!(
            "offer for {} at {price}/minute (min {min_cost}) until {}; channel {} once opened; wrote {}\n",
            ss58(&consumer),
            cgrid_vc::rfc3339(expires_at),
            hex0x(&channel),
            out.display()
        ),
        file,
    ))
}

/// The terms as people read them.
fn describe_terms(t: &TradeTerms) -> Value {
    json!({
        "provider": ss58(&chain_account(&t.provider)),
        "consumer": ss58(&chain_account(&t.consumer)),
        "spec": t.spec,
        "pricePerMinute": t.price_per_minute.to_string(),
        "minCost": t.min_cost.to_string(),
        "checkinCpt": t.checkin_cpt,
        "consumerKey": hex0x(&t.consumer_key),
        "providerKey": hex0x(&t.provider_key),
        "challengePeriodMs": t.challenge_period,
        "expiresAt": cgrid_vc::rfc3339(t.expires_at),
        "offerNonce": hex0x(&t.offer_nonce),
    })
}

/// The terms and signature of an offer file, checked against this suite and the consumer
/// `me` before anything is sent.
fn read_offer<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    path: &Path,
    me: &cgrid_suite::AccountId32,
) -> Result<(TradeTerms, [u8; 64]), CliError> {
    let bytes = parse::read_file("offer file", path)?;
    let OfferFile {
        escrow: offered_escrow,
        terms,
        signature,
        ..
    } = OfferFile::parse(&bytes).map_err(|why| {
        CliError::input(format!("{} is not an offer file: {why}", path.display()))
    })?;
    let escrow = ss58(&ctx.suite.escrow.address);
    if offered_escrow != escrow {
        return Err(CliError::input(format!(
            "the offer is for the escrow {offered_escrow}, not this suite's {escrow}"
        )));
    }
    if terms.consumer != ink_account(me) {
        return Err(CliError::input(format!(
            "the offer is for the consumer {}, not this key's account {}",
            ss58(&chain_account(&terms.consumer)),
            ss58(me)
        )));
    }
    let deployment = ctx
        .suite
        .escrow_deployment(ctx.chain)
        .map_err(CliError::Failed)?;
    let hash = sp_core::hashing::blake2_256(&offer_preimage(
        &ctx.suite.escrow.account(),
        &deployment,
        &terms,
    ));
    let provider = sp_core::sr25519::Public::from_raw(*terms.provider.as_ref());
    if !sp_core::sr25519::Pair::verify(
        &sp_core::sr25519::Signature::from_raw(signature),
        hash,
        &provider,
    ) {
        return Err(CliError::input(format!(
            "the offer's signature is not the provider's ({}) over these terms on this escrow",
            ss58(&chain_account(&terms.provider))
        )));
    }
    Ok((terms, signature))
}

/// An existing store (a command that reads one never creates it).
pub(super) fn existing_store(path: &Path) -> Result<crate::store::RedbStore, CliError> {
    if !path.exists() {
        return Err(CliError::input(format!("no store at {}", path.display())));
    }
    crate::store::RedbStore::open(path)
        .map_err(|e| CliError::input(format!("the store {}: {e}", path.display())))
}

fn channel_id(text: &str) -> Result<[u8; 32], CliError> {
    parse::hex32("channel id", text)
}

pub fn channel<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: ChannelCmd) -> Result<Report, CliError> {
    match cmd {
        ChannelCmd::Open { offer, deposit } => {
            let (_, me) = ctx.signer()?;
            let (terms, signature) = read_offer(ctx, &offer, &me)?;
            if deposit < terms.min_cost {
                return Err(CliError::input(format!(
                    "--deposit {deposit} is below the offer's minimum cost {}",
                    terms.min_cost
                )));
            }
            let now = ctx.now();
            if terms.expires_at <= now {
                return Err(CliError::input(
                    "the offer's channel would already have expired",
                ));
            }
            let id = ctx
                .chain
                .send(&me, ctx.suite.escrow.open(&terms, &signature, deposit))?
                .value;
            let mut report = show(ctx, id)?;
            report.text = format!(
                "opened channel {} with {} at {}/minute, deposit {deposit}\n{}",
                hex0x(&id),
                ss58(&chain_account(&terms.provider)),
                terms.price_per_minute,
                report.text
            );
            Ok(report)
        }
        ChannelCmd::Show { id } => {
            let id = channel_id(&id)?;
            show(ctx, id)
        }
        ChannelCmd::List { store } => {
            use crate::store::ChannelStore as _;
            let store = existing_store(&store)?;
            let records = store
                .channels()
                .map_err(|e| CliError::Failed(e.to_string()))?;
            let mut text = String::new();
            let mut list = Vec::new();
            for r in &records {
                let id = r.id();
                let on_chain = ctx.chain.read(ctx.suite.escrow.channel(&id))?;
                let chain_phase = match on_chain.as_ref().map(|v| v.record.phase) {
                    None => "not on chain".to_string(),
                    Some(Phase::Open) => "open".into(),
                    Some(Phase::Closing { nonce, .. }) => format!("closing at minute {nonce}"),
                    Some(Phase::Closed { paid, refunded, .. }) => {
                        format!("closed: {paid} paid, {refunded} refunded")
                    }
                };
                text += &format!(
                    "{}  {:?}  minutes {}  owed {}  on chain: {chain_phase}\n",
                    hex0x(&id),
                    r.side,
                    r.minutes(),
                    r.owed()
                );
                list.push(json!({
                    "channel": hex0x(&id),
                    "side": format!("{:?}", r.side).to_lowercase(),
                    "minutes": r.minutes(),
                    "owed": r.owed().to_string(),
                    "onChain": chain_phase,
                }));
            }
            if records.is_empty() {
                text = "no channels in this store\n".into();
            }
            Ok(Report::new(text, json!({ "channels": list })))
        }
        ChannelCmd::Close { id, store, nonce } => {
            use crate::store::ChannelStore as _;
            let id = channel_id(&id)?;
            let store = existing_store(&store)?;
            let history = store
                .history(&id)
                .map_err(|e| CliError::Failed(e.to_string()))?;
            let state = match nonce {
                Some(n) => Some(*history.iter().find(|s| s.nonce == n).ok_or_else(|| {
                    CliError::input(format!("the store has no state of minute {n}"))
                })?),
                None => history.last().copied(),
            };
            let (_, me) = ctx.signer()?;
            ctx.chain
                .send(&me, ctx.suite.escrow.start_close(&id, state.as_ref()))?;
            let mut report = show(ctx, id)?;
            report.text = format!(
                "started closing channel {} at minute {}\n{}",
                hex0x(&id),
                state.map_or(0, |s| s.nonce),
                report.text
            );
            Ok(report)
        }
        ChannelCmd::Finalize { id, wait } => {
            let id = channel_id(&id)?;
            let (_, me) = ctx.signer()?;
            if wait {
                let phase = ctx
                    .chain
                    .read(ctx.suite.escrow.channel(&id))?
                    .map(|view| view.record.phase);
                if let Some(Phase::Closing { deadline, .. }) = phase {
                    super::wait_for_time(ctx, deadline, "the end of the challenge window")?;
                }
            }
            ctx.chain.send(&me, ctx.suite.escrow.finalize(&id))?;
            show(ctx, id)
        }
        ChannelCmd::TopUp {
            id,
            amount,
            expires,
        } => {
            let id = channel_id(&id)?;
            if amount == 0 {
                return Err(CliError::input("--amount must be above 0"));
            }
            let now = ctx.now();
            let expires_at = expires.map(|e| parse::time(&e, now)).transpose()?;
            let (_, me) = ctx.signer()?;
            ctx.chain.send(
                &me,
                ctx.suite
                    .escrow
                    .msg(|e| e.top_up(id, expires_at))
                    .with_value(amount),
            )?;
            let mut report = show(ctx, id)?;
            report.text = format!("added {amount} to channel {}\n{}", hex0x(&id), report.text);
            Ok(report)
        }
    }
}

fn show<B: Backend>(ctx: &mut Ctx<'_, B>, id: [u8; 32]) -> Result<Report, CliError> {
    let view = ctx
        .chain
        .read(ctx.suite.escrow.channel(&id))?
        .ok_or_else(|| CliError::input(format!("no channel {} on this suite", hex0x(&id))))?;
    let c = &view.record;
    let phase = match c.phase {
        Phase::Open => "open".to_string(),
        Phase::Closing {
            by,
            nonce,
            cumulative,
            deadline,
        } => format!(
            "closing by the {by:?} at minute {nonce} ({cumulative} owed) until {}",
            cgrid_vc::rfc3339(deadline)
        ),
        Phase::Closed {
            how,
            paid,
            refunded,
            at,
        } => format!(
            "closed ({how:?}) at {}: {paid} paid to the provider, {refunded} refunded",
            cgrid_vc::rfc3339(at)
        ),
    };
    let phase_json = crate::views::chain_phase(&c.phase);
    let text = format!(
        "channel {}\n  provider {} ({})\n  consumer {} ({})\n  price {}/minute, min cost {}\n  deposit {}, paid {}, nonce {}\n  phase {phase}, expires {}{}\n",
        hex0x(&id),
        ss58(&chain_account(&c.provider)),
        did_to_string(&c.provider_did),
        ss58(&chain_account(&c.consumer)),
        did_to_string(&c.consumer_did),
        c.price_per_minute,
        c.min_cost,
        c.deposit,
        c.paid,
        c.nonce,
        cgrid_vc::rfc3339(c.expires_at),
        if view.masked.is_some() { "\n  MASKED (some fields withheld)" } else { "" }
    );
    Ok(Report::new(
        text,
        json!({
            "channel": hex0x(&id),
            "provider": ss58(&chain_account(&c.provider)),
            "consumer": ss58(&chain_account(&c.consumer)),
            "pricePerMinute": c.price_per_minute.to_string(),
            "minCost": c.min_cost.to_string(),
            "deposit": c.deposit.to_string(),
            "paid": c.paid.to_string(),
            "nonce": c.nonce,
            "phase": phase_json["phase"],
            "state": phase_json,
            "expiresAt": c.expires_at,
            "masked": view.masked.is_some(),
        }),
    ))
}

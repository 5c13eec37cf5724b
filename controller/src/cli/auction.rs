//! `cgrid auction`: sealed-bid auctions for compute. Consumers post a request with its deposit
//! (`create`) and may `cancel` before any bid; providers `bid` (a commitment, with the bond;
//! the opening — bid, secret salt, credential proofs — kept in their store first) and `reveal`
//! it; anyone `finalize`s after the reveal deadline (the winner's channel opens in the escrow);
//! `show` reads an auction. Root sets the parameter model (`model set|show`).
//!
//! Every check the contract would make later at the bidder's expense is made before sending:
//! a bid above the request's price cap or a claimed attribute no credential file proves would
//! cost the bond at finalize, so `bid` refuses it.

use super::did::did_or_account;
use super::parse::{self, hex0x};
use super::{CliError, Ctx, Report};
use crate::store::{RedbStore, SealedBid};
use cgrid_shared::{
    did_to_string, trade_deposit, Auction, AuctionPhase, AuctionRequest, Bid, ClaimProof,
    Encryption, MaskedView, ParameterModel, Weights, ATTRIBUTES, ATTRIBUTE_NAMES,
    MIN_CHALLENGE_PERIOD,
};
use cgrid_suite::deployment::ss58;
use cgrid_suite::{chain_account, Backend};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// How much later than the best block a transaction may land (ms): deadlines a command
/// computes from chain time allow for it.
const INCLUSION_SLACK: u64 = 30_000;

#[derive(Subcommand, Debug, Clone)]
pub enum AuctionCmd {
    /// The auction's parameter model.
    #[command(subcommand)]
    Model(ModelCmd),
    /// Consumers (Consumer role): posts a request and holds its deposit,
    /// max(min cost, max price × minutes).
    Create(CreateArgs),
    /// The auction's consumer: cancels it before any bid was committed (the deposit returns).
    Cancel { id: u64 },
    /// Providers (Provider role): commits a sealed bid with the model's bond. The opening is
    /// kept in --store before the commitment is sent; `reveal` reads it from there.
    Bid(BidArgs),
    /// Providers: reveals the bid kept in --store (between the commit and reveal deadlines).
    Reveal {
        id: u64,
        #[arg(long)]
        store: PathBuf,
        /// Wait for the reveal phase (progress on stderr) instead of refusing early.
        #[arg(long)]
        wait: bool,
    },
    /// Anyone, after the reveal deadline: opens the winner's channel, refunds the rest and
    /// forfeits unrevealed bonds.
    Finalize {
        id: u64,
        /// Wait for the reveal deadline (progress on stderr) instead of refusing early.
        #[arg(long)]
        wait: bool,
    },
    /// Shows an auction (under a regulator's mask on its trade, with the masked fields
    /// withheld).
    Show { id: u64 },
}

#[derive(Subcommand, Debug, Clone)]
pub enum ModelCmd {
    /// Root only: sets the parameter model (the platform's default weights and bounds), with
    /// the DIDs whose energy certificates count and the treasury for forfeited bonds.
    Set {
        /// An attestor DID (repeatable; at least one).
        #[arg(long = "attestor", required = true)]
        attestors: Vec<String>,
        /// The treasury account (default: the key's account).
        #[arg(long)]
        treasury: Option<String>,
        /// The bid bond.
        #[arg(long)]
        bid_bond: Option<u128>,
    },
    /// Shows the current model's version, bond, attestors and attribute rules.
    Show,
}

#[derive(Args, Debug, Clone)]
pub struct CreateArgs {
    /// The compute specification, e.g. "16 vCPU / 64 GiB / 1xA100".
    #[arg(long)]
    pub spec: String,
    /// The most the consumer pays per minute.
    #[arg(long)]
    pub max_price: u128,
    /// How long the trade runs, in minutes.
    #[arg(long)]
    pub minutes: u32,
    /// The least the winner is paid once the trade ran.
    #[arg(long, default_value_t = 0)]
    pub min_cost: u128,
    /// How long sealed bids are taken (e.g. `10m`; at least 1m), from 30 s after the best
    /// block (time for the request to land).
    #[arg(long, default_value = "10m")]
    pub commit_window: String,
    /// How long reveals are taken after that.
    #[arg(long, default_value = "10m")]
    pub reveal_window: String,
    /// The trade channel's challenge period.
    #[arg(long, default_value = "10m")]
    pub challenge_period: String,
    /// Own weights `price,greenShare,carbon,pue,charity` within the model's limits (default:
    /// the model's).
    #[arg(long)]
    pub weights: Option<String>,
    /// The key that will sign the consumer's states (default: the key's account key).
    #[arg(long)]
    pub consumer_key: Option<String>,
    /// The CPT of the check-in credential the consumer shows at the provider.
    #[arg(long, default_value_t = 3)]
    pub checkin_cpt: u32,
}

#[derive(Args, Debug, Clone)]
pub struct BidArgs {
    pub id: u64,
    /// Price per minute (at most the request's maximum).
    #[arg(long)]
    pub price: u128,
    /// Green-energy share in basis points (proven by a --credential).
    #[arg(long)]
    pub green_share: Option<u32>,
    /// Carbon intensity in gCO₂e/kWh (proven by a --credential).
    #[arg(long)]
    pub carbon: Option<u32>,
    /// Power usage effectiveness × 1000 (proven by a --credential).
    #[arg(long)]
    pub pue: Option<u32>,
    /// Revenue pledged to charity in basis points (proven by a --credential).
    #[arg(long)]
    pub charity: Option<u32>,
    /// A credential file (`cgrid credential issue` output, held by this provider) that proves
    /// claimed attributes (repeatable).
    #[arg(long = "credential")]
    pub credentials: Vec<PathBuf>,
    /// Where the bid's opening is kept until `reveal`.
    #[arg(long)]
    pub store: PathBuf,
}

pub fn run<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: AuctionCmd) -> Result<Report, CliError> {
    match cmd {
        AuctionCmd::Model(cmd) => model(ctx, cmd),
        AuctionCmd::Create(args) => create(ctx, args),
        AuctionCmd::Cancel { id } => {
            let (_, me) = ctx.signer()?;
            ctx.chain
                .send(&me, ctx.suite.auction.msg(|a| a.cancel(id)))?;
            Ok(Report::new(
                format!("cancelled auction {id}; the deposit is back\n"),
                json!({ "auction": id, "cancelled": true }),
            ))
        }
        AuctionCmd::Bid(args) => bid(ctx, args),
        AuctionCmd::Reveal { id, store, wait } => reveal(ctx, id, &store, wait),
        AuctionCmd::Finalize { id, wait } => {
            let (_, me) = ctx.signer()?;
            let auction = read_auction(ctx, id)?.record;
            if wait {
                super::wait_for_time(ctx, auction.request.reveal_deadline, "the reveal deadline")?;
            }
            ctx.chain
                .send(&me, ctx.suite.auction.msg(|a| a.finalize(id)))?;
            // The channel as the auction recorded it: on a node, the value a call returns is
            // its dry run's, and the channel id depends on the block's time.
            let mut report = show(ctx, id)?;
            report.text = match report.json["channel"].as_str() {
                Some(c) => format!(
                    "finalized auction {id}: channel {c} opened\n{}",
                    report.text
                ),
                None => format!(
                    "finalized auction {id}: no trade; the consumer is refunded\n{}",
                    report.text
                ),
            };
            Ok(report)
        }
        AuctionCmd::Show { id } => show(ctx, id),
    }
}

fn model<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: ModelCmd) -> Result<Report, CliError> {
    match cmd {
        ModelCmd::Set {
            attestors,
            treasury,
            bid_bond,
        } => {
            let attestors = attestors
                .iter()
                .map(|a| did_or_account(ctx, a))
                .collect::<Result<Vec<_>, _>>()?;
            let (_, origin) = ctx.signer()?;
            let treasury = match treasury {
                Some(t) => parse::account(&t)?,
                None => origin.clone(),
            };
            let mut model = cgrid_suite::ops::default_model(attestors, &treasury);
            if let Some(bond) = bid_bond {
                model.bid_bond = bond;
            }
            let version = ctx
                .chain
                .send(&origin, ctx.suite.auction.msg(|a| a.set_model(model)))?
                .value;
            Ok(Report::new(
                format!("set the auction's parameter model, version {version}\n"),
                json!({ "version": version }),
            ))
        }
        ModelCmd::Show => {
            let (version, model) = current_model(ctx)?;
            let attestors: Vec<String> = model.attestors.iter().map(did_to_string).collect();
            let rules: Vec<Value> = model
                .attributes
                .iter()
                .zip(ATTRIBUTE_NAMES)
                .map(|(r, name)| {
                    json!({
                        "attribute": name, "cpt": r.cpt, "claim": r.claim,
                        "lo": r.lo, "hi": r.hi, "lowerIsBetter": r.lower_is_better,
                    })
                })
                .collect();
            Ok(Report::new(
                format!(
                    "model version {version}: bid bond {}, attestors {}\n",
                    model.bid_bond,
                    attestors.join(", ")
                ),
                json!({
                    "version": version,
                    "bidBond": model.bid_bond.to_string(),
                    "attestors": attestors,
                    "treasury": ss58(&chain_account(&model.treasury)),
                    "attributes": rules,
                }),
            ))
        }
    }
}

fn current_model<B: Backend>(ctx: &mut Ctx<'_, B>) -> Result<(u32, ParameterModel), CliError> {
    let version = ctx
        .chain
        .read(ctx.suite.auction.msg(|a| a.model_version()))?;
    let model = ctx
        .chain
        .read(ctx.suite.auction.msg(|a| a.model(version)))?
        .ok_or_else(|| CliError::input("the auction has no parameter model yet"))?;
    Ok((version, model))
}

fn create<B: Backend>(ctx: &mut Ctx<'_, B>, args: CreateArgs) -> Result<Report, CliError> {
    let (_, me) = ctx.signer()?;
    if args.max_price == 0 {
        return Err(CliError::input("--max-price must be above 0"));
    }
    if args.minutes == 0 {
        return Err(CliError::input("--minutes must be above 0"));
    }
    let challenge_period = parse::duration(&args.challenge_period)?;
    if challenge_period < MIN_CHALLENGE_PERIOD {
        return Err(CliError::input(format!(
            "--challenge-period is below the escrow's minimum of {} s",
            MIN_CHALLENGE_PERIOD / 1000
        )));
    }
    let (commit, reveal) = (
        parse::duration(&args.commit_window)?,
        parse::duration(&args.reveal_window)?,
    );
    if commit < incentive_auction::MIN_WINDOW || reveal < incentive_auction::MIN_WINDOW {
        return Err(CliError::input(format!(
            "--commit-window and --reveal-window are at least {} s each (the auction's minimum)",
            incentive_auction::MIN_WINDOW / 1000
        )));
    }
    let weights = args.weights.as_deref().map(parse_weights).transpose()?;
    let consumer_key = match &args.consumer_key {
        Some(k) => parse::hex32("--consumer-key", k)?,
        None => *<cgrid_suite::AccountId32 as AsRef<[u8; 32]>>::as_ref(&me),
    };
    let deposit = trade_deposit(args.max_price, args.minutes, args.min_cost)
        .ok_or_else(|| CliError::input("--max-price × --minutes overflows"))?;
    // The windows count from the best block's time; the request lands in a later block, so
    // they start INCLUSION_SLACK later (a window cut short by the inclusion delay would fall
    // below the auction's minimum and revert).
    let now = ctx.now().saturating_add(INCLUSION_SLACK);
    let request = AuctionRequest {
        spec: args.spec,
        max_price_per_minute: args.max_price,
        duration_minutes: args.minutes,
        min_cost: args.min_cost,
        commit_deadline: now.saturating_add(commit),
        reveal_deadline: now.saturating_add(commit).saturating_add(reveal),
        weights,
        consumer_key,
        checkin_cpt: args.checkin_cpt,
        encryption: Encryption::Plain,
        challenge_period,
    };
    let id = ctx
        .chain
        .send(
            &me,
            ctx.suite
                .auction
                .msg(|a| a.create_auction(request))
                .with_value(deposit),
        )?
        .value;
    let mut report = show(ctx, id)?;
    report.text = format!(
        "created auction {id}, deposit {deposit} held\n{}",
        report.text
    );
    Ok(report)
}

/// `price,greenShare,carbon,pue,charity`.
fn parse_weights(text: &str) -> Result<Weights, CliError> {
    let parts: Vec<u32> = text
        .split(',')
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            CliError::input("--weights is five integers: price,greenShare,carbon,pue,charity")
        })?;
    let [price, a, b, c, d] = parts[..] else {
        return Err(CliError::input(
            "--weights is five integers: price,greenShare,carbon,pue,charity",
        ));
    };
    Ok(Weights {
        price,
        attributes: [a, b, c, d],
    })
}

fn bid<B: Backend>(ctx: &mut Ctx<'_, B>, args: BidArgs) -> Result<Report, CliError> {
    let (signer, me) = ctx.signer()?;
    let id = args.id;
    let auction = read_auction(ctx, id)?.record;
    if auction.phase != AuctionPhase::Open {
        return Err(CliError::input(format!("auction {id} is not open")));
    }
    let now = ctx.now();
    if now >= auction.request.commit_deadline {
        return Err(CliError::input(format!(
            "auction {id} took bids until {}; it is past that",
            cgrid_vc::rfc3339(auction.request.commit_deadline)
        )));
    }
    if args.price == 0 || args.price > auction.request.max_price_per_minute {
        return Err(CliError::input(format!(
            "--price {} is outside 1..={} (the request's maximum); a reveal of it would be refused and the bond lost",
            args.price, auction.request.max_price_per_minute
        )));
    }
    let model = ctx
        .chain
        .read(ctx.suite.auction.msg(|a| a.model(auction.model_version)))?
        .ok_or_else(|| {
            CliError::Failed(format!(
                "the auction's model {} is gone",
                auction.model_version
            ))
        })?;
    let claimed = [args.green_share, args.carbon, args.pue, args.charity];
    let credentials = args
        .credentials
        .iter()
        .map(|p| read_credential(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut proofs: [Option<ClaimProof>; ATTRIBUTES] = Default::default();
    for (i, value) in claimed.iter().enumerate() {
        let Some(value) = value else { continue };
        let rule = &model.attributes[i];
        proofs[i] = Some(
            credentials
                .iter()
                .filter(|c| c.cgrid.cpt_id == rule.cpt)
                .find_map(|c| c.claim_proof(&rule.claim, i128::from(*value)).ok())
                .ok_or_else(|| {
                    CliError::input(format!(
                        "no --credential proves {} = {value} (a credential of template {} whose claim `{}` holds it)",
                        ATTRIBUTE_NAMES[i], rule.cpt, rule.claim
                    ))
                })?,
        );
    }
    let contract = *ctx.suite.auction.account().as_ref();
    let (store, _) = RedbStore::open_or_create(&args.store)
        .map_err(|e| CliError::input(format!("the store {}: {e}", args.store.display())))?;
    let committed = ctx.chain.read(
        ctx.suite
            .auction
            .msg(|a| a.commitment(id, cgrid_suite::ink_account(&me))),
    )?;
    if committed.is_some() {
        return Err(CliError::input(format!(
            "this key already bid in auction {id} (one bid per provider)"
        )));
    }
    let sealed = SealedBid {
        bid: Bid {
            price_per_minute: args.price,
            attributes: claimed,
            provider_key: signer.public(),
        },
        salt: rand::random(),
        proofs,
    };
    // Persist before acting: without the opening, a committed bid can never be revealed.
    store
        .save_bid(&contract, id, &sealed)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let hash = ctx.suite.bid_hash(id, &me, &sealed.bid, &sealed.salt);
    let seq = ctx
        .chain
        .send(
            &me,
            ctx.suite
                .auction
                .msg(|a| a.commit(id, hash))
                .with_value(auction.bid_bond),
        )?
        .value;
    Ok(Report::new(
        format!(
            "committed bid #{seq} in auction {id} at {}/minute (bond {}); its opening is in {}; reveal after {}\n",
            args.price,
            auction.bid_bond,
            args.store.display(),
            cgrid_vc::rfc3339(auction.request.commit_deadline)
        ),
        json!({
            "auction": id, "seq": seq, "price": args.price.to_string(),
            "bond": auction.bid_bond.to_string(), "commitment": hex0x(&hash),
            "revealFrom": auction.request.commit_deadline,
        }),
    ))
}

fn reveal<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    id: u64,
    store: &Path,
    wait: bool,
) -> Result<Report, CliError> {
    let (_, me) = ctx.signer()?;
    if !store.exists() {
        return Err(CliError::input(format!("no store at {}", store.display())));
    }
    let contract = *ctx.suite.auction.account().as_ref();
    let sealed = RedbStore::open(store)
        .and_then(|s| s.bid(&contract, id))
        .map_err(|e| CliError::input(format!("the store {}: {e}", store.display())))?
        .ok_or_else(|| {
            CliError::input(format!("{} keeps no bid for auction {id}", store.display()))
        })?;
    let auction = read_auction(ctx, id)?.record;
    if wait {
        super::wait_for_time(ctx, auction.request.commit_deadline, "the reveal phase")?;
    }
    let SealedBid { bid, salt, proofs } = sealed;
    let price = bid.price_per_minute;
    let outcome = ctx
        .chain
        .send(
            &me,
            ctx.suite
                .auction
                .msg(|a| a.reveal(id, bid, salt, proofs.into())),
        )?
        .value;
    let flaws: Vec<Value> = outcome
        .flaws
        .iter()
        .zip(ATTRIBUTE_NAMES)
        .filter_map(|(f, name)| f.map(|f| json!({ "attribute": name, "flaw": format!("{f:?}") })))
        .collect();
    let counted = if flaws.is_empty() {
        "every offered attribute counted".to_string()
    } else {
        format!("{} attribute(s) counted as worst", flaws.len())
    };
    Ok(Report::new(
        format!(
            "revealed the bid in auction {id} at {price}/minute: score {}, {}; {counted}\n",
            outcome.score,
            if outcome.leading {
                "leading"
            } else {
                "not leading"
            },
        ),
        json!({
            "auction": id, "score": outcome.score.to_string(),
            "leading": outcome.leading, "flaws": flaws,
        }),
    ))
}

fn read_auction<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    id: u64,
) -> Result<MaskedView<Auction>, CliError> {
    ctx.chain
        .read(ctx.suite.auction.msg(|a| a.auction(id)))?
        .ok_or_else(|| CliError::input(format!("no auction {id}")))
}

fn read_credential(path: &Path) -> Result<cgrid_vc::Credential, CliError> {
    let json = parse::read_json("a credential file", path)?;
    serde_json::from_value(json).map_err(|e| {
        CliError::input(format!(
            "{} is not a credential file (`cgrid credential issue` writes them): {e}",
            path.display()
        ))
    })
}

fn show<B: Backend>(ctx: &mut Ctx<'_, B>, id: u64) -> Result<Report, CliError> {
    let view = read_auction(ctx, id)?;
    let a = &view.record;
    let phase = match &a.phase {
        AuctionPhase::Open => "open".to_string(),
        AuctionPhase::Cancelled { .. } => "cancelled".to_string(),
        AuctionPhase::Finalized {
            winner: Some(w),
            channel: Some(c),
            ..
        } => format!(
            "finalized: {} won, channel {}",
            ss58(&chain_account(w)),
            hex0x(c)
        ),
        AuctionPhase::Finalized { .. } => "finalized: no trade".to_string(),
    };
    let leader = a.best.as_ref().map(|b| {
        json!({
            "bidder": ss58(&chain_account(&b.bidder)),
            "pricePerMinute": b.price_per_minute.to_string(),
            "score": b.score.to_string(),
        })
    });
    let (winner, channel) = match &a.phase {
        AuctionPhase::Finalized {
            winner, channel, ..
        } => (
            winner.map(|w| ss58(&chain_account(&w))),
            channel.map(|c| hex0x(&c)),
        ),
        _ => (None, None),
    };
    let masked = view.masked.as_ref().map(|m| m.withheld.clone());
    let text = format!(
        "auction {id}: {phase}; {} bids committed, {} revealed; up to {}/minute for {} minutes; deposit {}; bids until {}, reveals until {}{}\n",
        a.commits,
        a.reveals,
        a.request.max_price_per_minute,
        a.request.duration_minutes,
        a.deposit,
        cgrid_vc::rfc3339(a.request.commit_deadline),
        cgrid_vc::rfc3339(a.request.reveal_deadline),
        masked
            .as_ref()
            .map(|w| format!("; masked by a regulator: {} withheld", w.join(", ")))
            .unwrap_or_default(),
    );
    Ok(Report::new(
        text,
        json!({
            "auction": id,
            "phase": phase,
            "consumer": ss58(&chain_account(&a.consumer)),
            "spec": a.request.spec,
            "maxPricePerMinute": a.request.max_price_per_minute.to_string(),
            "minutes": a.request.duration_minutes,
            "minCost": a.request.min_cost.to_string(),
            "deposit": a.deposit.to_string(),
            "bidBond": a.bid_bond.to_string(),
            "commits": a.commits,
            "reveals": a.reveals,
            "commitDeadline": a.request.commit_deadline,
            "revealDeadline": a.request.reveal_deadline,
            "leader": leader,
            "winner": winner,
            "channel": channel,
            "withheld": masked,
        }),
    ))
}

//! `cgrid history export`: a consumer's past trades as the recommender's history
//! (`cgrid recommend --history`). The trades are the channels of the consumer's own store; the
//! escrow says with whom each was made, at what price, and how many minutes were settled; the
//! provider's published offer (in the offers file) gives what the trade was made on: region,
//! GPU class, energy, price per unit, from which the units follow.

use super::channel::existing_store;
use super::{CliError, Ctx, Report};
use crate::channel::Side;
use crate::store::ChannelStore as _;
use cgrid_sched::model::{self, Choice, Offer, Request};
use cgrid_suite::deployment::ss58;
use cgrid_suite::{chain_account, Backend};
use clap::Subcommand;
use serde_json::json;
use std::path::PathBuf;

#[derive(Subcommand, Debug, Clone)]
pub enum HistoryCmd {
    /// Consumers: the trades in --store as a history file: each channel's provider, price and
    /// settled minutes from the escrow, joined with the provider's offer in --offers. Channels
    /// whose provider has no offer there, or whose terms a mask withholds, are left out (and
    /// counted).
    Export {
        #[arg(long)]
        store: PathBuf,
        /// The offers on the market (`{"offers": [...]}`), matched by provider account.
        #[arg(long)]
        offers: PathBuf,
        /// Where the consumer is (the requests' `home`).
        #[arg(long)]
        home: String,
        /// Write the history here (refused if the file exists); default: print it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: HistoryCmd) -> Result<Report, CliError> {
    let HistoryCmd::Export {
        store,
        offers,
        home,
        out,
    } = cmd;
    if let Some(out) = &out {
        if out.exists() {
            return Err(CliError::input(format!(
                "{} exists; history export never overwrites a file",
                out.display()
            )));
        }
    }
    let bytes = std::fs::read(&offers).map_err(|e| {
        CliError::input(format!(
            "cannot read the offers file {}: {e}",
            offers.display()
        ))
    })?;
    let market = model::parse_offers(&bytes).map_err(|e| CliError::input(e.to_string()))?;
    let store = existing_store(&store)?;
    let records = store
        .channels()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let (mut history, mut unmatched, mut withheld) = (Vec::new(), 0usize, 0usize);
    for record in records.iter().filter(|r| r.side == Side::Consumer) {
        let Some(view) = ctx.chain.read(ctx.suite.escrow.channel(&record.id()))? else {
            withheld += 1;
            continue;
        };
        let c = view.record;
        if c.provider == [0u8; 32].into() || c.price_per_minute == 0 {
            withheld += 1;
            continue;
        }
        let provider = ss58(&chain_account(&c.provider));
        // The provider's offer whose unit price divides the channel's price best.
        let price = c.price_per_minute as f64;
        let Some(offer) = market
            .iter()
            .filter(|o| o.provider == provider && o.price > 0.0)
            .min_by(|a, b| {
                let miss = |o: &Offer| {
                    let units = (price / o.price).round().max(1.0);
                    (units * o.price - price).abs()
                };
                miss(a).total_cmp(&miss(b))
            })
        else {
            unmatched += 1;
            continue;
        };
        let units = (price / offer.price).round().max(1.0) as u64;
        let minutes = record.minutes().max(c.nonce).max(1);
        let consumer = ss58(&chain_account(&c.consumer));
        history.push(Choice {
            consumer: consumer.clone(),
            request: Request {
                id: format!("0x{}", hex::encode(record.id())),
                consumer,
                units,
                memory_gib: 0.0,
                minutes,
                deadline: minutes + offer.starts_in,
                gpu: offer.gpu.clone(),
                home: home.clone(),
                regions: Vec::new(),
                budget: c.deposit as f64,
            },
            chosen: offer.clone(),
            alternatives: Vec::new(),
        });
    }
    let doc = model::history_json(&history);
    // What is written must read back (e.g. a bad --home).
    model::parse_history(doc.to_string().as_bytes()).map_err(|e| CliError::input(e.to_string()))?;
    let summary = format!(
        "{} trade(s) exported; {unmatched} left out: provider without an offer in {}; {withheld} left out: not on chain or withheld by a mask\n",
        history.len(),
        offers.display()
    );
    let text = match &out {
        Some(path) => {
            let pretty =
                serde_json::to_string_pretty(&doc).map_err(|e| CliError::Failed(e.to_string()))?;
            super::parse::write_new(path, &(pretty + "\n"))?;
            format!("{summary}written to {}\n", path.display())
        }
        None => format!(
            "{summary}{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        ),
    };
    Ok(Report::new(
        text,
        json!({"exported": history.len(), "unmatched": unmatched, "withheld": withheld, "history": doc["history"]}),
    ))
}

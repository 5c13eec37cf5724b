//! Durable store: an embedded, crash-safe key-value database (redb) holding every channel record
//! and every consumer-signed state. Each write is one transaction committed with redb's default
//! `Durability::Immediate` (fsync) before the call returns, so the session code can follow LDK's
//! rule: persist, then acknowledge. `save_states` commits many channels' states in one
//! transaction (one sync for a batch).

use crate::channel::{ChannelRecord, SignedState};
use cgrid_shared::ChannelId;
use redb::{Database, ReadableTable, TableDefinition};
use scale::{Decode, Encode};
use std::path::Path;

const CHANNELS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("channels");
const STATES: TableDefinition<(&[u8; 32], u64), &[u8]> = TableDefinition::new("states");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Db(String),
    #[error("store: a stored record does not decode ({0}); the file is not a controller store or is from another version")]
    Corrupt(String),
}

fn err<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Db(e.to_string())
}

pub struct Store {
    db: Database,
}

impl Store {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let db = Database::create(path).map_err(err)?;
        let tx = db.begin_write().map_err(err)?;
        tx.open_table(CHANNELS).map_err(err)?;
        tx.open_table(STATES).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Store { db })
    }

    /// Writes a channel record (durably).
    pub fn save_channel(&self, record: &ChannelRecord) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut channels = tx.open_table(CHANNELS).map_err(err)?;
            channels
                .insert(&record.id(), record.encode().as_slice())
                .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Writes a new signed state together with the updated record, in one durable transaction.
    pub fn save_state(
        &self,
        record: &ChannelRecord,
        state: &SignedState,
    ) -> Result<(), StoreError> {
        self.save_states(&[(record, state)])
    }

    /// [`Store::save_state`] for several channels with one commit (one sync).
    pub fn save_states(&self, items: &[(&ChannelRecord, &SignedState)]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut channels = tx.open_table(CHANNELS).map_err(err)?;
            let mut states = tx.open_table(STATES).map_err(err)?;
            for (record, state) in items {
                let id = record.id();
                states
                    .insert((&id, state.nonce), state.encode().as_slice())
                    .map_err(err)?;
                channels
                    .insert(&id, record.encode().as_slice())
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    pub fn channel(&self, id: &ChannelId) -> Result<Option<ChannelRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let channels = tx.open_table(CHANNELS).map_err(err)?;
        let value = channels.get(id).map_err(err)?;
        value
            .map(|v| decode::<ChannelRecord>(v.value()))
            .transpose()
    }

    /// Every channel, e.g. to resume them after a restart.
    pub fn channels(&self) -> Result<Vec<ChannelRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let channels = tx.open_table(CHANNELS).map_err(err)?;
        let mut out = Vec::new();
        for entry in channels.iter().map_err(err)? {
            let (_, v) = entry.map_err(err)?;
            out.push(decode(v.value())?);
        }
        Ok(out)
    }

    /// Every signed state of a channel, oldest first.
    pub fn history(&self, id: &ChannelId) -> Result<Vec<SignedState>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let states = tx.open_table(STATES).map_err(err)?;
        let mut out = Vec::new();
        for entry in states.range((id, 0)..=(id, u64::MAX)).map_err(err)? {
            let (_, v) = entry.map_err(err)?;
            out.push(decode(v.value())?);
        }
        Ok(out)
    }
}

fn decode<T: Decode>(mut bytes: &[u8]) -> Result<T, StoreError> {
    let value = T::decode(&mut bytes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if !bytes.is_empty() {
        return Err(StoreError::Corrupt("trailing bytes".into()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{Phase, Side, Terms};
    use ink::primitives::AccountId;

    fn record(id: u8) -> ChannelRecord {
        ChannelRecord::new(
            Terms {
                channel: [id; 32],
                escrow: AccountId::from([9; 32]),
                price_per_minute: 10,
                min_cost: 50,
                deposit: 100,
                consumer_key: [1; 32],
                provider_key: [2; 32],
                expires_at: 1,
                challenge_period: 2,
            },
            Side::Provider,
        )
    }

    #[test]
    fn states_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let mut a = record(1);
        a.phase = Phase::Open;
        {
            let store = Store::open(&path).unwrap();
            store.save_channel(&record(2)).unwrap();
            for n in 1..=3u64 {
                let s = SignedState {
                    nonce: n,
                    cumulative: u128::from(n) * 10,
                    signature: [n as u8; 64],
                };
                a.latest = Some(s);
                store.save_state(&a, &s).unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.channel(&[1; 32]).unwrap(), Some(a.clone()));
        let history = store.history(&[1; 32]).unwrap();
        assert_eq!(
            history.iter().map(|s| s.nonce).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert!(store.history(&[2; 32]).unwrap().is_empty());
        assert_eq!(store.channels().unwrap().len(), 2);
    }

    #[test]
    fn a_foreign_file_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-store");
        std::fs::write(&path, b"hello").unwrap();
        assert!(Store::open(&path).is_err());
    }
}

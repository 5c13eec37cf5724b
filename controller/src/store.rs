//! The store seam: [`ChannelStore`], what the sessions need to keep every channel record and
//! every consumer-signed state, as LDK puts `KVStore` in front of its storage. A write returns
//! only once it is durable, so the session code can follow LDK's rule: persist, then
//! acknowledge.
//!
//! - [`RedbStore`]: an embedded, crash-safe key-value database (redb). Each write is one
//!   transaction committed with redb's default `Durability::Immediate` (fsync) before the call
//!   returns; `save_states` commits many channels' states in one transaction (one sync).
//! - [`MemoryStore`]: the same contract in memory, for tests and tools that need no
//!   durability.

use crate::channel::{ChannelRecord, SignedState};
use cgrid_shared::ChannelId;
use redb::{Database, ReadableTable, TableDefinition};
use scale::{Decode, Encode};
use std::path::Path;

const CHANNELS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("channels");
const STATES: TableDefinition<(&[u8; 32], u64), &[u8]> = TableDefinition::new("states");
/// Sealed bids by (auction contract, auction id): what a reveal needs, kept from the commit.
const BIDS: TableDefinition<(&[u8; 32], u64), &[u8]> = TableDefinition::new("bids");
/// What the file is: `"schema"` → the store's schema version.
const META: TableDefinition<&str, u32> = TableDefinition::new("cgrid-store");

/// The schema this build writes. Version 1 (stores made before 2026-12-02) had the same
/// tables without [`META`]; opening one upgrades it in place by recording its version.
pub const SCHEMA: u32 = 2;

/// A provider's sealed bid as it keeps it between commit and reveal: the bid, the secret salt
/// the commitment hides it with, and the credential proofs of its attributes.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SealedBid {
    pub bid: cgrid_shared::Bid,
    pub salt: [u8; 32],
    pub proofs: [Option<cgrid_shared::ClaimProof>; cgrid_shared::ATTRIBUTES],
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Db(String),
    /// Another process has the store open (a store is opened by one process at a time).
    #[error("the store is in use by another process")]
    InUse,
    #[error("store: a stored record does not decode ({0}); the file is not a controller store or is from another version")]
    Corrupt(String),
    #[error("no store at {0}")]
    Missing(String),
    #[error("{0} already exists; a new store is never written over a file")]
    Exists(String),
    #[error("{0} is not a controller store")]
    Foreign(String),
    #[error("the store {0} is damaged (shorter than it says it is); restore it from a backup")]
    Damaged(String),
    #[error("the store {path} has schema version {found}; this cgrid reads up to version {SCHEMA}: use a newer cgrid")]
    Newer { path: String, found: u32 },
}

fn err<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Db(e.to_string())
}

/// Where a controller keeps its channels. Every write is durable when it returns.
pub trait ChannelStore: Send + Sync {
    /// Writes channel records, all or nothing (one durable write).
    fn save_channels(&self, records: &[&ChannelRecord]) -> Result<(), StoreError>;
    /// Writes new signed states together with their updated records, all or nothing.
    fn save_states(&self, items: &[(&ChannelRecord, &SignedState)]) -> Result<(), StoreError>;
    fn channel(&self, id: &ChannelId) -> Result<Option<ChannelRecord>, StoreError>;
    /// Every channel, e.g. to resume them after a restart.
    fn channels(&self) -> Result<Vec<ChannelRecord>, StoreError>;
    /// Every signed state of a channel, oldest first.
    fn history(&self, id: &ChannelId) -> Result<Vec<SignedState>, StoreError>;

    /// Writes a channel record.
    fn save_channel(&self, record: &ChannelRecord) -> Result<(), StoreError> {
        self.save_channels(&[record])
    }

    /// Writes a new signed state together with the updated record, in one durable write.
    fn save_state(&self, record: &ChannelRecord, state: &SignedState) -> Result<(), StoreError> {
        self.save_states(&[(record, state)])
    }
}

/// The redb store.
pub struct RedbStore {
    db: Database,
}

impl RedbStore {
    /// Opens the existing store at `path`: refused when there is none, when the file is not a
    /// controller store, or when its schema is newer than this build's; a version-1 store is
    /// upgraded in place.
    pub fn open(path: &Path) -> Result<RedbStore, StoreError> {
        let shown = path.display().to_string();
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::Missing(shown))
            }
            Err(e) => return Err(StoreError::Db(format!("{shown}: {e}"))),
            // redb would quietly make an empty file a new database.
            Ok(m) if !m.is_file() || m.len() == 0 => return Err(StoreError::Foreign(shown)),
            Ok(_) => {}
        }
        // redb 2.6 asserts (panics) on a file shorter than its header says: a truncated store
        // is refused like any other damaged one.
        let opened = std::panic::catch_unwind(|| Database::open(path))
            .map_err(|_| StoreError::Damaged(shown.clone()))?;
        let db = opened.map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse,
            e => StoreError::Foreign(format!("{shown} ({e})")),
        })?;
        let found = {
            let tx = db.begin_read().map_err(err)?;
            match tx.open_table(META) {
                Ok(meta) => meta.get("schema").map_err(err)?.map(|v| v.value()),
                Err(redb::TableError::TableDoesNotExist(_)) => None,
                Err(e) => return Err(StoreError::Foreign(format!("{shown} ({e})"))),
            }
        };
        match found {
            Some(v) if v > SCHEMA => Err(StoreError::Newer {
                path: shown,
                found: v,
            }),
            Some(_) => Ok(RedbStore { db }),
            None if is_version_one(&db)? => {
                let store = RedbStore { db };
                store.init()?;
                tracing::info!(store = %shown, "upgraded the store from schema 1 to {SCHEMA}");
                Ok(store)
            }
            None => Err(StoreError::Foreign(shown)),
        }
    }

    /// Creates a new store at `path`; refused when anything is there already.
    pub fn create(path: &Path) -> Result<RedbStore, StoreError> {
        let shown = path.display().to_string();
        // Claims the path first: never written over, even by a racing creator.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(StoreError::Exists(shown))
            }
            Err(e) => return Err(StoreError::Db(format!("{shown}: {e}"))),
        }
        let made = Database::create(path)
            .map_err(err)
            .map(|db| RedbStore { db })
            .and_then(|store| store.init().map(|()| store));
        if made.is_err() {
            let _ = std::fs::remove_file(path); // the empty file this call made
        }
        made
    }

    /// The store at `path`, created when there is none (for a party's own daemon, whose
    /// first run makes its store); `true` when it was created.
    pub fn open_or_create(path: &Path) -> Result<(RedbStore, bool), StoreError> {
        match RedbStore::open(path) {
            Err(StoreError::Missing(_)) => RedbStore::create(path).map(|s| (s, true)),
            other => other.map(|s| (s, false)),
        }
    }

    /// Makes every table and records the schema version.
    fn init(&self) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        tx.open_table(CHANNELS).map_err(err)?;
        tx.open_table(STATES).map_err(err)?;
        tx.open_table(BIDS).map_err(err)?;
        tx.open_table(META)
            .map_err(err)?
            .insert("schema", SCHEMA)
            .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Keeps the opening of a sealed bid in auction `auction` of the auction contract
    /// `contract` (durable when it returns: written before the commitment is sent).
    pub fn save_bid(
        &self,
        contract: &[u8; 32],
        auction: u64,
        bid: &SealedBid,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut bids = tx.open_table(BIDS).map_err(err)?;
            bids.insert((contract, auction), bid.encode().as_slice())
                .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// The sealed bid kept for auction `auction` of `contract`, if any.
    pub fn bid(&self, contract: &[u8; 32], auction: u64) -> Result<Option<SealedBid>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let bids = tx.open_table(BIDS).map_err(err)?;
        let value = bids.get((contract, auction)).map_err(err)?;
        value.map(|v| decode::<SealedBid>(v.value())).transpose()
    }
}

impl ChannelStore for RedbStore {
    /// One commit (one sync) for the whole batch.
    fn save_channels(&self, records: &[&ChannelRecord]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut channels = tx.open_table(CHANNELS).map_err(err)?;
            for record in records {
                channels
                    .insert(&record.id(), record.encode().as_slice())
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// One commit (one sync) for the whole batch.
    fn save_states(&self, items: &[(&ChannelRecord, &SignedState)]) -> Result<(), StoreError> {
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

    fn channel(&self, id: &ChannelId) -> Result<Option<ChannelRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let channels = tx.open_table(CHANNELS).map_err(err)?;
        let value = channels.get(id).map_err(err)?;
        value
            .map(|v| decode::<ChannelRecord>(v.value()))
            .transpose()
    }

    fn channels(&self) -> Result<Vec<ChannelRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let channels = tx.open_table(CHANNELS).map_err(err)?;
        let mut out = Vec::new();
        for entry in channels.iter().map_err(err)? {
            let (_, v) = entry.map_err(err)?;
            out.push(decode(v.value())?);
        }
        Ok(out)
    }

    fn history(&self, id: &ChannelId) -> Result<Vec<SignedState>, StoreError> {
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

/// The store in memory: the same contract as [`RedbStore`] without durability (records are
/// kept encoded, as on disk, so a test sees what a restart would read).
#[derive(Default)]
pub struct MemoryStore {
    inner: std::sync::Mutex<Memory>,
}

#[derive(Default)]
struct Memory {
    channels: std::collections::BTreeMap<ChannelId, Vec<u8>>,
    states: std::collections::BTreeMap<(ChannelId, u64), Vec<u8>>,
}

impl MemoryStore {
    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ChannelStore for MemoryStore {
    fn save_channels(&self, records: &[&ChannelRecord]) -> Result<(), StoreError> {
        let mut memory = self.memory();
        for record in records {
            memory.channels.insert(record.id(), record.encode());
        }
        Ok(())
    }

    fn save_states(&self, items: &[(&ChannelRecord, &SignedState)]) -> Result<(), StoreError> {
        let mut memory = self.memory();
        for (record, state) in items {
            let id = record.id();
            memory.states.insert((id, state.nonce), state.encode());
            memory.channels.insert(id, record.encode());
        }
        Ok(())
    }

    fn channel(&self, id: &ChannelId) -> Result<Option<ChannelRecord>, StoreError> {
        self.memory()
            .channels
            .get(id)
            .map(|bytes| decode(bytes))
            .transpose()
    }

    fn channels(&self) -> Result<Vec<ChannelRecord>, StoreError> {
        self.memory()
            .channels
            .values()
            .map(|bytes| decode(bytes))
            .collect()
    }

    fn history(&self, id: &ChannelId) -> Result<Vec<SignedState>, StoreError> {
        self.memory()
            .states
            .range((*id, 0)..=(*id, u64::MAX))
            .map(|(_, bytes)| decode(bytes))
            .collect()
    }
}

/// A store from before schema versions: the channel and state tables, nothing else of ours.
fn is_version_one(db: &Database) -> Result<bool, StoreError> {
    use redb::TableHandle;
    let tx = db.begin_read().map_err(err)?;
    let names: Vec<String> = tx
        .list_tables()
        .map_err(err)?
        .map(|t| t.name().to_string())
        .collect();
    Ok(names.iter().any(|n| n == CHANNELS.name()) && names.iter().any(|n| n == STATES.name()))
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
    use crate::channel::{LocalPhase, Side, Terms};
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

    /// What every store must do: records and states read back as written, histories in
    /// nonce order and per channel, a batch lands whole.
    fn keeps_what_it_is_given(store: &dyn ChannelStore) -> ChannelRecord {
        let mut a = record(1);
        a.phase = LocalPhase::Open;
        store.save_channel(&record(2)).unwrap();
        for n in [1u64, 3, 2] {
            let s = SignedState {
                nonce: n,
                cumulative: u128::from(n) * 10,
                signature: [n as u8; 64],
            };
            a.latest = Some(s);
            store.save_state(&a, &s).unwrap();
        }
        assert_eq!(store.channel(&[1; 32]).unwrap(), Some(a.clone()));
        assert_eq!(store.channel(&[3; 32]).unwrap(), None);
        let history = store.history(&[1; 32]).unwrap();
        assert_eq!(
            history.iter().map(|s| s.nonce).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert!(store.history(&[2; 32]).unwrap().is_empty());
        assert_eq!(store.channels().unwrap().len(), 2);
        // A batch over two channels.
        let mut b = record(2);
        let (sa, sb) = (
            SignedState {
                nonce: 4,
                cumulative: 40,
                signature: [4; 64],
            },
            SignedState {
                nonce: 1,
                cumulative: 10,
                signature: [1; 64],
            },
        );
        a.latest = Some(sa);
        b.latest = Some(sb);
        store.save_states(&[(&a, &sa), (&b, &sb)]).unwrap();
        assert_eq!(store.history(&[1; 32]).unwrap().len(), 4);
        assert_eq!(store.history(&[2; 32]).unwrap(), vec![sb]);
        assert_eq!(store.channel(&[2; 32]).unwrap(), Some(b));
        a
    }

    #[test]
    fn the_memory_store_keeps_what_it_is_given() {
        keeps_what_it_is_given(&MemoryStore::default());
    }

    #[test]
    fn states_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let a = {
            let store = RedbStore::create(&path).unwrap();
            keeps_what_it_is_given(&store)
        };
        let store = RedbStore::open(&path).unwrap();
        assert_eq!(store.channel(&[1; 32]).unwrap(), Some(a));
        assert_eq!(store.history(&[1; 32]).unwrap().len(), 4);
        assert_eq!(store.channels().unwrap().len(), 2);
    }

    #[test]
    fn a_foreign_file_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-store");
        std::fs::write(&path, b"hello").unwrap();
        assert!(matches!(
            RedbStore::open(&path),
            Err(StoreError::Foreign(_))
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"hello", "left as it was");
    }

    /// Issue 19: a command that reads a store never creates one (before, `open` made a new
    /// 3.6 MB store at any path), and an empty file is not taken for a new store.
    #[test]
    fn a_missing_or_empty_store_is_refused_and_nothing_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.redb");
        assert!(matches!(
            RedbStore::open(&missing),
            Err(StoreError::Missing(_))
        ));
        assert!(!missing.exists());
        let empty = dir.path().join("empty.redb");
        std::fs::write(&empty, b"").unwrap();
        assert!(matches!(
            RedbStore::open(&empty),
            Err(StoreError::Foreign(_))
        ));
        assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
    }

    /// A new store is never written over a file, a store included.
    #[test]
    fn create_never_writes_over_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let a = keeps_what_it_is_given(&RedbStore::create(&path).unwrap());
        assert!(matches!(
            RedbStore::create(&path),
            Err(StoreError::Exists(_))
        ));
        let (store, created) = RedbStore::open_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(store.channel(&[1; 32]).unwrap(), Some(a));
        let other = dir.path().join("notes.txt");
        std::fs::write(&other, b"mine").unwrap();
        assert!(matches!(
            RedbStore::create(&other),
            Err(StoreError::Exists(_))
        ));
        assert_eq!(std::fs::read(&other).unwrap(), b"mine");
    }

    /// Schema versions: a store from before them (version 1: the same tables, no version) is
    /// upgraded in place and keeps its records; a newer store and another program's redb file
    /// are refused, unchanged.
    #[test]
    fn schema_versions_upgrade_old_stores_and_refuse_newer_or_foreign_ones() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("v1.redb");
        let record = record(9);
        {
            // What `RedbStore::open` made before 2026-12-02.
            let db = Database::create(&old).unwrap();
            let tx = db.begin_write().unwrap();
            tx.open_table(CHANNELS)
                .unwrap()
                .insert(&record.id(), record.encode().as_slice())
                .unwrap();
            tx.open_table(STATES).unwrap();
            tx.open_table(BIDS).unwrap();
            tx.commit().unwrap();
        }
        let upgraded = RedbStore::open(&old).unwrap();
        assert_eq!(upgraded.channel(&record.id()).unwrap(), Some(record));
        drop(upgraded);
        {
            let db = Database::open(&old).unwrap();
            let tx = db.begin_read().unwrap();
            let meta = tx.open_table(META).unwrap();
            assert_eq!(meta.get("schema").unwrap().map(|v| v.value()), Some(SCHEMA));
        }

        let newer = dir.path().join("v99.redb");
        drop(RedbStore::create(&newer).unwrap());
        {
            let db = Database::open(&newer).unwrap();
            let tx = db.begin_write().unwrap();
            tx.open_table(META).unwrap().insert("schema", 99).unwrap();
            tx.commit().unwrap();
        }
        match RedbStore::open(&newer) {
            Err(e @ StoreError::Newer { found: 99, .. }) => {
                assert!(e.to_string().contains("use a newer cgrid"), "{e}")
            }
            other => panic!("{:?}", other.err()),
        }

        let foreign = dir.path().join("other.redb");
        {
            let db = Database::create(&foreign).unwrap();
            let tx = db.begin_write().unwrap();
            let table: TableDefinition<&str, u64> = TableDefinition::new("things");
            tx.open_table(table).unwrap().insert("a", 1).unwrap();
            tx.commit().unwrap();
        }
        assert!(matches!(
            RedbStore::open(&foreign),
            Err(StoreError::Foreign(_))
        ));
    }

    /// A store cut short or overwritten in the middle (a bad disk, a copy that stopped) is
    /// refused or read with an error, never a panic.
    #[test]
    fn a_truncated_or_corrupted_store_is_refused_without_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        keeps_what_it_is_given(&RedbStore::create(&path).unwrap());
        let bytes = std::fs::read(&path).unwrap();
        for (name, damaged) in [
            ("truncated to half", bytes[..bytes.len() / 2].to_vec()),
            ("truncated to 100 bytes", bytes[..100].to_vec()),
            ("zeroed header", {
                let mut b = bytes.clone();
                b[..512].fill(0);
                b
            }),
            ("garbage in the middle", {
                let mut b = bytes.clone();
                let mid = b.len() / 2;
                b[mid..mid + 4096].fill(0xA5);
                b
            }),
        ] {
            let copy = dir.path().join(format!("{}.redb", name.replace(' ', "-")));
            std::fs::write(&copy, &damaged).unwrap();
            let outcome = std::panic::catch_unwind(|| match RedbStore::open(&copy) {
                Ok(store) => store
                    .channels()
                    .and_then(|c| {
                        c.iter()
                            .try_for_each(|r| store.history(&r.id()).map(|_| ()))
                    })
                    .map(|()| "read"),
                Err(e) => Err(e),
            });
            assert!(outcome.is_ok(), "{name}: panicked");
        }
    }
}

#[cfg(test)]
mod lock_tests {
    use super::*;

    #[test]
    fn a_store_is_opened_by_one_holder_at_a_time_and_keeps_sealed_bids() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("store.redb");
        let store = RedbStore::create(&path).expect("created");
        assert!(matches!(RedbStore::open(&path), Err(StoreError::InUse)));
        let sealed = SealedBid {
            bid: cgrid_shared::Bid {
                price_per_minute: 7,
                attributes: [Some(1), None, None, None],
                provider_key: [3; 32],
            },
            salt: [4; 32],
            proofs: Default::default(),
        };
        store.save_bid(&[1; 32], 5, &sealed).expect("saved");
        assert_eq!(store.bid(&[1; 32], 5).expect("read"), Some(sealed.clone()));
        assert_eq!(
            store.bid(&[2; 32], 5).expect("read"),
            None,
            "another contract's auction"
        );
        drop(store);
        let reopened = RedbStore::open(&path).expect("free again");
        assert_eq!(reopened.bid(&[1; 32], 5).expect("read"), Some(sealed));
    }
}

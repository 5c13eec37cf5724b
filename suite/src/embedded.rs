//! The embedded chain: an in-process pallet-contracts runtime (`ink_sandbox`'s
//! `DefaultSandbox`, the runtime ink_e2e's `runtime_only` backend uses) with simulated time.
//! Any account may act (no keys); [`Backend::fund`] mints.

use crate::backend::{decode_return, AccountId32, Backend, Called, Weight};
use crate::events::Emitted;
use crate::Signer;
use cgrid_shared::Balance;
use ink_sandbox::api::prelude::*;
use ink_sandbox::macros::{DefaultSandboxRuntime, RuntimeEvent};
use ink_sandbox::pallet_contracts::{self, Determinism, StorageDeposit};
use ink_sandbox::{DefaultSandbox, Sandbox};
use scale::Decode;

/// The embedded chain.
pub struct Embedded {
    sandbox: DefaultSandbox,
    /// The events of every committed call, in order (`contract_events` reads them).
    log: Vec<Vec<Emitted>>,
}

impl Embedded {
    /// What the fixtures and the demo give each party: 10^15 units.
    pub const TOKENS: Balance = 1_000_000_000_000_000;

    /// A fresh chain whose block time is `t0` (ms).
    pub fn new(t0: u64) -> Self {
        let mut sandbox = DefaultSandbox::default();
        sandbox.set_timestamp(t0);
        Embedded {
            sandbox,
            log: Vec::new(),
        }
    }

    /// The value `contract` stores under `key` (ink!'s storage key bytes, as a contract passes
    /// them to `get_storage`), read outside any call. `None`: no such contract or no value.
    pub fn contract_storage(&mut self, contract: &AccountId32, key: &[u8]) -> Option<Vec<u8>> {
        self.sandbox.execute_with(|| {
            pallet_contracts::Pallet::<DefaultSandboxRuntime>::get_storage(
                contract.clone(),
                key.to_vec(),
            )
            .ok()
            .flatten()
        })
    }

    /// The code hash `contract` runs, if it is a contract.
    pub fn code_hash_of(&mut self, contract: &AccountId32) -> Option<[u8; 32]> {
        self.sandbox.execute_with(|| {
            pallet_contracts::Pallet::<DefaultSandboxRuntime>::code_hash(contract).map(Into::into)
        })
    }

    /// `Contracts.remove_code` as `origin` (only the uploader may, and only code no contract
    /// runs or locks as a delegate dependency).
    pub fn remove_code(&mut self, origin: &AccountId32, code_hash: [u8; 32]) -> Result<(), String> {
        self.sandbox.execute_with(|| {
            pallet_contracts::Pallet::<DefaultSandboxRuntime>::remove_code(
                ink_sandbox::frame_system::RawOrigin::Signed(origin.clone()).into(),
                code_hash.into(),
            )
            .map(|_| ())
            .map_err(|e| format!("{:?}", e.error))
        })
    }

    fn call_on<T: Decode>(
        sandbox: &mut DefaultSandbox,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
        value: Balance,
    ) -> Result<Called<T>, String> {
        sandbox.reset_events();
        let result = sandbox.call_contract(
            contract.clone(),
            value,
            data,
            origin.clone(),
            DefaultSandbox::default_gas_limit(),
            None,
            Determinism::Enforced,
        );
        let weight = result.gas_consumed;
        let storage_deposit = match result.storage_deposit {
            StorageDeposit::Charge(b) => i128::try_from(b).unwrap_or(i128::MAX),
            StorageDeposit::Refund(b) => -i128::try_from(b).unwrap_or(i128::MAX),
        };
        let debug = String::from_utf8_lossy(&result.debug_message).into_owned();
        let returned = result
            .result
            .map_err(|e| format!("call trapped: {e:?} {debug}"))?;
        let reverted = returned.did_revert();
        let events = if reverted {
            Vec::new()
        } else {
            emitted(sandbox)
        };
        Ok(Called {
            value: decode_return(&returned.data)?,
            reverted,
            weight,
            storage_deposit,
            events,
        })
    }
}

/// The contract events the runtime recorded since the last reset.
fn emitted(sandbox: &mut DefaultSandbox) -> Vec<Emitted> {
    sandbox
        .events()
        .into_iter()
        .filter_map(|record| match record.event {
            RuntimeEvent::Contracts(pallet_contracts::Event::ContractEmitted {
                contract,
                data,
            }) => Some(Emitted {
                contract,
                topics: record.topics.iter().map(|t| t.0).collect(),
                data,
            }),
            _ => None,
        })
        .collect()
}

impl Backend for Embedded {
    fn deployer(&mut self) -> AccountId32 {
        AccountId32::new([1; 32])
    }

    fn account(&mut self, hint: [u8; 32]) -> AccountId32 {
        AccountId32::new(hint)
    }

    fn add_signer(&mut self, signer: &Signer) -> AccountId32 {
        signer.account()
    }

    fn fund(&mut self, who: &AccountId32, amount: Balance) -> Result<(), String> {
        let have = self.sandbox.free_balance(who);
        if have >= amount {
            return Ok(());
        }
        self.sandbox
            .mint_into(who, amount - have)
            .map(|_| ())
            .map_err(|e| format!("minting for {who}: {e:?}"))
    }

    fn time(&mut self) -> u64 {
        self.sandbox.get_timestamp()
    }

    fn advance_to(&mut self, ms: u64) -> Result<(), String> {
        if self.sandbox.get_timestamp() < ms {
            self.sandbox.set_timestamp(ms);
        }
        Ok(())
    }

    fn simulated_time(&self) -> bool {
        true
    }

    fn last_block(&mut self) -> u64 {
        u64::from(self.sandbox.block_number())
    }

    fn code_hash(&mut self, address: &AccountId32) -> Result<Option<[u8; 32]>, String> {
        Ok(self.sandbox.execute_with(|| {
            pallet_contracts::Pallet::<DefaultSandboxRuntime>::code_hash(address).map(|h| h.0)
        }))
    }

    fn genesis_hash(&mut self) -> [u8; 32] {
        // Every embedded chain starts from the same genesis.
        [0; 32]
    }

    fn upload(&mut self, wasm: &[u8], origin: &AccountId32) -> Result<[u8; 32], String> {
        let uploaded = self
            .sandbox
            .upload_contract(wasm.to_vec(), origin.clone(), None, Determinism::Enforced)
            .map_err(|e| format!("upload failed: {e:?}"))?;
        Ok(uploaded.code_hash.0)
    }

    fn deploy(
        &mut self,
        wasm: &[u8],
        constructor: Vec<u8>,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<(AccountId32, Weight), String> {
        let result = self.sandbox.deploy_contract(
            wasm.to_vec(),
            0,
            constructor,
            salt.to_vec(),
            origin.clone(),
            DefaultSandbox::default_gas_limit(),
            None,
        );
        let weight = result.gas_consumed;
        let debug = String::from_utf8_lossy(&result.debug_message).into_owned();
        let ok = result
            .result
            .map_err(|e| format!("instantiation failed: {e:?} {debug}"))?;
        if ok.result.did_revert() {
            return Err(format!("constructor reverted {debug}"));
        }
        Ok((ok.account_id, weight))
    }

    fn call_raw<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
        value: Balance,
    ) -> Result<Called<T>, String> {
        let called = Self::call_on::<T>(&mut self.sandbox, contract, origin, data, value)?;
        self.log.push(called.events.clone());
        Ok(called)
    }

    fn contract_events(
        &mut self,
        cursor: u64,
        contract: &AccountId32,
    ) -> Result<(u64, Vec<Emitted>), String> {
        let from = usize::try_from(cursor)
            .unwrap_or(usize::MAX)
            .min(self.log.len());
        let events = self.log[from..]
            .iter()
            .flatten()
            .filter(|e| e.contract == *contract)
            .cloned()
            .collect();
        Ok((self.log.len() as u64, events))
    }

    fn query_raw<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
        value: Balance,
    ) -> Result<Called<T>, String> {
        self.sandbox.dry_run(|sandbox| {
            let mut called = Self::call_on(sandbox, contract, origin, data, value)?;
            called.events.clear();
            Ok(called)
        })
    }

    fn balance(&mut self, who: &AccountId32) -> Balance {
        self.sandbox.free_balance(who)
    }
}

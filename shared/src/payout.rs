//! Deferred payouts: one home for what the escrow and the auction do when the chain refuses a
//! transfer (e.g. an amount below the existential deposit to an account that was reaped).
//! The amount is kept for its owner ([`Unclaimed`]) and withdrawn later by the owner alone
//! (`withdraw_unclaimed` in both contracts): a payout is never lost and never blocks the close
//! or the auction that owes it.
//!
//! The contract announces what happened with its own events (`PayoutDeferred` when
//! [`Unclaimed::pay`] kept something, `UnclaimedWithdrawn` after [`Unclaimed::withdraw`]; ink!
//! lists an event defined here in the metadata of every contract that links this crate, so
//! the events stay with the two contracts that emit them) and keeps its own solvency sum (the
//! escrow's `owed`, the auction's `held`): it adds what `pay` kept and subtracts what
//! `withdraw` paid out.

use crate::escrow::Balance;
use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::storage::Mapping;

/// Why a deferred-payout operation failed (each contract maps it onto its own `Error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutError {
    /// A sum would not fit in a `Balance`.
    Overflow,
    /// The caller has nothing kept.
    NothingToWithdraw,
    /// The chain refused the withdrawal's transfer (nothing changed).
    TransferFailed,
}

/// Payouts kept for their owners.
#[ink::storage_item]
#[derive(Default, Debug)]
pub struct Unclaimed {
    kept: Mapping<AccountId, Balance>,
}

/// The chain's transfer from the executing contract; `true` when it went through.
pub fn chain_transfer(to: AccountId, amount: Balance) -> bool {
    ink::env::transfer::<DefaultEnvironment>(to, amount).is_ok()
}

impl Unclaimed {
    /// What is kept for `account`.
    pub fn of(&self, account: AccountId) -> Balance {
        self.kept.get(account).unwrap_or(0)
    }

    /// Pays `amount` to `to`; if the chain refuses the transfer, keeps it for `to`. Returns what
    /// was kept (0 when paid or when `amount` is 0).
    pub fn pay(&mut self, to: AccountId, amount: Balance) -> Result<Balance, PayoutError> {
        self.pay_via(to, amount, chain_transfer)
    }

    /// Pays `caller` everything kept for it; returns the amount. The caller must revert its own
    /// state on `Err` (a contract message returning `Err` does).
    pub fn withdraw(&mut self, caller: AccountId) -> Result<Balance, PayoutError> {
        self.withdraw_via(caller, chain_transfer)
    }

    // The transfer is a parameter only for the unit tests: ink!'s off-chain environment never
    // refuses a transfer, the chain does.
    fn pay_via(
        &mut self,
        to: AccountId,
        amount: Balance,
        transfer: impl FnOnce(AccountId, Balance) -> bool,
    ) -> Result<Balance, PayoutError> {
        if amount == 0 || transfer(to, amount) {
            return Ok(0);
        }
        let kept = self
            .of(to)
            .checked_add(amount)
            .ok_or(PayoutError::Overflow)?;
        self.kept.insert(to, &kept);
        Ok(amount)
    }

    fn withdraw_via(
        &mut self,
        caller: AccountId,
        transfer: impl FnOnce(AccountId, Balance) -> bool,
    ) -> Result<Balance, PayoutError> {
        // `pay` never keeps a zero amount, so an entry is always something to withdraw.
        let amount = self
            .kept
            .get(caller)
            .ok_or(PayoutError::NothingToWithdraw)?;
        self.kept.remove(caller);
        if !transfer(caller, amount) {
            return Err(PayoutError::TransferFailed);
        }
        Ok(amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ink::env::test;

    type Env = DefaultEnvironment;

    fn balance(account: AccountId) -> Balance {
        test::get_account_balance::<Env>(account).unwrap_or(0)
    }

    fn refused(_: AccountId, _: Balance) -> bool {
        false
    }

    #[ink::test]
    fn a_refused_payout_is_kept_announced_and_withdrawn_by_its_owner_only() {
        let accounts = test::default_accounts::<Env>();
        test::set_account_balance::<Env>(test::callee::<Env>(), 1_000_000_000);
        let mut unclaimed = Unclaimed::default();
        let bob_before = balance(accounts.bob);

        // Paid through the chain: nothing kept.
        assert_eq!(unclaimed.pay(accounts.bob, 60), Ok(0));
        assert_eq!(balance(accounts.bob), bob_before + 60);
        assert_eq!(unclaimed.pay(accounts.bob, 0), Ok(0));

        // Refused: kept (twice adds up); a zero amount is not kept.
        assert_eq!(unclaimed.pay_via(accounts.bob, 50, refused), Ok(50));
        assert_eq!(unclaimed.pay_via(accounts.bob, 70, refused), Ok(70));
        assert_eq!(unclaimed.pay_via(accounts.charlie, 0, refused), Ok(0));
        assert_eq!(unclaimed.of(accounts.bob), 120);
        assert_eq!(unclaimed.of(accounts.charlie), 0);
        assert_eq!(balance(accounts.bob), bob_before + 60);

        // Nobody else can take it; while the chain refuses, the owner's withdrawal fails (the
        // contract message reverts on `Err`, restoring the entry).
        assert_eq!(
            unclaimed.withdraw(accounts.charlie),
            Err(PayoutError::NothingToWithdraw)
        );
        assert_eq!(
            unclaimed.withdraw_via(accounts.bob, refused),
            Err(PayoutError::TransferFailed)
        );

        // Once the chain pays, the owner gets exactly what was kept, once.
        let mut unclaimed = Unclaimed::default();
        assert_eq!(unclaimed.pay_via(accounts.bob, 50, refused), Ok(50));
        assert_eq!(unclaimed.withdraw(accounts.bob), Ok(50));
        assert_eq!(balance(accounts.bob), bob_before + 60 + 50);
        assert_eq!(unclaimed.of(accounts.bob), 0);
        assert_eq!(
            unclaimed.withdraw(accounts.bob),
            Err(PayoutError::NothingToWithdraw)
        );
    }

    #[ink::test]
    fn a_kept_sum_that_would_overflow_is_refused() {
        let accounts = test::default_accounts::<Env>();
        let mut unclaimed = Unclaimed::default();
        assert_eq!(
            unclaimed.pay_via(accounts.bob, Balance::MAX, refused),
            Ok(Balance::MAX)
        );
        assert_eq!(
            unclaimed.pay_via(accounts.bob, 1, refused),
            Err(PayoutError::Overflow)
        );
        assert_eq!(unclaimed.of(accounts.bob), Balance::MAX);
    }
}

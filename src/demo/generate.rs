//! The demo bank's records and their deterministic generator: the same seed and size
//! always give the same data set, byte for byte.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::values;
use crate::transform::calendar::{civil_from_days, days_from_civil};

/// A row of `customers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    pub customer_id: i64,
    pub name: String,
    pub id_number: String,
    pub mobile: String,
    pub email: String,
    pub address: String,
    pub birth_date: String,
    pub password_hash: String,
    pub created_at: String,
    pub branch_code: String,
}

/// A row of `cards`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    pub card_id: i64,
    pub customer_id: i64,
    pub card_no: String,
    pub cvv: String,
    pub expiry: String,
    pub track2: String,
    pub issued_at: String,
    pub status: String,
}

/// A row of `accounts`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub account_id: i64,
    pub customer_id: i64,
    pub account_no: String,
    pub balance: String,
    pub currency: String,
    pub opened_at: String,
    pub branch_code: String,
}

/// A row of `transactions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    pub txn_id: i64,
    pub account_id: i64,
    pub amount: String,
    pub counterparty_name: String,
    pub counterparty_account: String,
    pub memo: String,
    pub created_at: String,
}

/// A row of `sms_codes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsCode {
    pub id: i64,
    pub mobile: String,
    pub code: String,
    pub sent_at: String,
}

/// A whole generated data set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoData {
    pub customers: Vec<Customer>,
    pub cards: Vec<Card>,
    pub accounts: Vec<Account>,
    pub transactions: Vec<Transaction>,
    pub sms_codes: Vec<SmsCode>,
}

/// The window in which customers join the bank.
fn bank_days() -> (i64, i64) {
    (days_from_civil(2015, 1, 1), days_from_civil(2025, 6, 30))
}

impl DemoData {
    /// Generates `customers` customers with about 2 cards, 2 accounts, 20
    /// transactions and 1 SMS code each, from `seed`.
    pub fn generate(seed: u64, customers: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut data = DemoData::default();
        for i in 0..customers {
            let (customer, joined) = customer(&mut rng, i as i64 + 1);
            for _ in 0..rng.random_range(1..=3) {
                let id = data.cards.len() as i64 + 1;
                data.cards.push(card(&mut rng, id, &customer, joined));
            }
            for _ in 0..rng.random_range(1..=3) {
                let id = data.accounts.len() as i64 + 1;
                let (account, opened) = account(&mut rng, id, &customer, joined);
                data.add_transactions(&mut rng, &account, opened, &customer);
                data.accounts.push(account);
            }
            if rng.random_bool(0.8) {
                let (_, last) = bank_days();
                let sent = values::moment_between(&mut rng, joined, last);
                data.sms_codes.push(SmsCode {
                    id: data.sms_codes.len() as i64 + 1,
                    mobile: customer.mobile.clone(),
                    code: values::code(&mut rng, 6),
                    sent_at: values::timestamp(sent),
                });
            }
            data.customers.push(customer);
        }
        data
    }

    fn add_transactions(
        &mut self,
        rng: &mut StdRng,
        account: &Account,
        opened: i64,
        customer: &Customer,
    ) {
        let card_no = self
            .cards
            .last()
            .map_or("", |c| c.card_no.as_str())
            .to_owned();
        for _ in 0..rng.random_range(5..=15) {
            let other_mobile = values::mobile(rng);
            let counterparty_name = if rng.random_bool(0.6) {
                let female = rng.random_bool(0.5);
                values::person_name(rng, female)
            } else {
                values::company_name(rng)
            };
            let mobile = if rng.random_bool(0.5) {
                &customer.mobile
            } else {
                &other_mobile
            };
            let when = values::moment_between(rng, opened, bank_days().1 + 1);
            let debit = rng.random_bool(0.6);
            // A quarter of transfers go to another account of the bank, so joins of
            // counterparty_account on accounts.account_no find rows.
            let (counterparty_name, counterparty_account) =
                match self.internal_counterparty(rng, customer) {
                    Some(internal) => internal,
                    None => (counterparty_name, values::account_number(rng)),
                };
            self.transactions.push(Transaction {
                txn_id: self.transactions.len() as i64 + 1,
                account_id: account.account_id,
                amount: values::money(rng, 50_000, debit),
                counterparty_name,
                counterparty_account,
                memo: values::memo(rng, &card_no, mobile),
                created_at: values::timestamp(when),
            });
        }
    }
}

impl DemoData {
    /// One in four times: an earlier account of the bank and its owner's name.
    fn internal_counterparty(
        &self,
        rng: &mut StdRng,
        current: &Customer,
    ) -> Option<(String, String)> {
        if self.accounts.is_empty() || !rng.random_bool(0.25) {
            return None;
        }
        let other = &self.accounts[rng.random_range(0..self.accounts.len())];
        let owner = self
            .customers
            .iter()
            .find(|c| c.customer_id == other.customer_id)
            .unwrap_or(current);
        Some((owner.name.clone(), other.account_no.clone()))
    }
}

fn branch_code(district: u32, rng: &mut StdRng) -> String {
    format!("{:04}{:03}", district / 100, rng.random_range(1..40))
}

/// A customer, and the day they joined.
fn customer(rng: &mut StdRng, customer_id: i64) -> (Customer, i64) {
    let female = rng.random_bool(0.5);
    let home = values::district(rng);
    let origin = values::district(rng).code;
    let birth = values::birth_day(rng);
    let (first, last) = bank_days();
    // Customers join once they are 18, within the bank's window.
    let joined = values::moment_between(rng, first.max(birth + 18 * 366), last);
    let customer = Customer {
        customer_id,
        name: values::person_name(rng, female),
        id_number: values::id_number(rng, origin, birth, female),
        mobile: values::mobile(rng),
        email: values::email(rng),
        address: values::address(rng, home),
        birth_date: values::date(birth),
        password_hash: values::password_hash(rng),
        created_at: values::timestamp(joined),
        branch_code: branch_code(home.code, rng),
    };
    (customer, joined.div_euclid(86_400))
}

fn card(rng: &mut StdRng, card_id: i64, customer: &Customer, joined: i64) -> Card {
    let issued = rng.random_range(joined..=bank_days().1);
    let (y, m, _) = civil_from_days(issued);
    let expiry_year = y + rng.random_range(5..=10);
    let card_no = values::card_number(rng);
    let status = match rng.random_range(0..20) {
        0 => "frozen",
        1 => "closed",
        _ => "active",
    };
    Card {
        card_id,
        customer_id: customer.customer_id,
        track2: values::track2(rng, &card_no, expiry_year, m),
        card_no,
        cvv: values::code(rng, 3),
        expiry: format!("{m:02}/{:02}", expiry_year % 100),
        issued_at: values::date(issued),
        status: status.to_owned(),
    }
}

/// An account, and the day it was opened.
fn account(rng: &mut StdRng, account_id: i64, customer: &Customer, joined: i64) -> (Account, i64) {
    let opened = values::moment_between(rng, joined, bank_days().1 + 1);
    let currency = match rng.random_range(0..100) {
        0..90 => "CNY",
        90..95 => "USD",
        95..98 => "HKD",
        _ => "EUR",
    };
    let account = Account {
        account_id,
        customer_id: customer.customer_id,
        account_no: values::account_number(rng),
        balance: values::money(rng, 5_000_000, false),
        currency: currency.to_owned(),
        opened_at: values::timestamp(opened),
        branch_code: customer.branch_code.clone(),
    };
    (account, opened.div_euclid(86_400))
}

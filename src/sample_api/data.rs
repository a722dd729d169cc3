//! The sample API's data: the demo bank's customers, cards, accounts and transactions
//! as JSON, generated deterministically from a seed (all fictional). Card numbers pass
//! Luhn and ID numbers carry a valid date and check character, so format-preserving
//! transforms have real shapes to work on.
//!
//! When the demo generator (`src/demo/`) is in the build this is the place to take
//! its data from instead; the API only needs these four lists.

use serde_json::{Value, json};

/// The demo bank's rows, as JSON objects with the columns' names.
pub struct SampleData {
    pub customers: Vec<Value>,
    pub cards: Vec<Value>,
    pub accounts: Vec<Value>,
    pub transactions: Vec<Value>,
}

/// splitmix64: small, deterministic, good enough for fictional data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "欧阳", "司马",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇",
];
const REGIONS: &[(&str, &str)] = &[
    ("110105", "北京市朝阳区建国路"),
    ("310115", "上海市浦东新区世纪大道"),
    ("440305", "广东省深圳市南山区科技园路"),
    ("330106", "浙江省杭州市西湖区文三路"),
];
const MEMOS: &[&str] = &["工资", "房租", "转账", "还款", "网购", "水电费"];

fn luhn_digit(payload: &str) -> char {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn id_check(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

impl SampleData {
    /// `customers` customers, each with two cards, one account and five transactions.
    pub fn generate(seed: u64, customers: u64) -> SampleData {
        let mut rng = Rng(seed);
        let mut data = SampleData {
            customers: Vec::new(),
            cards: Vec::new(),
            accounts: Vec::new(),
            transactions: Vec::new(),
        };
        for id in 1..=customers {
            data.customer(&mut rng, id);
        }
        data
    }

    fn customer(&mut self, rng: &mut Rng, id: u64) {
        let (region, street) = REGIONS[rng.below(REGIONS.len() as u64) as usize];
        let (y, m, d) = (1960 + rng.below(45), 1 + rng.below(12), 1 + rng.below(28));
        let first17 = format!("{region}{y:04}{m:02}{d:02}{}", rng.digits(3));
        let mobile = format!(
            "{}{}",
            rng.pick(&["138", "139", "186", "150"]),
            rng.digits(8)
        );
        self.customers.push(json!({
            "customer_id": id,
            "name": format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
            "id_number": format!("{first17}{}", id_check(&first17)),
            "birth_date": format!("{y:04}-{m:02}-{d:02}"),
            "contact": {
                "mobile": mobile,
                "email": format!("user{id}@example.com"),
                "address": format!("{street}{}号", 1 + rng.below(300)),
            },
            "password_hash": format!("$argon2id$v=19$m=65536$demo{}", rng.digits(12)),
            "created_at": format!("2021-{:02}-{:02}T09:30:00Z", m, d),
            "branch_code": format!("BR{:03}", rng.below(50)),
        }));
        for k in 0..2 {
            let payload = format!("622202{}", rng.digits(9));
            let card_no = format!("{payload}{}", luhn_digit(&payload));
            let expiry = format!("{:02}/{:02}", 1 + rng.below(12), 27 + rng.below(5));
            self.cards.push(json!({
                "card_id": id * 10 + k,
                "customer_id": id,
                "card_no": card_no,
                "cvv": rng.digits(3),
                "expiry": expiry,
                "track2": format!(";{card_no}={}?", rng.digits(12)),
                "issued_at": format!("2022-{:02}-15", 1 + rng.below(12)),
                "status": rng.pick(&["active", "active", "blocked"]),
            }));
        }
        self.account(rng, id);
    }

    fn account(&mut self, rng: &mut Rng, customer: u64) {
        let account_id = 100_000 + customer;
        let balance = format!("{}.{:02}", rng.below(2_000_000), rng.below(100));
        self.accounts.push(json!({
            "account_id": account_id,
            "customer_id": customer,
            "account_no": format!("6217{}", rng.digits(15)),
            "balance": balance.parse::<serde_json::Number>().unwrap_or_else(|_| 0.into()),
            "currency": "CNY",
            "opened_at": "2020-06-01T08:00:00Z",
            "branch_code": format!("BR{:03}", rng.below(50)),
        }));
        for t in 0..5 {
            let amount = format!("{}.{:02}", rng.below(50_000), rng.below(100));
            self.transactions.push(json!({
                "txn_id": account_id * 100 + t,
                "account_id": account_id,
                "amount": amount.parse::<serde_json::Number>().unwrap_or_else(|_| 0.into()),
                "counterparty_name": format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
                "counterparty_account": format!("6217{}", rng.digits(15)),
                "memo": rng.pick(MEMOS),
                "created_at": format!("2024-03-{:02}T12:00:00Z", 1 + t),
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_bank() {
        let a = SampleData::generate(7, 3);
        let b = SampleData::generate(7, 3);
        assert_eq!(a.customers, b.customers);
        assert_eq!(a.cards.len(), 6);
        assert_eq!(a.transactions.len(), 15);
    }

    #[test]
    fn card_numbers_pass_luhn_and_ids_have_their_check_character() {
        let data = SampleData::generate(1, 5);
        for card in &data.cards {
            let no = card["card_no"].as_str().unwrap();
            assert_eq!(luhn_digit(&no[..no.len() - 1]), no.chars().last().unwrap());
        }
        for c in &data.customers {
            let id = c["id_number"].as_str().unwrap();
            assert_eq!(id_check(&id[..17]), id.chars().last().unwrap());
        }
    }
}

//! Tests of the demo generator: every generated value passes its own validator, the
//! data set is reproducible from its seed, and the writers match the schema.

use super::{DemoData, SCHEMA_SQL, Table};
use crate::transform::calendar::is_valid_date;
use crate::transform::card::luhn_valid as luhn_valid_bytes;
use crate::transform::cn_id::cn_id_check_char;
use crate::transform::dictionaries::regions;

fn data() -> DemoData {
    DemoData::generate(7, 40)
}

fn luhn_valid(number: &str) -> bool {
    luhn_valid_bytes(number.as_bytes())
}

fn id_valid(id: &str) -> bool {
    let b = id.as_bytes();
    let num = |r: std::ops::Range<usize>| id[r].parse::<u32>().unwrap();
    id.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && cn_id_check_char(&b[..17]) == Some(b[17])
        && regions::DISTRICTS.iter().any(|d| d.code == num(0..6))
        && (1950..=2005).contains(&num(6..10))
        && is_valid_date(i64::from(num(6..10)), num(10..12), num(12..14))
}

fn mobile_valid(m: &str) -> bool {
    let b = m.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// Column names of a table as `schema.sql` declares them.
fn schema_columns(table: &str) -> Vec<String> {
    let start = SCHEMA_SQL.find(&format!("CREATE TABLE {table} (")).unwrap();
    let body = &SCHEMA_SQL[start..];
    let body = &body[body.find('(').unwrap() + 1..body.find(");").unwrap()];
    body.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|c| c.trim_end_matches(',').to_owned())
        .collect()
}

#[test]
fn gb11643_check_characters_match_the_published_examples() {
    assert_eq!(cn_id_check_char(b"11010519491231002"), Some(b'X'));
    assert_eq!(cn_id_check_char(b"11010119900307447"), Some(b'7'));
}

#[test]
fn card_numbers_are_unionpay_shaped_and_pass_luhn() {
    for card in &data().cards {
        let n = &card.card_no;
        assert!(n.starts_with("62") && (16..=19).contains(&n.len()), "{n}");
        assert!(
            n.bytes().all(|b| b.is_ascii_digit()) && luhn_valid(n),
            "{n}"
        );
        assert!(card.track2.starts_with(&format!(";{n}=")) && card.track2.ends_with('?'));
        assert_eq!(card.cvv.len(), 3);
        let (mm, yy) = card.expiry.split_once('/').unwrap();
        assert!((1..=12).contains(&mm.parse::<u32>().unwrap()) && yy.len() == 2);
    }
}

#[test]
fn id_numbers_have_real_regions_dates_and_check_characters() {
    for c in &data().customers {
        assert!(id_valid(&c.id_number), "{}", c.id_number);
        let birth = c.birth_date.replace('-', "");
        assert_eq!(&c.id_number[6..14], birth);
    }
}

#[test]
fn mobiles_emails_and_money_have_their_shapes() {
    let d = data();
    assert!(d.customers.iter().all(|c| mobile_valid(&c.mobile)));
    assert!(
        d.sms_codes
            .iter()
            .all(|s| mobile_valid(&s.mobile) && s.code.len() == 6)
    );
    assert!(d.customers.iter().all(|c| c.email.ends_with(".com")
        || c.email.ends_with(".net")
        || c.email.ends_with(".org")));
    let money_ok = |m: &str| {
        let m = m.trim_start_matches('-');
        let (int, frac) = m.split_once('.').unwrap();
        frac.len() == 2 && !int.is_empty() && int.len() <= 12
    };
    assert!(d.accounts.iter().all(|a| money_ok(&a.balance)));
    assert!(d.transactions.iter().all(|t| money_ok(&t.amount)));
    assert!(
        d.customers
            .iter()
            .all(|c| c.created_at.ends_with("+08") && c.created_at.len() == 22)
    );
}

#[test]
fn sizes_follow_the_customer_count_and_references_hold() {
    let d = data();
    assert_eq!(d.customers.len(), 40);
    assert!((40..=120).contains(&d.cards.len()));
    assert!((40..=120).contains(&d.accounts.len()));
    assert!(d.transactions.len() >= d.accounts.len() * 5);
    assert!(d.cards.iter().all(|c| (1..=40).contains(&c.customer_id)));
    let accounts = d.accounts.len() as i64;
    assert!(
        d.transactions
            .iter()
            .all(|t| (1..=accounts).contains(&t.account_id))
    );
}

#[test]
fn some_memos_carry_a_card_or_mobile_number() {
    let d = data();
    let leaky = d
        .transactions
        .iter()
        .filter(|t| t.memo.bytes().filter(u8::is_ascii_digit).count() >= 11);
    assert!(leaky.count() >= 3);
}

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    assert_eq!(DemoData::generate(1, 10), DemoData::generate(1, 10));
    assert_ne!(DemoData::generate(1, 10), DemoData::generate(2, 10));
}

#[test]
fn csv_header_is_the_schema_column_list() {
    let d = data();
    for table in Table::ALL {
        assert_eq!(table.columns(), schema_columns(table.name()).as_slice());
        let mut out = Vec::new();
        d.write_csv(table, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().next().unwrap(), table.columns().join(","));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.records().count(), d.rows(table).len());
    }
}

#[test]
fn json_lines_keep_column_order_and_exact_amounts() {
    let d = data();
    let mut out = Vec::new();
    d.write_jsonl(Table::Accounts, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let first = text.lines().next().unwrap();
    let value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(first).unwrap();
    let keys: Vec<&str> = value.keys().map(String::as_str).collect();
    assert_eq!(keys, Table::Accounts.columns());
    assert!(first.contains(&format!("\"balance\":{}", d.accounts[0].balance)));
    assert_eq!(text.lines().count(), d.accounts.len());
}

#[test]
fn sql_inserts_every_row_with_quotes_escaped() {
    let mut d = DemoData::generate(3, 5);
    d.customers[0].address = "O'Brien 路".into();
    let mut out = Vec::new();
    d.write_sql(&mut out).unwrap();
    let sql = String::from_utf8(out).unwrap();
    assert!(sql.starts_with("BEGIN;") && sql.trim_end().ends_with("COMMIT;"));
    assert!(sql.contains("'O''Brien 路'"));
    for table in Table::ALL {
        assert!(sql.contains(&format!("INSERT INTO {} (", table.name())));
    }
    let rows = sql.lines().filter(|l| l.starts_with("  (")).count();
    let expected: usize = Table::ALL.iter().map(|t| d.rows(*t).len()).sum();
    assert_eq!(rows, expected);
}

#[test]
fn generated_addresses_parse_down_to_their_district() {
    use crate::transform::address::RegionPrefix;
    for c in &data().customers {
        assert!(
            RegionPrefix::parse(&c.address).district.is_some(),
            "{}",
            c.address
        );
    }
}

//! Writers of a generated data set: SQL `INSERT` statements that load after
//! [`super::SCHEMA_SQL`], CSV with a header row, and JSON lines (one object per row,
//! keys in column order). All stream to a [`Write`].

use std::io::{self, Write};

use super::generate::{Account, Card, Customer, DemoData, SmsCode, Transaction};

/// The demo tables, in load order (parents before children).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    Customers,
    Cards,
    Accounts,
    Transactions,
    SmsCodes,
}

impl Table {
    /// Every table, in load order.
    pub const ALL: [Table; 5] = [
        Table::Customers,
        Table::Cards,
        Table::Accounts,
        Table::Transactions,
        Table::SmsCodes,
    ];

    /// The table's SQL name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Customers => "customers",
            Table::Cards => "cards",
            Table::Accounts => "accounts",
            Table::Transactions => "transactions",
            Table::SmsCodes => "sms_codes",
        }
    }

    /// The table of a SQL name.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The column names, in schema order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Customers => &[
                "customer_id",
                "name",
                "id_number",
                "mobile",
                "email",
                "address",
                "birth_date",
                "password_hash",
                "created_at",
                "branch_code",
            ],
            Table::Cards => &[
                "card_id",
                "customer_id",
                "card_no",
                "cvv",
                "expiry",
                "track2",
                "issued_at",
                "status",
            ],
            Table::Accounts => &[
                "account_id",
                "customer_id",
                "account_no",
                "balance",
                "currency",
                "opened_at",
                "branch_code",
            ],
            Table::Transactions => &[
                "txn_id",
                "account_id",
                "amount",
                "counterparty_name",
                "counterparty_account",
                "memo",
                "created_at",
            ],
            Table::SmsCodes => &["id", "mobile", "code", "sent_at"],
        }
    }
}

/// One value of a row, typed as far as the writers need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell<'a> {
    /// bigint
    Int(i64),
    /// numeric, as exact text
    Numeric(&'a str),
    /// text, char, varchar, date, timestamptz
    Text(&'a str),
}

impl Cell<'_> {
    fn text(&self) -> String {
        match self {
            Cell::Int(n) => n.to_string(),
            Cell::Numeric(s) | Cell::Text(s) => (*s).to_owned(),
        }
    }

    fn sql(&self) -> String {
        match self {
            Cell::Int(n) => n.to_string(),
            Cell::Numeric(s) | Cell::Text(s) => format!("'{}'", s.replace('\'', "''")),
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Int(n) => serde_json::Value::from(*n),
            // arbitrary_precision keeps `12.30` exactly as written.
            Cell::Numeric(s) => serde_json::from_str::<serde_json::Number>(s)
                .map_or_else(|_| serde_json::Value::from(*s), serde_json::Value::Number),
            Cell::Text(s) => serde_json::Value::from(*s),
        }
    }
}

/// Rows sent per `INSERT` statement.
const INSERT_BATCH: usize = 200;

impl DemoData {
    /// The rows of one table, cells in column order.
    pub fn rows(&self, table: Table) -> Vec<Vec<Cell<'_>>> {
        match table {
            Table::Customers => self.customers.iter().map(customer_row).collect(),
            Table::Cards => self.cards.iter().map(card_row).collect(),
            Table::Accounts => self.accounts.iter().map(account_row).collect(),
            Table::Transactions => self.transactions.iter().map(transaction_row).collect(),
            Table::SmsCodes => self.sms_codes.iter().map(sms_code_row).collect(),
        }
    }

    /// `INSERT` statements for every table, in load order, in one transaction.
    pub fn write_sql<W: Write>(&self, w: &mut W) -> io::Result<()> {
        writeln!(w, "BEGIN;")?;
        self.write_inserts(w)?;
        writeln!(w, "COMMIT;")
    }

    /// The `INSERT` statements alone (no transaction), tables in load order.
    pub fn write_inserts<W: Write>(&self, w: &mut W) -> io::Result<()> {
        for table in Table::ALL {
            let columns = table.columns().join(", ");
            for batch in self.rows(table).chunks(INSERT_BATCH) {
                writeln!(w, "INSERT INTO {} ({columns}) VALUES", table.name())?;
                for (i, row) in batch.iter().enumerate() {
                    let values: Vec<String> = row.iter().map(Cell::sql).collect();
                    let end = if i + 1 == batch.len() { ";" } else { "," };
                    writeln!(w, "  ({}){end}", values.join(", "))?;
                }
            }
        }
        Ok(())
    }

    /// One table as CSV, with a header row of its column names.
    pub fn write_csv<W: Write>(&self, table: Table, w: &mut W) -> io::Result<()> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(table.columns())?;
        for row in self.rows(table) {
            out.write_record(row.iter().map(Cell::text))?;
        }
        out.flush()
    }

    /// One table as JSON lines: one object per row, keys in column order.
    pub fn write_jsonl<W: Write>(&self, table: Table, w: &mut W) -> io::Result<()> {
        for row in self.rows(table) {
            let object: serde_json::Map<String, serde_json::Value> = table
                .columns()
                .iter()
                .zip(&row)
                .map(|(name, cell)| ((*name).to_owned(), cell.json()))
                .collect();
            serde_json::to_writer(&mut *w, &object)?;
            writeln!(w)?;
        }
        Ok(())
    }
}

fn customer_row(c: &Customer) -> Vec<Cell<'_>> {
    use Cell::{Int, Text};
    vec![
        Int(c.customer_id),
        Text(&c.name),
        Text(&c.id_number),
        Text(&c.mobile),
        Text(&c.email),
        Text(&c.address),
        Text(&c.birth_date),
        Text(&c.password_hash),
        Text(&c.created_at),
        Text(&c.branch_code),
    ]
}

fn card_row(c: &Card) -> Vec<Cell<'_>> {
    use Cell::{Int, Text};
    vec![
        Int(c.card_id),
        Int(c.customer_id),
        Text(&c.card_no),
        Text(&c.cvv),
        Text(&c.expiry),
        Text(&c.track2),
        Text(&c.issued_at),
        Text(&c.status),
    ]
}

fn account_row(a: &Account) -> Vec<Cell<'_>> {
    use Cell::{Int, Numeric, Text};
    vec![
        Int(a.account_id),
        Int(a.customer_id),
        Text(&a.account_no),
        Numeric(&a.balance),
        Text(&a.currency),
        Text(&a.opened_at),
        Text(&a.branch_code),
    ]
}

fn transaction_row(t: &Transaction) -> Vec<Cell<'_>> {
    use Cell::{Int, Numeric, Text};
    vec![
        Int(t.txn_id),
        Int(t.account_id),
        Numeric(&t.amount),
        Text(&t.counterparty_name),
        Text(&t.counterparty_account),
        Text(&t.memo),
        Text(&t.created_at),
    ]
}

fn sms_code_row(s: &SmsCode) -> Vec<Cell<'_>> {
    use Cell::{Int, Text};
    vec![Int(s.id), Text(&s.mobile), Text(&s.code), Text(&s.sent_at)]
}

-- The demo bank's schema (PostgreSQL, schema public). See docs/demo.md.

CREATE TABLE customers (
    customer_id bigint PRIMARY KEY,
    name text,
    id_number char(18),
    mobile char(11),
    email text,
    address text,
    birth_date date,
    password_hash text,
    created_at timestamptz,
    branch_code text
);

CREATE TABLE cards (
    card_id bigint PRIMARY KEY,
    customer_id bigint REFERENCES customers,
    card_no varchar(19),
    cvv char(3),
    expiry char(5),
    track2 text,
    issued_at date,
    status text
);

CREATE TABLE accounts (
    account_id bigint PRIMARY KEY,
    customer_id bigint REFERENCES customers,
    account_no varchar(22),
    balance numeric(14,2),
    currency char(3),
    opened_at timestamptz,
    branch_code text
);

CREATE TABLE transactions (
    txn_id bigint PRIMARY KEY,
    account_id bigint REFERENCES accounts,
    amount numeric(14,2),
    counterparty_name text,
    counterparty_account varchar(22),
    memo text,
    created_at timestamptz
);

CREATE TABLE sms_codes (
    id bigint PRIMARY KEY,
    mobile char(11),
    code char(6),
    sent_at timestamptz
);

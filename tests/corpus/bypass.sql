-- Attempts to get sensitive values out, by a user who knows the schema and the policy.
-- Each must be refused for every consumer it names (default: all four), except lines
-- ending in "-- masked": allowed only with every sensitive output masked by the gateway.
-- "-- #N" opens the cases of threat N of threats.md.

-- #1 expression wrapping
SELECT lower(name) FROM customers
SELECT upper(card_no) FROM cards
SELECT card_no || '' FROM cards
SELECT substr(card_no, 1, 6) FROM cards
SELECT substring(card_no FROM 1 FOR 6) FROM cards
SELECT card_no::text FROM cards
SELECT CAST(card_no AS text) FROM cards
SELECT encode(mobile::bytea, 'hex') FROM customers
SELECT concat(id_number) FROM customers
SELECT format('%s', email) FROM customers
SELECT CASE WHEN card_id > 0 THEN card_no END FROM cards
SELECT coalesce(address, '') FROM customers
SELECT trim(name) FROM customers
SELECT md5(id_number) FROM customers
SELECT reverse(mobile) FROM customers
SELECT left(card_no, 8), right(card_no, 4) FROM cards
SELECT balance + 0 FROM accounts
SELECT -amount FROM transactions
SELECT (card_no) || 'x' FROM cards
SELECT nullif(card_no, '') FROM cards
SELECT greatest(card_no, '') FROM cards
SELECT overlay(card_no placing 'x' from 1 for 1) FROM cards
SELECT position('62' in card_no) FROM cards
SELECT length(name) FROM customers
SELECT to_char(birth_date, 'YYYY-MM-DD') FROM customers
SELECT extract(day from birth_date) FROM customers
SELECT birth_date - date '1900-01-01' FROM customers
SELECT mobile COLLATE "C" FROM customers

-- #2 set operations
SELECT name FROM customers UNION SELECT card_no FROM cards
SELECT card_id::text FROM cards UNION ALL SELECT card_no FROM cards
SELECT card_no FROM cards INTERSECT SELECT card_no FROM cards
SELECT mobile FROM customers EXCEPT SELECT mobile FROM sms_codes
SELECT card_no FROM cards UNION SELECT card_no FROM cards
SELECT branch_code FROM customers UNION SELECT cvv FROM cards
SELECT x FROM (SELECT name AS x FROM customers UNION SELECT email FROM customers) u
SELECT id_number FROM customers UNION SELECT '1' ORDER BY 1

-- #3 subqueries and CTEs
SELECT (SELECT card_no FROM cards LIMIT 1)
SELECT c.customer_id, (SELECT k.card_no FROM cards k WHERE k.customer_id = c.customer_id LIMIT 1) FROM customers c
SELECT x FROM (SELECT lower(card_no) AS x FROM cards) s
WITH t AS (SELECT upper(name) AS n FROM customers) SELECT n FROM t
WITH RECURSIVE r(v) AS (SELECT card_no FROM cards UNION ALL SELECT v FROM r WHERE false) SELECT v FROM r
SELECT l.x FROM customers c, LATERAL (SELECT lower(c.name) AS x) l
SELECT * FROM (SELECT cvv FROM cards) s
WITH s AS (SELECT track2 FROM cards) SELECT count(*) FROM s
SELECT card_id FROM cards WHERE EXISTS (SELECT 1 FROM cards k WHERE k.cvv = '123')
SELECT card_id FROM cards WHERE card_no IN (SELECT name FROM customers)
SELECT card_id FROM cards WHERE card_no IN (SELECT lower(card_no) FROM cards)
SELECT a FROM (SELECT card_no FROM cards) s(a) WHERE a > '6'

-- #4 whole-row references
SELECT c FROM cards c
SELECT row_to_json(c) FROM customers c
SELECT to_jsonb(c.*) FROM cards c
SELECT c::text FROM customers c
SELECT ROW(c.*) FROM cards c
SELECT json_agg(a) FROM accounts a
SELECT hstore(c) FROM customers c
SELECT cards FROM cards
SELECT row_to_json(s) FROM (SELECT card_no FROM cards) s
SELECT count(c) FROM customers c WHERE c::text LIKE '%6222%'

-- #5 aggregates and grouping
SELECT string_agg(card_no, ',') FROM cards
SELECT array_agg(mobile) FROM customers
SELECT json_agg(email) FROM customers
SELECT min(card_no), max(card_no) FROM cards
SELECT sum(balance) FROM accounts
SELECT avg(amount) FROM transactions
SELECT substr(card_no, 1, 1), count(*) FROM cards GROUP BY substr(card_no, 1, 1)
SELECT count(*) FROM customers GROUP BY left(id_number, 6)
SELECT jsonb_agg(address) FROM customers
SELECT mode() WITHIN GROUP (ORDER BY balance) FROM accounts
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) FROM transactions
SELECT bool_or(card_no LIKE '6222%') FROM cards
SELECT count(*) FILTER (WHERE balance > 1000000) FROM accounts
SELECT count(cvv) FROM cards
SELECT first_value(card_no) OVER (ORDER BY card_no) FROM cards
SELECT rank() OVER (ORDER BY balance) FROM accounts

-- #6 predicate inference
SELECT card_id FROM cards WHERE card_no LIKE '6222%'
SELECT card_id FROM cards WHERE card_no ILIKE '6222%'
SELECT account_id FROM accounts WHERE balance BETWEEN 1000 AND 2000
SELECT account_id FROM accounts WHERE balance > 1000000
SELECT card_id FROM cards ORDER BY card_no
SELECT card_id, card_no FROM cards ORDER BY 2
SELECT card_id, card_no FROM cards WHERE card_id > 5 ORDER BY 2
SELECT card_id, card_no FROM cards WHERE card_id > 5 ORDER BY 2 DESC LIMIT 1
SELECT card_id, card_no FROM cards WHERE status = 'active' GROUP BY 1, 2 ORDER BY 2
SELECT customer_id FROM customers WHERE mobile ~ '^138'
SELECT customer_id FROM customers WHERE name SIMILAR TO '张%'
SELECT customer_id FROM customers WHERE birth_date < '1990-01-01'
SELECT customer_id FROM customers WHERE id_number >= '110000'
SELECT card_id FROM cards WHERE cvv = '123'
SELECT id FROM sms_codes WHERE code = '000000'
SELECT customer_id FROM customers WHERE password_hash = 'x'
SELECT card_id FROM cards WHERE expiry LIKE '%/29'
SELECT card_id FROM cards WHERE card_no <> '6222021234567890128'
SELECT c.customer_id FROM customers c JOIN cards k ON k.card_no = c.mobile
SELECT c.customer_id FROM customers c JOIN accounts a ON a.account_no = c.id_number
SELECT customer_id FROM customers WHERE name = card_id::text
@vendor_collections,analyst: SELECT card_id FROM cards WHERE card_no = '6222021234567890128'
@vendor_collections,analyst: SELECT customer_id FROM customers WHERE mobile = '13812345678'
@qa: SELECT card_id FROM cards WHERE card_no = 'not-a-pseudonym'
@qa: SELECT customer_id FROM customers WHERE name = '张三'
SELECT customer_id FROM customers ORDER BY birth_date
SELECT account_id FROM accounts ORDER BY balance DESC LIMIT 1
SELECT txn_id FROM transactions WHERE memo LIKE '%password%'
SELECT card_id FROM cards WHERE position('62' in card_no) = 1
SELECT card_id FROM cards WHERE card_no = ANY(ARRAY['6222021234567890128'])
SELECT DISTINCT ON (balance) account_id FROM accounts ORDER BY balance
SELECT DISTINCT ON (2) account_id, balance FROM accounts -- masked
SELECT DISTINCT ON (b) account_id, balance AS b FROM accounts -- masked
SELECT DISTINCT ON (2) account_id, balance FROM accounts WHERE account_id > 10 -- masked

-- #7 copy-out
CREATE TABLE x AS SELECT card_no FROM cards
INSERT INTO cards_2024 SELECT * FROM cards
SELECT card_no INTO stash FROM cards
COPY (SELECT card_no FROM cards) TO STDOUT -- masked
COPY cards TO STDOUT
COPY cards (card_no) TO '/tmp/cards.csv'
COPY :(SELECT card_no FROM cards- TO STDOUT WITH CSV
COPY . TO STDOUT
UPDATE cards SET status = card_no
DELETE FROM sms_codes RETURNING code
CREATE VIEW leak AS SELECT cvv FROM cards
CREATE MATERIALIZED VIEW mv AS SELECT card_no FROM cards
WITH d AS (DELETE FROM cards RETURNING card_no) SELECT * FROM d
SELECT card_id FROM cards FOR UPDATE
TRUNCATE sms_codes

-- #8 error and notice echo (values quoted by errors are refused before they reach the server)
SELECT card_no::int FROM cards
SELECT cast(id_number AS bigint) FROM customers
SELECT 1 / (card_id - card_id) FROM cards WHERE cvv = '123'
SELECT to_date(name, 'YYYY') FROM customers
SELECT mobile::date FROM customers
DO $$ BEGIN RAISE NOTICE '%', (SELECT card_no FROM cards LIMIT 1); END $$
SELECT json_populate_record(null::cards, json_build_object('card_id', card_no)) FROM cards
SELECT card_id FROM cards WHERE card_no::numeric > 0

-- #9 protocol paths (the SQL side: cursors and prepared statements carry the same verdicts)
DECLARE c CURSOR FOR SELECT lower(card_no) FROM cards
DECLARE c BINARY CURSOR FOR SELECT cvv FROM cards
DECLARE c CURSOR WITH HOLD FOR SELECT track2 FROM cards
PREPARE p AS SELECT upper(name) FROM customers
PREPARE p AS SELECT card_id FROM cards WHERE card_no LIKE $1
PREPARE p (text) AS SELECT card_id FROM cards WHERE cvv = $1
EXECUTE never_prepared
FETCH ALL FROM c INTO x
SELECT card_id FROM cards WHERE card_no > $1
SELECT card_no FROM cards; SELECT cvv FROM cards
SELECT 1; COPY cards TO STDOUT
SELECT card_no FROM cards -- masked

-- #10 dynamic SQL and code
DO $$ BEGIN PERFORM 1; END $$
CALL leak_cards()
SELECT query_to_xml('select card_no from cards', true, false, '')
SELECT table_to_xml('cards', true, false, '')
SELECT cursor_to_xml('c', 10, true, false, '')
SELECT * FROM dblink('dbname=bank', 'select card_no from cards') AS t(c text)
SELECT dblink_exec('dbname=bank', 'select 1')
SELECT pg_read_file('/etc/passwd')
SELECT pg_read_binary_file('postgresql.conf')
SELECT lo_import('/etc/passwd')
SELECT lo_get(16384)
SELECT pg_ls_dir('.')
SELECT card_digest(card_no) FROM cards
SELECT public.card_digest(card_id::text) FROM cards
SELECT unknown_function()
SELECT current_setting('primary_conninfo')
SELECT current_setting('app.secret_key')
SELECT set_config('role', 'postgres', false)
SELECT set_config('standard_conforming_strings', 'off', false)
SELECT set_config(name, 'x', false) FROM pg_settings
SELECT ts_stat('select to_tsvector(name) from customers')
SELECT nextval('cards_card_id_seq')
SELECT pg_notify('c', 'x')
SELECT database_to_xml(true, false, '')
SELECT schema_to_xml('public', true, false, '')

-- #11 other objects (views, inheritance, partitions)
SELECT cvv FROM v_card_secrets
SELECT * FROM v_card_secrets
SELECT lname FROM v_lower_names
SELECT customer_id FROM v_lower_names
SELECT lower(card_no) FROM v_cards
SELECT card_id FROM v_cards ORDER BY card_no
SELECT cvv FROM cards_2024
SELECT * FROM cards_2024
SELECT code FROM sms_codes_archive
SELECT balance + 1 FROM mv_balances
SELECT v FROM v_cards v
SELECT card_id FROM v_cards WHERE card_no LIKE '6%'

-- #12 session state
SET search_path = attacker, pg_catalog
SET standard_conforming_strings = off
SET standard_conforming_strings TO false
SET client_encoding = 'SJIS'
SET NAMES 'LATIN1'
SET ROLE postgres
SET SESSION AUTHORIZATION postgres
SET LOCAL search_path = public
SELECT set_config('search_path', 'public', true)
SET session_replication_role = replica
SET row_security = off
SHOW ALL
SHOW primary_conninfo

-- #13 statistics and catalogs
SELECT most_common_vals FROM pg_stats WHERE tablename = 'cards'
SELECT histogram_bounds FROM pg_stats WHERE attname = 'balance'
SELECT * FROM pg_stats
SELECT stavalues1 FROM pg_statistic
SELECT * FROM pg_statistic
SELECT most_common_vals FROM pg_stats_ext
SELECT most_common_vals FROM pg_stats_ext_exprs
SELECT s FROM pg_stats s
SELECT query FROM pg_stat_activity
SELECT statement FROM pg_prepared_statements
SELECT rolpassword FROM pg_authid
SELECT passwd FROM pg_shadow
SELECT umoptions FROM pg_user_mappings
SELECT data FROM pg_largeobject
SELECT * FROM pg_stat_get_activity(NULL)
SELECT * FROM pg_mcv_list_items(NULL)
EXPLAIN ANALYZE SELECT card_id FROM cards WHERE card_no = '6222021234567890128'
EXPLAIN (ANALYZE) SELECT count(*) FROM accounts WHERE balance > 100
EXPLAIN SELECT card_id FROM cards WHERE card_no LIKE '6222%'
EXPLAIN SELECT card_no FROM cards

-- #14 schema drift (tables and columns the dictionary does not know are refused)
SELECT secret FROM new_table
SELECT * FROM public.unknown_customers
SELECT new_column FROM cards
SELECT card_no FROM archive.cards
SELECT x.card_no FROM cards x JOIN old_cards y ON y.id = x.card_id

-- #15 brute force of pseudonyms (equality only where a pseudonym can be reversed; guesses of
-- real values are read as pseudonyms, so they find nothing)
@vendor_collections,analyst,offshore_hq: SELECT customer_id FROM customers WHERE mobile IN ('13800000000', '13800000001')
@analyst,vendor_collections,offshore_hq: SELECT card_id FROM cards WHERE card_no = $1
SELECT count(*) FROM customers WHERE substr(mobile, 4, 4) = '1234'
SELECT count(*) FROM customers WHERE mobile < '13900000000'
SELECT customer_id FROM customers WHERE birth_date = '1990-01-01'

-- #16 identity (the SQL side: no switching of role or session user)
SET ROLE vendor_collections
SET SESSION AUTHORIZATION qa
SELECT set_config('session_authorization', 'qa', false)
RESET SESSION AUTHORIZATION; SELECT cvv FROM cards
SELECT pg_terminate_backend(1)
SELECT pg_cancel_backend(1)

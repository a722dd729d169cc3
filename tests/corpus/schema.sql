-- Objects the corpus needs beyond the demo bank: views over sensitive tables,
-- a partitioned table and an inherited one, all without dictionary entries of their own.
CREATE VIEW public.v_cards AS SELECT c.card_id, c.customer_id, c.card_no, c.status FROM public.cards c;
CREATE VIEW public.v_card_secrets AS SELECT c.card_id, c.cvv, c.expiry FROM public.cards c;
CREATE VIEW public.v_lower_names AS SELECT lower(c.name) AS lname, c.customer_id FROM public.customers c;
CREATE MATERIALIZED VIEW public.mv_balances AS SELECT a.account_id, a.balance FROM public.accounts a;
CREATE VIEW public.v_branch_counts AS SELECT c.branch_code, count(*) AS n FROM public.customers c GROUP BY c.branch_code;
CREATE TABLE public.cards_2024 () INHERITS (public.cards);
CREATE TABLE public.sms_codes_archive () INHERITS (public.sms_codes);

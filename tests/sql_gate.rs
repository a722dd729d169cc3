//! The SQL gate's API as the gateway uses it: session effects, PREPARE / EXECUTE,
//! lookups and their rewrite, `*` trimming, the RowDescription cross-check, the cache,
//! and the upstream catalog loaded from a real PostgreSQL.

mod common;

use std::sync::Arc;

use tuomin::sql::catalog::upstream::{
    FUNCTIONS_QUERY, FunctionRow, PREPARE_SESSION, RELATIONS_QUERY, RelationRow,
};
use tuomin::sql::{
    Catalog, ColumnName, DictionaryCatalog, Gate, QualifiedName, SessionState, SqlState, Treatment,
    UpstreamCatalog,
};

fn gate_with(extra_policy: &str) -> (common::PolicyDir, Gate) {
    let dir = common::PolicyDir::new();
    let path = dir.demo();
    let text = std::fs::read_to_string(&path).expect("demo") + extra_policy;
    std::fs::write(&path, text).expect("write");
    let policy = tuomin::config::load(&path).expect("policy");
    let catalog = DictionaryCatalog::demo(&policy).expect("demo schema");
    (dir, Gate::new(Arc::new(policy), Arc::new(catalog)))
}

fn apply_all(session: &mut SessionState, analysis: &tuomin::sql::Analysis) {
    for s in &analysis.statements {
        for e in &s.effects {
            session.apply(e);
        }
    }
}

#[test]
fn a_refusal_carries_sqlstate_42501_and_names_the_column() {
    let (_d, gate) = gate_with("");
    let a = gate.analyse("qa", "SELECT cvv FROM cards", &SessionState::default());
    let refusal = a.verdict().expect_err("refused");
    assert_eq!(refusal.sqlstate, SqlState::InsufficientPrivilege);
    assert_eq!(refusal.sqlstate.code(), "42501");
    assert!(
        refusal.message.contains("public.cards.cvv"),
        "{}",
        refusal.message
    );
}

#[test]
fn search_path_set_by_the_client_is_followed() {
    let (_d, gate) = gate_with("");
    let mut session = SessionState::default();
    let a = gate.analyse("qa", "SET search_path TO nowhere", &session);
    assert!(a.is_allowed());
    apply_all(&mut session, &a);
    let a = gate.analyse("qa", "SELECT card_id FROM cards", &session);
    assert!(!a.is_allowed(), "cards is not in schema nowhere");
    let a = gate.analyse(
        "qa",
        "SELECT set_config('search_path', 'public', false)",
        &session,
    );
    assert!(a.is_allowed());
    apply_all(&mut session, &a);
    assert!(
        gate.analyse("qa", "SELECT card_id FROM cards", &session)
            .is_allowed()
    );
}

#[test]
fn a_literal_pseudonym_is_replaced_by_the_real_value_in_the_text_sent() {
    let (_d, gate) = gate_with("");
    let pseudonym = "6222021234567890128";
    let sql = format!("SELECT card_id FROM cards WHERE card_no = '{pseudonym}'");
    let a = gate.analyse("qa", &sql, &SessionState::default());
    assert!(a.is_allowed());
    let sent = a.sql_to_send(&sql);
    assert_ne!(sent, sql);
    assert!(!sent.contains(pseudonym));
    let policy = gate.policy();
    let real = &policy
        .lookup("qa", "public.cards", "card_no", pseudonym)
        .expect("lookup")[0]
        .value;
    assert!(sent.contains(real.as_str()));
    assert!(
        !format!("{a:?}").contains(real.as_str()),
        "Debug must not show real values"
    );
}

#[test]
fn a_parameter_pseudonym_is_reported_for_the_gateway_to_reverse_at_bind() {
    let (_d, gate) = gate_with("");
    let a = gate.analyse(
        "qa",
        "SELECT card_id FROM cards WHERE card_no = $1",
        &SessionState::default(),
    );
    let lookup = a
        .param_lookups()
        .next()
        .expect("a parameter lookup")
        .clone();
    assert_eq!(lookup.param, 1);
    let values = gate
        .reverse_parameter("qa", &lookup, "6222021234567890128")
        .expect("reversed");
    assert_eq!(values.len(), 1 + lookup.extra.len());
    assert!(gate.reverse_parameter("qa", &lookup, "junk").is_err());
}

#[test]
fn prepare_remembers_the_verdict_and_execute_substitutes_the_real_value() {
    let (_d, gate) = gate_with("");
    let mut session = SessionState::default();
    let a = gate.analyse(
        "qa",
        "PREPARE f AS SELECT card_id, card_no FROM cards WHERE card_no = $1",
        &session,
    );
    assert!(a.is_allowed());
    apply_all(&mut session, &a);
    let sql = "EXECUTE f('6222021234567890128')";
    let a = gate.analyse("qa", sql, &session);
    assert!(a.is_allowed());
    assert!(!a.sql_to_send(sql).contains("6222021234567890128"));
    assert!(matches!(
        a.statements[0].columns[1].treatment,
        Treatment::Masked { .. }
    ));
    assert!(
        !gate
            .analyse("qa", "EXECUTE f('junk')", &session)
            .is_allowed()
    );
}

#[test]
fn star_over_refused_columns_is_trimmed_with_a_notice_when_the_policy_says_so() {
    let (_d, gate) = gate_with("\n[sql]\nstar = \"omit_refused\"\n");
    let sql = "SELECT * FROM cards";
    let a = gate.analyse("qa", sql, &SessionState::default());
    assert!(a.is_allowed(), "{:?}", a.verdict());
    let sent = a.sql_to_send(sql);
    assert!(
        !sent.contains("cvv") && sent.contains("\"card_no\""),
        "{sent}"
    );
    assert!(a.statements[0].notices[0].contains("public.cards.cvv"));
    assert_eq!(a.statements[0].columns.len(), 5);
}

#[test]
fn the_cross_check_rejects_a_masked_column_described_from_elsewhere() {
    let (_d, gate) = gate_with("");
    let a = gate.analyse(
        "qa",
        "SELECT card_id, card_no FROM cards",
        &SessionState::default(),
    );
    let s = &a.statements[0];
    let col = |c: &str| {
        Some(ColumnName {
            relation: QualifiedName::new("public", "cards"),
            column: c.to_owned(),
        })
    };
    let sensitive = |c: &ColumnName| c.column != "card_id";
    assert!(
        s.cross_check(&[col("card_id"), col("card_no")], sensitive)
            .is_ok()
    );
    assert!(s.cross_check(&[col("card_id"), None], sensitive).is_err());
    assert!(
        s.cross_check(&[col("card_no"), col("card_no")], sensitive)
            .is_err()
    );
}

#[test]
fn a_repeated_statement_comes_from_the_cache() {
    let (_d, gate) = gate_with("");
    let session = SessionState::default();
    let first = gate.analyse("qa", "SELECT card_no FROM cards", &session);
    let second = gate.analyse("qa", "SELECT card_no FROM cards", &session);
    assert!(Arc::ptr_eq(&first, &second));
    let other = gate.analyse("vendor_collections", "SELECT card_no FROM cards", &session);
    assert!(!Arc::ptr_eq(&first, &other));
}

#[test]
fn texts_differing_only_in_literals_share_an_analysis_unless_a_literal_matters() {
    let (_d, gate) = gate_with("");
    let session = SessionState::default();
    let one = "SELECT card_id, card_no FROM cards WHERE customer_id = 5 AND status = 'active'";
    let two = "SELECT card_id, card_no FROM cards WHERE customer_id = 77 AND status = 'lost'";
    let first = gate.analyse("qa", one, &session);
    let second = gate.analyse("qa", two, &session);
    assert!(first.is_allowed());
    assert!(Arc::ptr_eq(&first, &second), "same shape, one analysis");
    // A string where a number was is another shape.
    let three = "SELECT card_id, card_no FROM cards WHERE customer_id = '5' AND status = 'x'";
    assert!(!Arc::ptr_eq(&first, &gate.analyse("qa", three, &session)));

    // A literal compared with a masked column is a lookup: read, so never shared. A
    // valid pseudonym is rewritten; the next text of the same shape is looked at again.
    let pseudonym = "6222021234567890128";
    let lookup = format!("SELECT card_id FROM cards WHERE card_no = '{pseudonym}'");
    let a = gate.analyse("qa", &lookup, &session);
    assert!(a.is_allowed() && a.rewritten.is_some());
    let b = gate.analyse(
        "qa",
        "SELECT card_id FROM cards WHERE card_no = 'junk'",
        &session,
    );
    assert!(
        !b.is_allowed(),
        "an invalid pseudonym is refused, not given the first verdict"
    );

    // Positional references stay in the key: ORDER BY 1 and ORDER BY 2 are not siblings.
    let by_id = "SELECT card_id, card_no FROM cards WHERE customer_id = 5 ORDER BY 1";
    let by_card = "SELECT card_id, card_no FROM cards WHERE customer_id = 6 ORDER BY 2";
    assert!(gate.analyse("qa", by_id, &session).is_allowed());
    assert!(!gate.analyse("qa", by_card, &session).is_allowed());

    // Run-time parameter names are literals the gate reads.
    let harmless = "SELECT current_setting('TimeZone'), card_id FROM cards WHERE card_id = 1";
    let secret = "SELECT current_setting('data_directory'), card_id FROM cards WHERE card_id = 1";
    assert!(gate.analyse("qa", harmless, &session).is_allowed());
    assert!(!gate.analyse("qa", secret, &session).is_allowed());
}

#[test]
fn a_statement_that_does_not_parse_is_refused_without_quoting_it() {
    let (_d, gate) = gate_with("");
    let a = gate.analyse(
        "qa",
        "SELEKT '6222021234567890128'",
        &SessionState::default(),
    );
    let r = a.verdict().expect_err("refused");
    assert!(!r.message.contains("6222"), "{}", r.message);
}

#[test]
fn startup_parameters_the_gate_cannot_follow_are_refused() {
    let mut s = SessionState::default();
    assert!(s.apply_startup_parameter("client_encoding", "UTF8").is_ok());
    assert!(
        s.apply_startup_parameter("client_encoding", "LATIN1")
            .is_err()
    );
    assert!(
        s.apply_startup_parameter("standard_conforming_strings", "off")
            .is_err()
    );
}

#[test]
fn the_upstream_catalog_loads_relations_views_and_parents_from_postgresql() {
    let server = common::pg::server();
    let db = server.demo_database("sqlcatalog", 2, 3);
    let extra = std::fs::read_to_string(common::repo_root().join("tests/corpus/schema.sql"))
        .expect("corpus schema");
    server.psql(&db, &extra);
    let sep = "\u{1f}";
    let out = server.psql_output(
        &db,
        &[
            "-X",
            "-q",
            "-A",
            "-t",
            "-F",
            sep,
            "-R",
            "\u{1e}",
            "-c",
            PREPARE_SESSION,
            "-c",
            RELATIONS_QUERY,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rows: Vec<RelationRow> = text
        .split('\u{1e}')
        .filter(|l| l.contains(sep))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(sep).collect();
            (f.len() == 6).then(|| RelationRow {
                schema: f[0].into(),
                name: f[1].into(),
                relkind: f[2].into(),
                columns_json: f[3].into(),
                definition: (!f[4].is_empty()).then(|| f[4].into()),
                parents_json: f[5].into(),
            })
        })
        .collect();
    let out = server.psql_output(
        &db,
        &["-X", "-q", "-A", "-t", "-F", sep, "-c", FUNCTIONS_QUERY],
    );
    assert!(out.status.success());
    let functions: Vec<FunctionRow> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(sep).collect();
            (f.len() == 3).then(|| FunctionRow {
                schema: f[0].into(),
                name: f[1].into(),
                security_definer: f[2].into(),
            })
        })
        .collect();
    let catalog = UpstreamCatalog::from_rows(&rows, &functions).expect("rows");
    let cards = catalog.relation("public", "cards").expect("cards");
    assert_eq!(cards.columns[2], "card_no");
    let child = catalog.relation("public", "cards_2024").expect("child");
    assert_eq!(child.parents, vec![QualifiedName::new("public", "cards")]);
    let dir = common::PolicyDir::new();
    let policy = tuomin::config::load(&dir.demo()).expect("policy");
    let gate = Gate::new(Arc::new(policy), Arc::new(catalog));
    let session = SessionState::default();
    let a = gate.analyse("qa", "SELECT card_no FROM v_cards", &session);
    assert!(a.is_allowed(), "{:?}", a.verdict());
    let col = &a.statements[0].columns[0];
    assert_eq!(
        col.source.as_ref().map(ToString::to_string).as_deref(),
        Some("public.cards.card_no")
    );
    assert_eq!(
        col.described.as_ref().map(ToString::to_string).as_deref(),
        Some("public.v_cards.card_no")
    );
    assert!(
        !gate
            .analyse("qa", "SELECT cvv FROM v_card_secrets", &session)
            .is_allowed()
    );
}

//! Policy validation: every reason a policy is refused at load has a test here, and so
//! does the policy that must load (the demo). Each refusal names the file and line.

mod common;

use common::{BASE, PolicyDir};
use tuomin::config::{PolicyErrors, load};
use tuomin::policy::Decision;

fn refused(dir: &PolicyDir, body: &str) -> String {
    let path = dir.write(body);
    match load(&path) {
        Ok(_) => panic!("the policy should have been refused:\n{body}"),
        Err(PolicyErrors(errors)) => errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn loads(dir: &PolicyDir, body: &str) -> tuomin::policy::Policy {
    let path = dir.write(body);
    load(&path).unwrap_or_else(|e| panic!("the policy should load:\n{e}"))
}

fn rule(scenario: &str, what: &str, transform: &str, extra: &str) -> String {
    format!(
        "{BASE}\n[[rules]]\nscenario = \"{scenario}\"\n{what}\ntransform = \"{transform}\"\n{extra}\n"
    )
}

#[test]
fn the_base_policy_loads() {
    let dir = PolicyDir::new();
    loads(&dir, BASE);
}

#[test]
fn the_shipped_demo_policy_loads() {
    let dir = PolicyDir::new();
    let path = dir.demo();
    let policy = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.consumers.len(), 4);
}

#[test]
fn a_rule_letting_c3_through_is_refused_with_its_line() {
    let dir = PolicyDir::new();
    let body = rule("dev_test", "category = \"cvv\"", "mask", "");
    let text = refused(&dir, &body);
    assert!(text.contains("never shared"), "{text}");
    let written = std::fs::read_to_string(dir.path().join("policy.toml")).unwrap();
    let line = 1 + written.lines().position(|l| l == "[[rules]]").unwrap();
    assert!(text.contains(&format!("policy.toml:{line}:")), "{text}");
}

#[test]
fn a_rule_letting_grade_c3_through_is_refused() {
    let dir = PolicyDir::new();
    let text = refused(&dir, &rule("analytics", "grade = \"C3\"", "token", ""));
    assert!(text.contains("never shared"), "{text}");
}

#[test]
fn a_rule_nulling_c3_is_refused_too() {
    let dir = PolicyDir::new();
    let text = refused(&dir, &rule("dev_test", "category = \"cvv\"", "null", ""));
    assert!(text.contains("never shared"), "{text}");
}

#[test]
fn a_rule_letting_sms_codes_through_is_refused() {
    let dir = PolicyDir::new();
    let body = format!(
        "{BASE}\n[dictionary.\"public.sms\"]\ncode = \"sms_code\"\n\n[[rules]]\nconsumer = \"analyst\"\ncategory = \"sms_code\"\ntransform = \"pass\"\nacknowledge = \"x\"\n"
    );
    let text = refused(&dir, &body);
    assert!(text.contains("auxiliary authentication"), "{text}");
}

#[test]
fn a_custom_c3_category_is_refused_everywhere() {
    let dir = PolicyDir::new();
    let body = format!(
        "{BASE}\n[categories.u_key_pin]\ngrade = \"C3\"\n\n[dictionary.\"public.tokens\"]\nukey = \"u_key_pin\"\n"
    );
    let policy = loads(&dir, &body);
    for consumer in ["qa", "vendor", "analyst", "hq"] {
        let decision = policy.decide(consumer, "public.tokens", "ukey");
        assert!(matches!(decision, Decision::Refuse(_)), "{consumer}");
    }
}

#[test]
fn c3_columns_are_refused_for_every_consumer_with_a_message_naming_field_and_rule() {
    let dir = PolicyDir::new();
    let policy = loads(&dir, BASE);
    for consumer in ["qa", "vendor", "analyst", "hq"] {
        match policy.decide(consumer, "public.customers", "cvv") {
            Decision::Refuse(refusal) => {
                assert!(
                    refusal.message.contains("public.customers.cvv"),
                    "{}",
                    refusal.message
                );
                assert!(refusal.message.contains("C3"), "{}", refusal.message);
                assert!(refusal.message.contains("rule:"), "{}", refusal.message);
            }
            other => panic!("{consumer}: {other:?}"),
        }
    }
}

#[test]
fn a_column_named_like_a_password_but_classified_c1_is_refused() {
    let dir = PolicyDir::new();
    let body = format!("{BASE}\n[dictionary.\"public.users\"]\nlogin_password = \"status\"\n");
    let text = refused(&dir, &body);
    assert!(text.contains("named like authentication data"), "{text}");
}

#[test]
fn a_secret_looking_name_with_a_recorded_reason_loads() {
    let dir = PolicyDir::new();
    let body = format!(
        "{BASE}\n[dictionary.\"public.users\"]\npin_status = {{ category = \"status\", not_secret = \"whether a PIN is set, not the PIN\" }}\n"
    );
    loads(&dir, &body);
}

#[test]
fn ff1_on_a_domain_below_a_million_is_refused() {
    let dir = PolicyDir::new();
    let text = refused(
        &dir,
        &rule(
            "dev_test",
            "category = \"card_number\"",
            "fpe_card",
            "params = { keep_bin = 6, keep_last = 4 }",
        ),
    );
    assert!(text.contains("below the FF1 minimum"), "{text}");
}

#[test]
fn generic_ff1_on_a_short_field_is_refused() {
    let dir = PolicyDir::new();
    let text = refused(
        &dir,
        &rule(
            "dev_test",
            "category = \"mobile\"",
            "ff1",
            "params = { alphabet = \"digits\", min_length = 5 }",
        ),
    );
    assert!(text.contains("below the FF1 minimum"), "{text}");
}

#[test]
fn reversible_only_protection_for_outsourced_needs_an_acknowledgement() {
    let dir = PolicyDir::new();
    let body = rule("outsourced", "category = \"mobile\"", "fpe_mobile", "");
    let text = refused(&dir, &body);
    assert!(text.contains("reversible encryption"), "{text}");
    let acknowledged = rule(
        "outsourced",
        "category = \"mobile\"",
        "fpe_mobile",
        "acknowledge = \"vendor calls back customers; contract 2026-17 clause 4\"",
    );
    let policy = loads(&dir, &acknowledged);
    let review = tuomin::cli::check::review_table(&policy);
    assert!(review.contains("[acknowledged]"), "{review}");
}

#[test]
fn c2_passed_to_a_test_environment_is_refused() {
    let dir = PolicyDir::new();
    let text = refused(&dir, &rule("dev_test", "category = \"name\"", "pass", ""));
    assert!(text.contains("in clear"), "{text}");
}

#[test]
fn c2_passed_to_analysts_needs_an_acknowledgement() {
    let dir = PolicyDir::new();
    let text = refused(&dir, &rule("analytics", "category = \"name\"", "pass", ""));
    assert!(text.contains("acknowledge"), "{text}");
    loads(
        &dir,
        &rule(
            "analytics",
            "category = \"name\"",
            "pass",
            "acknowledge = \"DPIA-7\"",
        ),
    );
}

#[test]
fn c2_sent_offshore_without_an_approved_transfer_is_refused() {
    let dir = PolicyDir::new();
    let text = refused(
        &dir,
        &rule("offshore", "category = \"mobile\"", "token", ""),
    );
    assert!(text.contains("approved_transfer"), "{text}");
}

#[test]
fn an_approved_transfer_gives_offshore_de_identified_c2() {
    let dir = PolicyDir::new();
    let body = BASE.replace(
        "scenario = \"offshore\"\nkey_scope = \"hq\"",
        "scenario = \"offshore\"\nkey_scope = \"hq\"\napproved_transfer = \"CAC assessment 2026-001\"",
    );
    let policy = loads(&dir, &body);
    let decision = policy.decide("hq", "public.customers", "mobile");
    assert_eq!(decision.action_name(), "mask");
    assert!(matches!(
        policy.decide("hq", "public.customers", "cvv"),
        Decision::Refuse(_)
    ));
}

#[test]
fn an_approved_transfer_on_a_non_offshore_consumer_is_refused() {
    let dir = PolicyDir::new();
    let body = BASE.replace(
        "scenario = \"dev_test\"\nkey_scope = \"qa\"",
        "scenario = \"dev_test\"\nkey_scope = \"qa\"\napproved_transfer = \"x\"",
    );
    let text = refused(&dir, &body);
    assert!(text.contains("only to offshore"), "{text}");
}

#[test]
fn unknown_category_in_the_dictionary_is_refused_with_the_known_ones() {
    let dir = PolicyDir::new();
    let body = format!("{BASE}\n[dictionary.\"public.x\"]\ncol = \"social_security\"\n");
    let text = refused(&dir, &body);
    assert!(text.contains("unknown category social_security"), "{text}");
    assert!(text.contains("card_number"), "{text}");
}

#[test]
fn unknown_consumer_in_a_rule_is_refused() {
    let dir = PolicyDir::new();
    let body = format!(
        "{BASE}\n[[rules]]\nconsumer = \"ghost\"\ncategory = \"name\"\ntransform = \"mask_name\"\n"
    );
    assert!(refused(&dir, &body).contains("unknown consumer ghost"));
}

#[test]
fn unknown_transform_is_refused() {
    let dir = PolicyDir::new();
    let text = refused(&dir, &rule("dev_test", "category = \"name\"", "md5", ""));
    assert!(text.contains("md5"), "{text}");
}

#[test]
fn unknown_transform_parameter_is_refused() {
    let dir = PolicyDir::new();
    let text = refused(
        &dir,
        &rule(
            "outsourced",
            "category = \"name\"",
            "mask",
            "params = { keep_frist = 1 }",
        ),
    );
    assert!(text.contains("keep_frist"), "{text}");
}

#[test]
fn unknown_scenario_is_refused() {
    let dir = PolicyDir::new();
    let body = BASE.replace("scenario = \"dev_test\"", "scenario = \"staging\"");
    assert!(refused(&dir, &body).contains("staging"));
}

#[test]
fn unknown_field_anywhere_is_refused() {
    let dir = PolicyDir::new();
    let body = BASE.replace("key_scope = \"qa\"", "key_scope = \"qa\"\npasword = \"x\"");
    assert!(refused(&dir, &body).contains("pasword"));
}

#[test]
fn a_missing_key_file_is_refused_with_the_keygen_command() {
    let dir = PolicyDir::new();
    std::fs::remove_file(dir.path().join("test.key")).unwrap();
    let text = refused(&dir, BASE);
    assert!(text.contains("missing master key"), "{text}");
    assert!(text.contains("tuomin keygen"), "{text}");
}

#[test]
fn unclassified_pass_without_a_reason_is_refused() {
    let dir = PolicyDir::new();
    let body = format!("[defaults]\nunclassified = \"pass\"\n{BASE}");
    assert!(refused(&dir, &body).contains("unclassified_pass_reason"));
    let body = format!(
        "[defaults]\nunclassified = \"pass\"\nunclassified_pass_reason = \"replica of a fully classified schema\"\n{BASE}"
    );
    let policy = loads(&dir, &body);
    assert_eq!(
        policy
            .decide("qa", "public.customers", "new_column")
            .action_name(),
        "pass"
    );
}

#[test]
fn unclassified_columns_are_refused_by_default() {
    let dir = PolicyDir::new();
    let policy = loads(&dir, BASE);
    match policy.decide("qa", "public.customers", "new_column") {
        Decision::Refuse(r) => assert!(r.message.contains("not classified"), "{}", r.message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_format_preserving_transform_on_the_wrong_category_is_refused() {
    let dir = PolicyDir::new();
    let text = refused(
        &dir,
        &rule("dev_test", "category = \"name\"", "fpe_card", ""),
    );
    assert!(
        text.contains("only knows the format of card_number"),
        "{text}"
    );
}

#[test]
fn a_repeated_rule_is_refused() {
    let dir = PolicyDir::new();
    let once = "[[rules]]\nscenario = \"analytics\"\ncategory = \"name\"\ntransform = \"token\"\n";
    let text = refused(&dir, &format!("{BASE}\n{once}\n{once}"));
    assert!(text.contains("repeats the rule"), "{text}");
}

#[test]
fn a_dictionary_table_without_schema_is_refused() {
    let dir = PolicyDir::new();
    let text = refused(
        &dir,
        &format!("{BASE}\n[dictionary.customers2]\nx = \"status\"\n"),
    );
    assert!(text.contains("schema.table"), "{text}");
}

#[test]
fn a_custom_category_may_not_shadow_a_builtin_one() {
    let dir = PolicyDir::new();
    let text = refused(&dir, &format!("{BASE}\n[categories.cvv]\ngrade = \"C1\"\n"));
    assert!(text.contains("built in"), "{text}");
}

#[test]
fn a_subject_column_must_be_classified_in_the_same_table() {
    let dir = PolicyDir::new();
    let body = format!(
        "{BASE}\n[dictionary.\"public.acc\"]\nbalance = {{ category = \"balance\", subject = \"owner\" }}\n"
    );
    assert!(refused(&dir, &body).contains("subject column owner"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let dir = PolicyDir::new();
    let body = format!(
        "{BASE}\n[dictionary.\"public.x\"]\na = \"nope\"\n\n[[rules]]\nscenario = \"dev_test\"\ncategory = \"cvv\"\ntransform = \"pass\"\n"
    );
    let text = refused(&dir, &body);
    assert!(text.contains("unknown category nope"), "{text}");
    assert!(text.contains("never shared"), "{text}");
}

#[test]
fn a_consumer_scope_changes_every_pseudonym() {
    let dir = PolicyDir::new();
    let body = format!("{BASE}\n[consumers.qa2]\nscenario = \"dev_test\"\nkey_scope = \"qa2\"\n");
    let policy = loads(&dir, &body);
    let apply = |consumer: &str| match policy.decide(consumer, "public.customers", "mobile") {
        Decision::Transform { transform, .. } => transform
            .apply("13812345678", &Default::default())
            .unwrap()
            .unwrap(),
        other => panic!("{other:?}"),
    };
    assert_ne!(apply("qa"), apply("qa2"));
    assert_eq!(apply("qa"), apply("qa"));
}

#[test]
fn a_disabled_consumer_is_refused_everything() {
    let dir = PolicyDir::new();
    let body = BASE.replace("key_scope = \"qa\"", "key_scope = \"qa\"\nenabled = false");
    let policy = loads(&dir, &body);
    assert!(matches!(
        policy.decide("qa", "public.customers", "customer_id"),
        Decision::Refuse(_)
    ));
}

#[test]
fn json_keys_are_classified_like_columns() {
    let dir = PolicyDir::new();
    let body = format!(
        "{BASE}\n[json_keys]\ncvv = \"cvv\"\ncard_no = {{ category = \"card_number\", domain = \"public.customers.card_no\" }}\n"
    );
    let policy = loads(&dir, &body);
    assert!(matches!(
        policy.decide_json_key("vendor", "cvv"),
        Some(Decision::Refuse(_))
    ));
    assert_eq!(
        policy
            .decide_json_key("vendor", "card_no")
            .unwrap()
            .action_name(),
        "mask"
    );
    assert!(policy.decide_json_key("vendor", "unknown").is_none());
    let apply = |d: Decision| match d {
        Decision::Transform { transform, .. } => transform
            .apply("6222020200112233446", &Default::default())
            .unwrap(),
        other => panic!("{other:?}"),
    };
    // Same domain as the column: an API pseudonym joins with the database pseudonym.
    assert_eq!(
        apply(policy.decide_json_key("qa", "card_no").unwrap()),
        apply(policy.decide("qa", "public.customers", "card_no"))
    );
}

#[test]
fn a_json_key_with_an_unknown_category_is_refused() {
    let dir = PolicyDir::new();
    let text = refused(&dir, &format!("{BASE}\n[json_keys]\npin = \"pinn\"\n"));
    assert!(text.contains("json.pin: unknown category pinn"), "{text}");
}

#[test]
fn an_admin_listener_beyond_loopback_is_refused_with_its_line_unless_allowed() {
    let dir = PolicyDir::new();
    let body = format!("{BASE}\n[admin]\nlisten = \"0.0.0.0:9090\"\n");
    let text = refused(&dir, &body);
    let written = std::fs::read_to_string(dir.path().join("policy.toml")).unwrap();
    let line = 1 + written
        .lines()
        .position(|l| l.starts_with("listen = \"0.0.0.0"))
        .unwrap();
    assert!(text.contains(&format!("policy.toml:{line}:")), "{text}");
    assert!(text.contains("allow_remote = true"), "{text}");

    let policy = loads(&dir, &format!("{body}allow_remote = true\n"));
    let admin = policy.admin.expect("[admin]");
    assert_eq!(admin.listen, "0.0.0.0:9090".parse().unwrap());
}

#[test]
fn an_empty_admin_section_listens_on_loopback_9090() {
    let dir = PolicyDir::new();
    let policy = loads(&dir, &format!("{BASE}\n[admin]\n"));
    let admin = policy.admin.expect("[admin]");
    assert_eq!(admin.listen, "127.0.0.1:9090".parse().unwrap());
    assert!(!admin.allow_remote);
    assert!(loads(&dir, BASE).admin.is_none(), "no section, no listener");
    let text = refused(&dir, &format!("{BASE}\n[admin]\nlisten = \"localhost\"\n"));
    assert!(text.contains("not an address and port"), "{text}");
}

#[test]
fn the_postgres_limits_have_defaults_and_zero_is_refused() {
    let dir = PolicyDir::new();
    let postgres = |extra: &str, upstream_extra: &str| {
        format!(
            "{BASE}\n[postgres]\nlisten = \"127.0.0.1:6432\"\n{extra}\n\
             [postgres.upstream]\nhost = \"127.0.0.1\"\nuser = \"tuomin\"\n{upstream_extra}\n"
        )
    };
    let settings = loads(&dir, &postgres("", "")).postgres.expect("[postgres]");
    assert_eq!(settings.catalog_timeout.as_secs(), 30);
    assert_eq!(settings.login_timeout.as_secs(), 60);
    assert_eq!(settings.max_sessions, 1024);
    assert_eq!(settings.login_failure_limit, 10);
    assert_eq!(settings.login_failure_window.as_secs(), 300);
    assert_eq!(settings.login_failure_address_limit, 50);
    assert_eq!(settings.upstream.connect_timeout.as_secs(), 10);
    let set = loads(
        &dir,
        &postgres(
            "login_timeout_secs = 5\nmax_sessions = 7",
            "connect_timeout_secs = 3",
        ),
    )
    .postgres
    .expect("[postgres]");
    assert_eq!(
        (
            set.login_timeout.as_secs(),
            set.max_sessions,
            set.upstream.connect_timeout.as_secs()
        ),
        (5, 7, 3)
    );
    for (extra, upstream_extra, name) in [
        (
            "login_timeout_secs = 0",
            "",
            "[postgres] login_timeout_secs",
        ),
        ("max_sessions = 0", "", "[postgres] max_sessions"),
        (
            "login_failure_window_secs = 0",
            "",
            "[postgres] login_failure_window_secs",
        ),
        (
            "",
            "connect_timeout_secs = 0",
            "[postgres.upstream] connect_timeout_secs",
        ),
    ] {
        let text = refused(&dir, &postgres(extra, upstream_extra));
        assert!(
            text.contains(&format!("{name} = 0: it must be at least 1")),
            "{text}"
        );
    }
}

#[test]
fn upstream_channel_binding_defaults_to_prefer_and_require_needs_tls() {
    use tuomin::config::postgres::UpstreamChannelBinding;
    let dir = PolicyDir::new();
    let postgres = |upstream_extra: &str| {
        format!(
            "{BASE}\n[postgres]\nlisten = \"127.0.0.1:6432\"\n\
             [postgres.upstream]\nhost = \"127.0.0.1\"\nuser = \"tuomin\"\n{upstream_extra}\n"
        )
    };
    let binding = |upstream_extra: &str| {
        loads(&dir, &postgres(upstream_extra))
            .postgres
            .expect("[postgres]")
            .upstream
            .channel_binding
    };
    assert_eq!(binding(""), UpstreamChannelBinding::Prefer);
    assert_eq!(
        binding("channel_binding = \"disable\""),
        UpstreamChannelBinding::Disable
    );
    assert_eq!(
        binding("tls = \"require\"\nchannel_binding = \"require\""),
        UpstreamChannelBinding::Require
    );
    let text = refused(&dir, &postgres("channel_binding = \"require\""));
    assert!(
        text.contains("channel_binding = \"require\" needs TLS upstream"),
        "{text}"
    );
    let text = refused(&dir, &postgres("channel_binding = \"always\""));
    assert!(text.contains("unknown variant `always`"), "{text}");
    assert!(text.contains("`prefer`"), "{text}");
}

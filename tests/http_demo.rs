//! The demo: the shipped policy in front of the sample API. Every scenario's view of
//! the same record, consistent across requests; C3 nowhere; masked-value lookup
//! round trips; one audit record per request; curl as two vendors (the README's steps).

mod common;
#[path = "common/http.rs"]
mod gw;

use gw::{demo_env, get};
use serde_json::Value;

/// Every C3 value of customer 1 as the upstream holds it.
async fn c3_values(env: &gw::Env) -> Vec<String> {
    let api = env.api.as_ref().unwrap().addr;
    let c = gw::client();
    let mut out = Vec::new();
    let cust: Value = c
        .get(format!("http://{api}/api/customers/1"))
        .send()
        .await
        .unwrap()
        .json_value()
        .await;
    out.push(cust["password_hash"].as_str().unwrap().to_owned());
    let cards: Value = c
        .get(format!("http://{api}/api/customers/1/cards"))
        .send()
        .await
        .unwrap()
        .json_value()
        .await;
    for card in cards["data"].as_array().unwrap() {
        for k in ["cvv", "expiry", "track2"] {
            out.push(card[k].as_str().unwrap().to_owned());
        }
    }
    out
}

trait JsonValue {
    async fn json_value(self) -> Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> Value {
        serde_json::from_str(&self.text().await.unwrap()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_scenario_sees_its_own_consistent_view_of_the_same_customer() {
    let env = demo_env(|t| t).await;
    let api = env.api.as_ref().unwrap().addr;
    let real: Value = gw::client()
        .get(format!("http://{api}/api/customers/1"))
        .send()
        .await
        .unwrap()
        .json_value()
        .await;
    let mut views = Vec::new();
    for consumer in ["qa", "vendor_collections", "analyst"] {
        let (status, first) = get(&env, consumer, "/api/customers/1").await;
        assert_eq!(status, 200, "{consumer}: {first}");
        let (_, second) = get(&env, consumer, "/api/customers/1").await;
        assert_eq!(
            first, second,
            "{consumer}: the same record twice, the same view"
        );
        assert_eq!(first["customer_id"], 1, "{consumer}: C1 passes");
        assert!(
            first.get("password_hash").is_none(),
            "{consumer}: C3 removed"
        );
        assert_ne!(first["id_number"], real["id_number"], "{consumer}");
        assert_ne!(
            first["contact"]["mobile"], real["contact"]["mobile"],
            "{consumer}"
        );
        let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "customer_id",
                "name",
                "id_number",
                "birth_date",
                "contact",
                "created_at",
                "branch_code"
            ],
            "{consumer}: key order of the upstream"
        );
        views.push(first);
    }
    assert_ne!(views[0], views[1]);
    assert_ne!(views[1], views[2]);
    assert_ne!(views[0], views[2]);
    // dev_test: format-preserving, so still an 18-character ID and an 11-digit mobile.
    assert_eq!(views[0]["id_number"].as_str().unwrap().len(), 18);
    assert_eq!(views[0]["contact"]["mobile"].as_str().unwrap().len(), 11);
    // The offshore consumer has no approved transfer: C2 is refused, so the response is.
    let (status, v) = get(&env, "offshore_hq", "/api/customers/1").await;
    assert_eq!(status, 403, "{v}");
    assert_eq!(v["error"]["code"], "field_refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_c3_value_leaves_on_any_route_for_any_consumer() {
    let env = demo_env(|t| t).await;
    let secrets = c3_values(&env).await;
    let paths = [
        "/api/customers/1",
        "/api/customers?limit=5",
        "/api/customers/1/cards",
        "/api/accounts/1",
        "/api/accounts/1/transactions",
    ];
    for consumer in gw::DEMO_CONSUMERS {
        for path in paths {
            let (_, v) = get(&env, consumer, path).await;
            let text = v.to_string();
            // Short values (a CVV's three digits) occur inside other values by chance;
            // they are checked by key below.
            for s in secrets.iter().filter(|s| s.len() >= 8) {
                assert!(!text.contains(s.as_str()), "{consumer} {path} leaked C3");
            }
            for key in ["password_hash", "\"cvv\"", "\"expiry\"", "\"track2\""] {
                assert!(
                    !text.contains(key) || text.contains("field_refused"),
                    "{consumer} {path}: {key}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_with_its_cvv_is_refused_whole_naming_field_and_rule() {
    let env = demo_env(|t| t).await;
    let api = env.api.as_ref().unwrap().addr;
    let cards: Value = gw::client()
        .get(format!("http://{api}/api/customers/1/cards"))
        .send()
        .await
        .unwrap()
        .json_value()
        .await;
    let card_no = cards["data"][0]["card_no"].as_str().unwrap();
    // analysts get tokens: not reversible, so the real number cannot be looked up either.
    let (status, v) = get(&env, "analyst", &format!("/api/cards/{card_no}")).await;
    assert_eq!(status, 400, "{v}");
    // dev_test gets FPE: the pseudonym is looked up, the card found, and refused for its CVV.
    let (_, qa_cards) = get(&env, "qa", "/api/customers/1/cards").await;
    let pseudonym = qa_cards["data"][0]["card_no"].as_str().unwrap();
    assert_ne!(pseudonym, card_no);
    let (status, v) = get(&env, "qa", &format!("/api/cards/{pseudonym}")).await;
    assert_eq!(status, 403, "{v}");
    assert_eq!(v["error"]["field"], "$.cvv");
    assert!(v["error"]["message"].as_str().unwrap().contains("C3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pseudonym_sent_back_finds_the_record_by_body_and_by_query() {
    let env = demo_env(|t| t).await;
    let (_, me) = get(&env, "qa", "/api/customers/3").await;
    let id_number = me["id_number"].as_str().unwrap();
    let r = gw::client()
        .post(env.url("/api/customers/search"))
        .header("x-api-key", env.key("qa"))
        .body(serde_json::json!({ "id_number": id_number }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let found = r.json_value().await;
    assert_eq!(
        found["data"][0], me,
        "found by pseudonym, returned masked the same way"
    );
    let mobile = me["contact"]["mobile"].as_str().unwrap();
    let (status, found) = get(&env, "qa", &format!("/api/customers?mobile={mobile}")).await;
    assert_eq!(status, 200);
    assert_eq!(found["data"][0], me);
    // The vendor's mobile is masked (not reversible): a lookup is a client error.
    let (_, theirs) = get(&env, "vendor_collections", "/api/customers/3").await;
    let masked = theirs["contact"]["mobile"].as_str().unwrap();
    let (status, v) = get(
        &env,
        "vendor_collections",
        &format!("/api/customers?mobile={masked}"),
    )
    .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (400, Some("bad_lookup")),
        "{v}"
    );
    // A value that is no pseudonym of the field's format is refused, not forwarded.
    let (status, _) = get(&env, "qa", "/api/customers?mobile=not-a-mobile").await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_leaves_one_audit_record_naming_fields_and_decision() {
    let env = demo_env(|t| t).await;
    get(&env, "vendor_collections", "/api/customers?limit=3").await;
    get(&env, "offshore_hq", "/api/customers/1").await;
    get(&env, "qa", "/nowhere").await;
    let lines = env.audit_lines_at_least(3).await;
    let http: Vec<&Value> = lines.iter().filter(|l| l["channel"] == "http").collect();
    assert_eq!(http.len(), 3, "{lines:?}");
    let masked = http[0];
    assert_eq!(masked["consumer"], "vendor_collections");
    assert_eq!(masked["scenario"], "outsourced");
    assert_eq!(masked["decision"], "masked");
    assert_eq!(masked["rows"], 3);
    assert_eq!(masked["source"][0], "customers");
    assert_eq!(masked["fingerprint"], "GET /api/customers");
    let fields = masked["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().filter_map(|f| f["field"].as_str()).collect();
    let mut in_order = names.clone();
    in_order.sort_unstable();
    in_order.dedup();
    assert_eq!(names, in_order, "each field once, in order of name");
    assert!(fields.iter().any(|f| f["field"] == "json.password_hash"
        && f["transform"] == "removed"
        && f["grade"] == "C3"));
    assert!(
        fields
            .iter()
            .any(|f| f["field"] == "json.mobile" && f["grade"] == "C2")
    );
    assert!(masked["client"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert_eq!(http[1]["decision"], "refused");
    assert!(http[1]["reason"].as_str().unwrap().contains("refused"));
    assert_eq!(http[2]["reason"], "no route matches this method and path");
}

#[test]
fn curl_as_two_vendors_sees_two_views_and_no_c3() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let env = rt.block_on(demo_env(|t| t));
    let curl = |consumer: &str| {
        let out = std::process::Command::new("curl")
            .args(["-s", "--max-time", "60", "-H"])
            .arg(format!("x-api-key: {}", env.key(consumer)))
            .arg(env.url("/api/customers/1/cards"))
            .output()
            .expect("curl must be installed (apt-get install -y curl)");
        serde_json::from_slice::<Value>(&out.stdout).expect("JSON")
    };
    let qa = curl("qa");
    let vendor = curl("vendor_collections");
    assert_ne!(qa, vendor);
    for v in [&qa, &vendor] {
        let card = &v["data"][0];
        assert!(
            card.get("cvv").is_none()
                && card.get("track2").is_none()
                && card.get("expiry").is_none()
        );
    }
    assert!(
        vendor["data"][0]["card_no"]
            .as_str()
            .unwrap()
            .starts_with("****")
    );
    drop(env);
}

/// A reload that rotates the master key: requests served under the new policy leave
/// records that name the new version and are sealed under it, and the trail verifies
/// with the rotated policy's keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_reload_that_rotates_the_key_records_name_and_are_sealed_under_the_new_version() {
    let env = demo_env(|t| t).await;
    tuomin::keys::MasterKey::from_bytes(tuomin::keys::KeyId(2), [2; 32])
        .write_new_file(&env.dir.path().join("k2.key"))
        .unwrap();
    let (status, before) = get(&env, "qa", "/api/customers/1").await;
    assert_eq!(status, 200);
    env.reload_with(|text| {
        text.replacen(
            "master_key_file = \"test.key\"\n",
            "master_key_file = \"k2.key\"\nkey_id = 2\n",
            1,
        ) + "\n[[keys.previous]]\nkey_id = 1\nmaster_key_file = \"test.key\"\n"
    })
    .unwrap();
    let (status, after) = get(&env, "qa", "/api/customers/1").await;
    assert_eq!(status, 200);
    assert_ne!(
        before["contact"]["mobile"], after["contact"]["mobile"],
        "the new version issues new pseudonyms"
    );
    assert_eq!(before["customer_id"], after["customer_id"]);
    let lines = env.audit_lines_at_least(2).await;
    let named: Vec<&str> = lines.iter().filter_map(|l| l["key_id"].as_str()).collect();
    assert_eq!(named, ["k1", "k2"], "{lines:?}");
    let policy = tuomin::config::load(&env.policy).unwrap();
    let report = tuomin::audit::verify_files(&[env.dir.path().join("audit.jsonl")], &|id| {
        policy.audit_key_for(id)
    });
    assert_eq!(report.problem, None);
    assert_eq!(report.records, 2);
}

//! The `[http]` section and consumer identities in the policy: what loads, and what is
//! refused at load with its line.

mod common;

use common::PolicyDir;

const CONSUMERS: &str = r#"
[json_keys]
name = "name"

[consumers.vendor]
scenario = "outsourced"
key_scope = "vendor"
"#;

fn problems(http: &str) -> String {
    let dir = PolicyDir::new();
    let path = dir.write(&format!("{CONSUMERS}\n{http}"));
    match tuomin::config::load(&path) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fn line_of(http: &str, needle: &str) -> usize {
    let text = format!("version = 1\n{}\n{CONSUMERS}\n{http}", common::KEYS);
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

const ROUTE: &str = r#"
[http]
listen = "127.0.0.1:8443"

[[http.routes]]
name = "r"
path = "/api/x/{id}"
upstream = "http://127.0.0.1:9000"
"#;

#[test]
fn a_plain_route_loads_with_its_defaults() {
    let dir = PolicyDir::new();
    let path = dir.write(&format!("{CONSUMERS}\n{ROUTE}"));
    let policy = tuomin::config::load(&path).unwrap();
    let http = policy.http.as_ref().unwrap();
    assert_eq!(http.api_key_header, "x-api-key");
    assert_eq!(http.routes[0].method, http::Method::GET);
    assert_eq!(http.header_read_timeout, std::time::Duration::from_secs(10));
}

#[test]
fn an_unsupported_json_path_is_refused_with_its_line() {
    let http = format!("{ROUTE}fields = {{ \"$.data[?(@.x)].name\" = \"name\" }}\n");
    let err = problems(&http);
    let line = line_of(&http, "fields =");
    assert!(
        err.contains(&format!(":{line}:")) && err.contains("unsupported JSON path"),
        "{err}"
    );
}

#[test]
fn path_rules_become_dictionary_fields_of_the_route() {
    let dir = PolicyDir::new();
    let http = format!("{ROUTE}fields = {{ \"$.data[*].card\" = \"card_number\" }}\n");
    let path = dir.write(&format!("{CONSUMERS}\n{http}"));
    let policy = tuomin::config::load(&path).unwrap();
    let rule = policy
        .field_rule("vendor", "http.r.$.data[*].card")
        .unwrap();
    assert_eq!(rule.grade, tuomin::policy::Grade::C2);
}

#[test]
fn a_route_without_upstream_is_refused() {
    let http = ROUTE.replace("upstream = \"http://127.0.0.1:9000\"\n", "");
    let err = problems(&http);
    assert!(err.contains("route r: no upstream"), "{err}");
    assert!(
        err.contains(&format!(":{}:", line_of(&http, "[[http.routes]]"))),
        "{err}"
    );
}

#[test]
fn an_https_upstream_needs_its_ca_and_a_bad_pattern_is_refused() {
    let err = problems(&ROUTE.replace("http://127", "https://127"));
    assert!(err.contains("upstream_ca_file"), "{err}");
    let err = problems(&ROUTE.replace("{id}", "{id"));
    assert!(err.contains("path /api/x/{id"), "{err}");
}

#[test]
fn unknown_fields_in_routes_are_refused() {
    let err = problems(&format!("{ROUTE}upstreem = \"x\"\n"));
    assert!(err.contains("upstreem"), "{err}");
}

#[test]
fn a_plain_api_key_in_the_policy_is_refused() {
    let dir = PolicyDir::new();
    let body = CONSUMERS.replace(
        "key_scope = \"vendor\"",
        "key_scope = \"vendor\"\napi_keys = [\"tmk_secret\"]",
    );
    let err = tuomin::config::load(&dir.write(&body))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("never a key itself") && !err.contains("tmk_secret"),
        "{err}"
    );
}

#[test]
fn plain_http_beyond_loopback_is_refused() {
    let err = problems(&ROUTE.replace("127.0.0.1:8443", "0.0.0.0:8443"));
    assert!(err.contains("without TLS"), "{err}");
}

#[test]
fn json_is_never_a_pass_through_type_and_lookups_name_known_fields() {
    let err = problems(&format!("{ROUTE}pass_through = [\"application/json\"]\n"));
    assert!(err.contains("JSON is always masked"), "{err}");
    let err = problems(&format!(
        "{ROUTE}lookups = [{{ segment = \"nope\", field = \"json.name\" }}]\n"
    ));
    assert!(err.contains("no segment {nope}"), "{err}");
    let err = problems(&format!(
        "{ROUTE}lookups = [{{ query = \"q\", field = \"json.missing\" }}]\n"
    ));
    assert!(
        err.contains("json.missing is not in the dictionary"),
        "{err}"
    );
}

#[test]
fn unclassified_pass_on_a_route_needs_a_reason() {
    let err = problems(&format!("{ROUTE}unclassified = \"pass\"\n"));
    assert!(err.contains("unclassified_pass_reason"), "{err}");
}

#[test]
fn passwd_prints_a_key_and_only_its_hash_line() {
    let out = assert_cmd::Command::cargo_bin("tuomin")
        .unwrap()
        .timeout(std::time::Duration::from_secs(120))
        .args(["passwd", "--api-key"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let key = text.lines().find_map(|l| l.strip_prefix("key: ")).unwrap();
    let hash = tuomin::config::http::hash_api_key(key);
    assert!(text.contains(&format!("api_keys = [\"{hash}\"]")), "{text}");
}

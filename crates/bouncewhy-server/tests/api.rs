//! The JSON API against a real server listening on 127.0.0.1:0.

mod common;

use bouncewhy_server::{documented_routes, Config, RunningServer};
use common::{fixture, get, post, request, seed_cases};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// A small body limit keeps the 413 tests quick; everything else is the default.
const TEST_BODY_LIMIT: usize = 1 << 20;

fn server() -> &'static RunningServer {
    static SERVER: OnceLock<RunningServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        common::server(Config {
            max_body_bytes: TEST_BODY_LIMIT,
            ..Config::default()
        })
    })
}

fn addr() -> std::net::SocketAddr {
    server().addr()
}

const USER_UNKNOWN: &str = "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown in virtual mailbox table";

#[test]
fn healthz_answers_ok() {
    let response = get(addr(), "/healthz", &[]);
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["status"], "ok");
}

#[test]
fn openapi_document_matches_the_routing_table() {
    let response = get(addr(), "/api/v1/openapi.json", &[]);
    assert_eq!(response.status, 200);
    let document = response.json();
    assert!(document["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1")));
    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                documented.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    let served: BTreeSet<(String, String)> = documented_routes().into_iter().collect();
    assert_eq!(
        documented, served,
        "the OpenAPI paths and the server's routes differ"
    );
    // Every documented route really answers (not 404/405) on the live server.
    let bounce = std::fs::read(fixture("two-recipients.eml")).expect("fixture");
    for (method, path) in &served {
        let (content_type, body): (&str, &[u8]) = match (method.as_str(), path.as_str()) {
            ("POST", "/api/v1/decode") => ("message/rfc822", &bounce),
            ("POST", _) => ("text/plain", USER_UNKNOWN.as_bytes()),
            _ => ("text/plain", b""),
        };
        let response = request(
            addr(),
            method,
            path,
            &[("Content-Type", content_type)],
            body,
        );
        assert_eq!(
            response.status,
            200,
            "{method} {path} answered: {}",
            response.text()
        );
    }
    // Every error status the tests provoke is documented for its operation.
    for (path, status) in [
        ("/api/v1/explain", "400"),
        ("/api/v1/explain", "413"),
        ("/api/v1/explain", "422"),
        ("/api/v1/decode", "400"),
        ("/api/v1/decode", "413"),
    ] {
        assert!(
            document["paths"][path]["post"]["responses"]
                .get(status)
                .is_some(),
            "{path} does not document {status}"
        );
    }
    // Every schema reference resolves.
    let text = response.text();
    for reference in text.split("\"$ref\": \"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap_or_default();
        assert!(
            document["components"]["schemas"].get(name).is_some(),
            "dangling $ref to {name}"
        );
    }
}

#[test]
fn explain_plain_text_gives_one_diagnosis_in_english() {
    let response = post(
        addr(),
        "/api/v1/explain",
        "text/plain",
        USER_UNKNOWN.as_bytes(),
    );
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("content-language"), Some("en"));
    let answer = response.json();
    assert_eq!(answer["lang"], "en");
    let diagnoses = answer["diagnoses"].as_array().expect("diagnoses");
    assert_eq!(diagnoses.len(), 1);
    let diagnosis = &diagnoses[0];
    assert_eq!(diagnosis["reason"], "userunknown");
    assert_eq!(diagnosis["hard_bounce"], true);
    assert_eq!(diagnosis["status"], "5.1.1");
    assert_eq!(diagnosis["explanation"]["lang"], "en");
    assert!(!diagnosis["explanation"]["fix"]
        .as_array()
        .expect("fix")
        .is_empty());
    let evidence = &diagnosis["evidence"];
    let span = evidence["span"].as_array().expect("span");
    let (start, end) = (
        span[0].as_u64().unwrap() as usize,
        span[1].as_u64().unwrap() as usize,
    );
    let diagnostic = diagnosis["diagnostic"].as_str().expect("diagnostic");
    assert_eq!(Some(&diagnostic[start..end]), evidence["matched"].as_str());
}

#[test]
fn explain_answers_every_seed_case_like_the_library() {
    let Some(cases) = seed_cases() else {
        println!("skipped: ../shared not found");
        return;
    };
    let engine = bouncewhy::Engine::builtin().expect("engine");
    for case in &cases {
        let input = case["input"].as_str().expect("input");
        let body = serde_json::json!({ "text": input }).to_string();
        let response = post(
            addr(),
            "/api/v1/explain",
            "application/json",
            body.as_bytes(),
        );
        assert_eq!(response.status, 200, "{}: {}", case["id"], response.text());
        let served: Vec<bouncewhy::Diagnosis> =
            serde_json::from_value(response.json()["diagnoses"].clone()).expect("Diagnosis JSON");
        let local = engine
            .explain_any(input, "en")
            .expect("library explains it");
        assert_eq!(served, local, "{}", case["id"]);
        assert_eq!(
            served[0].reason.as_str(),
            case["reason"].as_str().unwrap(),
            "{}",
            case["id"]
        );
    }
}

#[test]
fn explain_json_body_and_lang_field() {
    let body = serde_json::json!({ "text": USER_UNKNOWN, "lang": "en" }).to_string();
    let response = post(
        addr(),
        "/api/v1/explain",
        "application/json",
        body.as_bytes(),
    );
    assert_eq!(response.status, 200, "{}", response.text());
    let answer = response.json();
    assert_eq!(answer["requested_lang"], "en");
    assert_eq!(answer["diagnoses"][0]["reason"], "userunknown");
}

#[test]
fn bad_json_is_400_with_a_message() {
    for body in [&b"{\"text\": "[..], b"[1,2,3]", b"{\"lang\": \"en\"}"] {
        let response = post(addr(), "/api/v1/explain", "application/json", body);
        assert_eq!(response.status, 400, "{}", response.text());
        let message = response.json()["error"]
            .as_str()
            .expect("error")
            .to_string();
        assert!(message.contains("JSON"), "{message}");
    }
}

#[test]
fn empty_and_binary_input_are_refused_with_a_reason() {
    let response = post(addr(), "/api/v1/explain", "text/plain", b"   \n");
    assert_eq!(response.status, 400);
    assert!(response.json()["error"].as_str().unwrap().contains("empty"));

    let response = post(addr(), "/api/v1/decode", "message/rfc822", b"");
    assert_eq!(response.status, 400);

    let binary: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
    let response = post(
        addr(),
        "/api/v1/explain",
        "application/octet-stream",
        &binary,
    );
    assert_eq!(response.status, 422, "{}", response.text());
    assert!(response.json()["error"]
        .as_str()
        .unwrap()
        .contains("binary"));
}

#[test]
fn bodies_over_the_limit_are_413() {
    let big = vec![b'a'; TEST_BODY_LIMIT + 1];
    for path in ["/api/v1/explain", "/api/v1/decode"] {
        let response = post(addr(), path, "text/plain", &big);
        assert_eq!(response.status, 413, "{path}: {}", response.text());
        assert!(response.json()["error"].as_str().unwrap().contains("limit"));
    }
    // Just under the limit is read (and then judged on its content).
    let fits = vec![b'a'; TEST_BODY_LIMIT - 1024];
    let response = post(addr(), "/api/v1/decode", "message/rfc822", &fits);
    assert_ne!(response.status, 413);
}

#[test]
fn unknown_language_falls_back_to_english() {
    let response = post(
        addr(),
        "/api/v1/explain?lang=xx-YY",
        "text/plain",
        USER_UNKNOWN.as_bytes(),
    );
    assert_eq!(response.status, 200);
    let answer = response.json();
    assert_eq!(answer["lang"], "en");
    assert_eq!(answer["requested_lang"], "xx-YY");
    assert_eq!(answer["diagnoses"][0]["explanation"]["lang"], "en");

    let response = request(
        addr(),
        "POST",
        "/api/v1/explain",
        &[
            ("Content-Type", "text/plain"),
            ("Accept-Language", "xx, zz;q=0.5"),
        ],
        USER_UNKNOWN.as_bytes(),
    );
    assert_eq!(response.json()["lang"], "en");
}

#[test]
fn accept_language_picks_any_language_the_engine_has() {
    let languages = get(addr(), "/api/v1/languages", &[]).json();
    let languages: Vec<String> = serde_json::from_value(languages["languages"].clone()).unwrap();
    assert!(languages.contains(&"en".to_string()));
    let english = post(
        addr(),
        "/api/v1/explain",
        "text/plain",
        USER_UNKNOWN.as_bytes(),
    )
    .json();
    for lang in languages.iter().filter(|l| *l != "en") {
        let header = format!("xx, {lang}-XX;q=0.9, en;q=0.1");
        let response = request(
            addr(),
            "POST",
            "/api/v1/explain",
            &[("Content-Type", "text/plain"), ("Accept-Language", &header)],
            USER_UNKNOWN.as_bytes(),
        );
        assert_eq!(response.header("content-language"), Some(lang.as_str()));
        let answer = response.json();
        assert_eq!(answer["lang"], lang.as_str());
        assert_ne!(
            answer["diagnoses"][0]["explanation"]["summary"],
            english["diagnoses"][0]["explanation"]["summary"],
            "{lang} explains in English"
        );
        let preferred = get(addr(), "/api/v1/languages", &[("Accept-Language", &header)]).json();
        assert_eq!(preferred["preferred"], lang.as_str());
    }
}

#[test]
fn a_message_that_is_not_a_bounce_gives_an_empty_list_and_a_note() {
    let message = std::fs::read(fixture("not-a-bounce.eml")).expect("fixture");
    let response = post(addr(), "/api/v1/decode", "message/rfc822", &message);
    assert_eq!(response.status, 200, "{}", response.text());
    let answer = response.json();
    assert_eq!(answer["diagnoses"], Value::Array(Vec::new()));
    assert!(answer["note"].as_str().is_some_and(|n| !n.is_empty()));

    let response = post(addr(), "/api/v1/explain", "text/plain", &message);
    let answer = response.json();
    assert_eq!(answer["diagnoses"], Value::Array(Vec::new()));
    assert!(answer["note"].as_str().is_some_and(|n| !n.is_empty()));
}

fn assert_two_recipients(answer: &Value) {
    let diagnoses = answer["diagnoses"].as_array().expect("diagnoses");
    let found: Vec<(&str, &str)> = diagnoses
        .iter()
        .map(|d| {
            (
                d["recipient"].as_str().unwrap(),
                d["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("bob@example.net", "userunknown"),
            ("carol@example.com", "mailboxfull")
        ]
    );
    assert!(diagnoses
        .iter()
        .all(|d| d["subject"] == "Minutes of the meeting"));
    assert!(answer["note"].is_null());
}

#[test]
fn decode_raw_message_gives_one_diagnosis_per_recipient() {
    let message = std::fs::read(fixture("two-recipients.eml")).expect("fixture");
    let response = post(addr(), "/api/v1/decode", "message/rfc822", &message);
    assert_eq!(response.status, 200, "{}", response.text());
    let answer = response.json();
    assert_two_recipients(&answer);
    assert_eq!(answer["diagnoses"][0]["source"], "body");
    assert_eq!(answer["diagnoses"][0]["decoded_by"], "rfc3464");
}

#[test]
fn decode_multipart_upload() {
    let message = std::fs::read(fixture("two-recipients.eml")).expect("fixture");
    let boundary = "----bouncewhy-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bounce.eml\"\r\n\
         Content-Type: message/rfc822\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&message);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let response = post(addr(), "/api/v1/decode?lang=en", &content_type, &body);
    assert_eq!(response.status, 200, "{}", response.text());
    let answer = response.json();
    assert_two_recipients(&answer);
    assert_eq!(answer["diagnoses"][1]["source"], "bounce.eml");

    let broken = format!("--{boundary}\r\nContent-Disposition: form-data\r\n\r\nno end");
    let response = post(addr(), "/api/v1/decode", &content_type, broken.as_bytes());
    assert_eq!(response.status, 400, "{}", response.text());
    assert!(response.json()["error"]
        .as_str()
        .unwrap()
        .contains("upload"));
}

#[test]
fn reasons_lists_the_whole_taxonomy_with_texts() {
    let response = get(addr(), "/api/v1/reasons?lang=en", &[]);
    assert_eq!(response.status, 200);
    let answer = response.json();
    assert_eq!(answer["lang"], "en");
    let reasons = answer["reasons"].as_array().expect("reasons");
    assert_eq!(reasons.len(), bouncewhy::Reason::ALL.len());
    for reason in reasons {
        assert!(!reason["summary"].as_str().unwrap().is_empty(), "{reason}");
        assert!(!reason["title"].as_str().unwrap().is_empty(), "{reason}");
    }
    assert!(answer["labels"]["what_happened"].is_string());

    let fallback = get(addr(), "/api/v1/reasons?lang=qq", &[]).json();
    assert_eq!(fallback["lang"], "en");
    assert_eq!(fallback["reasons"], answer["reasons"]);
}

#[test]
fn unknown_routes_and_methods_are_refused() {
    let response = get(addr(), "/api/v1/nothing-here", &[]);
    assert_eq!(response.status, 404);
    assert!(response.json()["error"]
        .as_str()
        .unwrap()
        .contains("/api/v1/nothing-here"));
    let response = get(addr(), "/api/v1/explain", &[]);
    assert_eq!(response.status, 405);
    // Paths are never looked up on disk.
    let response = get(addr(), "/assets/../../Cargo.toml", &[]);
    assert_eq!(response.status, 404);
}

#[test]
fn the_page_is_served_with_a_strict_content_security_policy() {
    let response = get(addr(), "/", &[]);
    assert_eq!(response.status, 200);
    assert!(response
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let policy = response.header("content-security-policy").expect("CSP");
    assert!(policy.contains("default-src 'none'"));
    assert!(policy.contains("script-src 'self'"));
    assert!(!policy.contains("unsafe-inline"));
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    let html = response.text();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page loads nothing from elsewhere"
    );
    for asset in ["/assets/app.js", "/assets/app.css"] {
        assert!(html.contains(asset));
        assert_eq!(get(addr(), asset, &[]).status, 200);
    }
    assert!(!get(addr(), "/assets/app.js", &[])
        .text()
        .contains("innerHTML"));
}

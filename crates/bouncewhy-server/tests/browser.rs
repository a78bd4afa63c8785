//! The web page in a real headless Chromium, driven through chromedriver (WebDriver).
//!
//! Skips with a printed reason when chromedriver is not installed (Debian:
//! `apt-get install chromium chromium-driver`); CI installs it. Screenshots go to
//! /tmp/bouncewhy-page.png and /tmp/bouncewhy-page-phone.png.

mod common;

use bouncewhy_server::Config;
use common::{fixture, post, seed_cases};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type Failure = Box<dyn std::error::Error>;

/// chromedriver from `CHROMEDRIVER` or the `PATH`.
fn find_chromedriver() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMEDRIVER") {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("chromedriver"))
        .find(|candidate| candidate.is_file())
}

/// A chromedriver process this test started; killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_chromedriver(path: &Path) -> Result<Driver, Failure> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            return Err("chromedriver did not start listening within 20 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(driver)
}

async fn open_browser(driver: &Driver, profile: &Path) -> Result<Client, Failure> {
    let mut args = vec![
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1800",
        "--lang=da",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut options = json!({
        "args": args,
        // The browser asks for Danish first: the page must pick it when the engine
        // has Danish texts and fall back to English cleanly when it has not.
        "prefs": { "intl": { "accept_languages": "da,en-US;q=0.5" } },
    });
    let binary = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Path::new(&binary).is_file() {
        options["binary"] = json!(binary);
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await?;
    Ok(client)
}

/// How many answers the page has shown so far.
async fn answers_shown(client: &Client) -> Result<u64, Failure> {
    let value = client
        .execute(
            "return Number(document.getElementById('answer').dataset.answers || 0);",
            vec![],
        )
        .await?;
    Ok(value.as_u64().unwrap_or(0))
}

/// Waits until the page shows an answer after the `before`-th one.
async fn wait_for_answer(client: &Client, before: u64) -> Result<(), Failure> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while answers_shown(client).await? <= before {
        if Instant::now() > deadline {
            let status = client.find(Locator::Id("status")).await?.text().await?;
            return Err(format!("no answer within 30 s; status line: {status:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Types `text` into the box, presses the button, waits for the answer.
async fn explain_in_page(client: &Client, text: &str) -> Result<(), Failure> {
    let before = answers_shown(client).await?;
    let input = client.find(Locator::Id("input")).await?;
    input.clear().await?;
    input.send_keys(text).await?;
    client.find(Locator::Id("explain")).await?.click().await?;
    wait_for_answer(client, before).await
}

/// The cards as a reader sees them.
async fn cards(client: &Client) -> Result<Vec<Value>, Failure> {
    let value = client
        .execute(
            r#"return Array.from(document.querySelectorAll('#cards article')).map((card) => ({
                 reason: card.dataset.reason,
                 heading: card.querySelector('h3').textContent,
                 title: card.querySelector('.reason-title').textContent,
                 summary: card.querySelector('.summary').textContent,
                 who: card.querySelector('.who').textContent,
                 retry: card.querySelector('.retry').textContent,
                 fix: Array.from(card.querySelectorAll('.fix li')).map((li) => li.textContent),
                 visible: card.getBoundingClientRect().height > 0,
               }));"#,
            vec![],
        )
        .await?;
    Ok(value.as_array().cloned().unwrap_or_default())
}

async fn answer_lang(client: &Client) -> Result<String, Failure> {
    Ok(client
        .find(Locator::Id("answer"))
        .await?
        .attr("lang")
        .await?
        .unwrap_or_default())
}

fn api_explain(server: SocketAddr, text: &str, lang: &str) -> Value {
    let body = json!({ "text": text, "lang": lang }).to_string();
    post(
        server,
        "/api/v1/explain",
        "application/json",
        body.as_bytes(),
    )
    .json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_in_headless_chromium() {
    let Some(chromedriver) = find_chromedriver() else {
        println!("skipped: chromedriver not found (apt-get install chromium chromium-driver)");
        return;
    };
    let server = common::server(Config::default());
    let driver = start_chromedriver(&chromedriver).expect("chromedriver starts");
    let profile = std::env::temp_dir().join(format!("bouncewhy-chromium-{}", std::process::id()));
    let client = open_browser(&driver, &profile)
        .await
        .expect("a headless Chromium session");
    // Run the checks as their own task so that a failed assertion still closes the browser.
    let driven = client.clone();
    let addr = server.addr();
    let outcome = tokio::spawn(async move {
        drive_the_page(&driven, addr)
            .await
            .map_err(|failure| failure.to_string())
    })
    .await;
    let _ = client.close().await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(failure)) => panic!("{failure}"),
        Err(panicked) => std::panic::resume_unwind(panicked.into_panic()),
    }
}

async fn drive_the_page(client: &Client, server: SocketAddr) -> Result<(), Failure> {
    client.goto(&format!("http://{server}")).await?;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("body[data-ready='true']"))
        .await?;

    keyboard_reaches_every_control(client).await?;
    seed_examples_show_reason_and_fix(client, server).await?;
    language_picker_follows_the_browser_and_switches(client, server).await?;
    uploaded_two_recipient_bounce_gives_two_cards(client).await?;
    dropped_file_gives_two_cards(client).await?;
    pasted_markup_is_shown_as_text_and_not_run(client).await?;
    Ok(())
}

async fn keyboard_reaches_every_control(client: &Client) -> Result<(), Failure> {
    client.find(Locator::Id("input")).await?.click().await?;
    let mut reached = Vec::new();
    for _ in 0..3 {
        let tab = KeyActions::new("keyboard".into())
            .then(KeyAction::Down {
                value: Key::Tab.into(),
            })
            .then(KeyAction::Up {
                value: Key::Tab.into(),
            });
        client.perform_actions(tab).await?;
        let id = client.active_element().await?.attr("id").await?;
        reached.push(id.unwrap_or_default());
    }
    assert_eq!(reached, ["file", "lang", "explain"], "tab order");
    Ok(())
}

async fn seed_examples_show_reason_and_fix(
    client: &Client,
    server: SocketAddr,
) -> Result<(), Failure> {
    let examples: Vec<(String, String)> = match seed_cases() {
        Some(cases) => {
            let mut seen = std::collections::BTreeSet::new();
            cases
                .iter()
                .filter(|case| seen.insert(case["reason"].as_str().unwrap_or("").to_string()))
                .take(3)
                .map(|case| {
                    (
                        case["input"].as_str().unwrap_or_default().to_string(),
                        case["reason"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        }
        None => {
            println!("note: ../shared not found; using a built-in example instead of seed cases");
            vec![(
                "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown".into(),
                "userunknown".into(),
            )]
        }
    };
    for (input, reason) in examples {
        let lang = client
            .find(Locator::Id("lang"))
            .await?
            .prop("value")
            .await?;
        let lang = lang.unwrap_or_else(|| "en".into());
        explain_in_page(client, &input).await?;
        let expected = api_explain(server, &input, &lang);
        let shown = cards(client).await?;
        assert_eq!(shown.len(), 1, "{input}");
        let card = &shown[0];
        assert_eq!(card["reason"], reason.as_str(), "{input}");
        assert_eq!(card["visible"], true);
        let explanation = &expected["diagnoses"][0]["explanation"];
        assert!(explanation["fix"]
            .as_array()
            .is_some_and(|fix| !fix.is_empty()));
        assert_eq!(card["fix"], explanation["fix"], "{input}");
        assert_eq!(card["summary"], explanation["summary"], "{input}");
        if let Some(matched) = expected["diagnoses"][0]["evidence"]["matched"].as_str() {
            let marks = client.find_all(Locator::Css("#evidence mark")).await?;
            assert!(
                !marks.is_empty(),
                "evidence {matched:?} not marked in {input}"
            );
            let marked = marks[0].text().await?;
            assert_eq!(
                marked
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase(),
                matched
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            );
        }
    }
    Ok(())
}

async fn language_picker_follows_the_browser_and_switches(
    client: &Client,
    server: SocketAddr,
) -> Result<(), Failure> {
    let languages = common::get(server, "/api/v1/languages", &[]).json();
    let languages: Vec<String> = serde_json::from_value(languages["languages"].clone())?;
    let options = client
        .execute(
            "return Array.from(document.querySelectorAll('#lang option')).map((o) => o.value);",
            vec![],
        )
        .await?;
    let options: Vec<String> = serde_json::from_value(options)?;
    assert_eq!(
        options, languages,
        "the picker lists the engine's languages"
    );

    // The browser asks for Danish first (see open_browser).
    let has_danish = languages.iter().any(|l| l == "da");
    let picker = client.find(Locator::Id("lang")).await?;
    let default = picker.prop("value").await?.unwrap_or_default();
    let expected_default = if has_danish { "da" } else { "en" };
    assert_eq!(default, expected_default, "default language of the picker");
    let input = "552 5.2.2 <carol@example.com>: Mailbox full, quota exceeded";
    explain_in_page(client, input).await?;
    assert_eq!(answer_lang(client).await?, expected_default);

    let english = api_explain(server, input, "en");
    let english_summary = english["diagnoses"][0]["explanation"]["summary"].clone();
    if has_danish {
        assert_ne!(
            cards(client).await?[0]["summary"],
            english_summary,
            "Danish page text is English"
        );
        assert_eq!(
            page_heading(client).await?,
            page_title(server, "da"),
            "the page's own words follow the language"
        );
        let before = answers_shown(client).await?;
        picker.select_by_value("en").await?;
        wait_for_answer(client, before).await?;
        assert_eq!(answer_lang(client).await?, "en");
        assert_eq!(cards(client).await?[0]["summary"], english_summary);
        assert_eq!(page_heading(client).await?, page_title(server, "en"));
    } else {
        println!("note: no Danish texts yet; checked the clean fallback to English");
        assert_eq!(cards(client).await?[0]["summary"], english_summary);
    }
    // Whatever else exists, switching to it re-answers in that language.
    if let Some(other) = languages.iter().find(|l| *l != "en" && *l != "da") {
        let before = answers_shown(client).await?;
        picker.select_by_value(other).await?;
        wait_for_answer(client, before).await?;
        assert_eq!(answer_lang(client).await?, other.as_str());
        assert_ne!(
            cards(client).await?[0]["summary"],
            english_summary,
            "{other} is English"
        );
    }
    picker.select_by_value("en").await?;
    Ok(())
}

/// The page's main heading as shown.
async fn page_heading(client: &Client) -> Result<String, Failure> {
    Ok(client.find(Locator::Css("h1")).await?.text().await?)
}

/// The page title label of `lang`, from the API.
fn page_title(server: SocketAddr, lang: &str) -> String {
    let reasons = common::get(server, &format!("/api/v1/reasons?lang={lang}"), &[]).json();
    reasons["labels"]["page_title"]
        .as_str()
        .expect("the page title is a label")
        .to_string()
}

fn assert_two_cards(shown: &[Value]) {
    let found: Vec<(&str, &str)> = shown
        .iter()
        .map(|c| {
            (
                c["heading"].as_str().unwrap_or(""),
                c["reason"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].0.ends_with("bob@example.net") && found[0].1 == "userunknown",
        "{found:?}"
    );
    assert!(
        found[1].0.ends_with("carol@example.com") && found[1].1 == "mailboxfull",
        "{found:?}"
    );
}

async fn uploaded_two_recipient_bounce_gives_two_cards(client: &Client) -> Result<(), Failure> {
    let path = fixture("two-recipients.eml").canonicalize()?;
    let before = answers_shown(client).await?;
    client
        .find(Locator::Id("file"))
        .await?
        .send_keys(&path.display().to_string())
        .await?;
    wait_for_answer(client, before).await?;
    assert_two_cards(&cards(client).await?);

    std::fs::write("/tmp/bouncewhy-page.png", client.screenshot().await?)?;
    client.set_window_size(390, 1800).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let too_wide = client
        .execute(
            r#"const width = document.documentElement.clientWidth;
               return Array.from(document.querySelectorAll('body *'))
                 .filter((e) => e.getBoundingClientRect().right > width + 1)
                 .map((e) => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px > ${width}px`);"#,
            vec![],
        )
        .await?;
    assert_eq!(too_wide, json!([]), "the page is wider than a phone screen");
    std::fs::write("/tmp/bouncewhy-page-phone.png", client.screenshot().await?)?;
    client.set_window_size(1280, 1800).await?;
    Ok(())
}

async fn dropped_file_gives_two_cards(client: &Client) -> Result<(), Failure> {
    let content = std::fs::read_to_string(fixture("two-recipients.eml"))?;
    let before = answers_shown(client).await?;
    client.find(Locator::Id("input")).await?.clear().await?;
    client
        .execute(
            r#"const [name, content] = arguments;
               const transfer = new DataTransfer();
               transfer.items.add(new File([content], name, { type: 'message/rfc822' }));
               const zone = document.getElementById('drop');
               for (const type of ['dragover', 'drop']) {
                 zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
               }"#,
            vec![json!("dropped.eml"), json!(content)],
        )
        .await?;
    wait_for_answer(client, before).await?;
    assert_two_cards(&cards(client).await?);
    Ok(())
}

async fn pasted_markup_is_shown_as_text_and_not_run(client: &Client) -> Result<(), Failure> {
    let script = "<script>window.__bouncewhyXss = 'script'</script>";
    let image = "<img src=x onerror=\"window.__bouncewhyXss = 'img'\">";
    let hostile = format!("550 5.1.1 {script} {image} Recipient address rejected: User unknown");
    explain_in_page(client, &hostile).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ran = client
        .execute(
            "return window.__bouncewhyXss === undefined ? null : window.__bouncewhyXss;",
            vec![],
        )
        .await?;
    assert_eq!(ran, Value::Null, "pasted markup ran");
    let injected = client
        .execute(
            "return document.querySelectorAll('#answer script, #answer img, #status img').length;",
            vec![],
        )
        .await?;
    assert_eq!(injected, json!(0), "pasted markup became elements");
    let shown = client.find(Locator::Id("evidence")).await?.text().await?;
    assert!(
        shown.contains(script),
        "the script tag is not shown as text: {shown}"
    );
    assert!(
        shown.contains("<img src=x onerror="),
        "the img tag is not shown as text: {shown}"
    );
    let said = client
        .find(Locator::Css("q.diagnostic"))
        .await?
        .text()
        .await?;
    assert!(said.contains("<script>"), "{said}");
    Ok(())
}

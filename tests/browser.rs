//! Tests in headless Chromium (wasm-bindgen-test): the core's ingest compiled to wasm32, and the
//! app mounted into the test page. Run by scripts/test:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target wasm32-unknown-unknown --test browser`.
//! The runner serves the crate root too, so the page's relative `examples/…` URLs resolve.
#![cfg(target_arch = "wasm32")]

use std::io::Write;

use runlens::model::RunStatus;
use runlens::ui::app::{thousands, App, RunSummary};
use runlens::ErrorKind;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A complete, tiny Spark event log: one executor, one stage of two 1-second tasks.
const MINI_LOG: &str = r#"{"Event":"SparkListenerLogStart","Spark Version":"4.3.0"}
{"Event":"SparkListenerApplicationStart","App Name":"mini","App ID":"app-mini-0001","Timestamp":1000000,"User":"test"}
{"Event":"SparkListenerExecutorAdded","Timestamp":1000100,"Executor ID":"1","Executor Info":{"Host":"w1","Total Cores":1}}
{"Event":"SparkListenerJobStart","Job ID":0,"Submission Time":1000200,"Stage IDs":[0]}
{"Event":"SparkListenerStageSubmitted","Stage Info":{"Stage ID":0,"Stage Attempt ID":0,"Stage Name":"count","Number of Tasks":2,"Submission Time":1000200}}
{"Event":"SparkListenerTaskStart","Stage ID":0,"Stage Attempt ID":0,"Task Info":{"Task ID":0,"Index":0,"Attempt":0,"Launch Time":1000300,"Executor ID":"1"}}
{"Event":"SparkListenerTaskEnd","Stage ID":0,"Stage Attempt ID":0,"Task End Reason":{"Reason":"Success"},"Task Info":{"Task ID":0,"Index":0,"Attempt":0,"Launch Time":1000300,"Executor ID":"1","Finish Time":1001300},"Task Metrics":{"Executor Run Time":900,"Input Metrics":{"Bytes Read":1000,"Records Read":10}}}
{"Event":"SparkListenerTaskStart","Stage ID":0,"Stage Attempt ID":0,"Task Info":{"Task ID":1,"Index":1,"Attempt":0,"Launch Time":1001300,"Executor ID":"1"}}
{"Event":"SparkListenerTaskEnd","Stage ID":0,"Stage Attempt ID":0,"Task End Reason":{"Reason":"Success"},"Task Info":{"Task ID":1,"Index":1,"Attempt":0,"Launch Time":1001300,"Executor ID":"1","Finish Time":1002300},"Task Metrics":{"Executor Run Time":900,"Input Metrics":{"Bytes Read":2000,"Records Read":20}}}
{"Event":"SparkListenerStageCompleted","Stage Info":{"Stage ID":0,"Stage Attempt ID":0,"Stage Name":"count","Number of Tasks":2,"Submission Time":1000200,"Completion Time":1002400}}
{"Event":"SparkListenerJobEnd","Job ID":0,"Completion Time":1002500,"Job Result":{"Result":"JobSucceeded"}}
{"Event":"SparkListenerApplicationEnd","Timestamp":1004000}
"#;

fn check_mini_run(run: &runlens::model::Run) {
    assert_eq!(run.meta.app_id.as_deref(), Some("app-mini-0001"));
    assert_eq!(run.meta.spark_version.as_deref(), Some("4.3.0"));
    assert_eq!(run.meta.status, RunStatus::Succeeded);
    assert!(
        (run.meta.duration_s - 4.0).abs() < 1e-9,
        "{}",
        run.meta.duration_s
    );
    assert_eq!(run.tasks.len(), 2);
    assert_eq!(run.stages.len(), 1);
    let summary = RunSummary::of(run);
    assert_eq!(summary.name, "mini");
    assert_eq!(summary.status, "succeeded");
    assert_eq!(summary.duration, "4.0 s");
    assert_eq!(summary.tasks, "2");
}

#[wasm_bindgen_test]
fn ingests_an_event_log_in_the_browser() {
    let loaded =
        runlens::ingest::ingest_bytes("mini.log", MINI_LOG.as_bytes()).expect("mini log reads");
    check_mini_run(&loaded.run);
}

#[wasm_bindgen_test]
fn ingests_a_gzip_event_log_in_the_browser() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(MINI_LOG.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let loaded = runlens::ingest::ingest_bytes("mini.log.gz", &bytes).expect("gzip log reads");
    assert_eq!(loaded.bytes_in, bytes.len() as u64);
    assert_eq!(loaded.bytes_out, MINI_LOG.len() as u64);
    check_mini_run(&loaded.run);
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_that_names_it() {
    let err = runlens::ingest::ingest_bytes("empty.log", b"").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Empty);
    assert!(err.to_string().starts_with("empty.log: "), "{err}");
}

#[wasm_bindgen_test]
fn thousands_separators() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1548), "1,548");
    assert_eq!(thousands(60_012), "60,012");
    assert_eq!(thousands(1_234_567), "1,234,567");
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn app_shows_both_example_runs() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().dyn_into().unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    leptos::mount::mount_to(host.clone(), App).forget();

    let root: web_sys::HtmlElement = document.document_element().unwrap().dyn_into().unwrap();
    for _ in 0..200 {
        if root.dataset().get("ready").as_deref() == Some("1") {
            break;
        }
        sleep(50).await;
    }
    assert_eq!(
        root.dataset().get("ready").as_deref(),
        Some("1"),
        "the page never became ready"
    );

    let text = |selector: &str| {
        host.query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no {selector} in {}", host.inner_html()))
            .text_content()
            .unwrap_or_default()
    };
    assert_eq!(text("h1"), "Runlens");
    assert!(
        host.query_selector("[data-error]").unwrap().is_none(),
        "{}",
        host.inner_html()
    );
    for (side, name, tasks) in [
        ("before", "S1 before", "1,548"),
        ("after", "S1 after", "1,520"),
    ] {
        assert!(text(&format!("section[data-run={side}] [data-field=name]")).starts_with(name));
        assert_eq!(
            text(&format!("section[data-run={side}] [data-field=status]")),
            "succeeded"
        );
        assert_eq!(
            text(&format!("section[data-run={side}] [data-field=tasks]")),
            tasks
        );
    }
    let marks = web_sys::window()
        .unwrap()
        .performance()
        .unwrap()
        .get_entries_by_name("runlens:rendered");
    assert_eq!(marks.length(), 1);

    // The contract for browser tests: a container per view and run, holding its canvas…
    for side in ["before", "after"] {
        for view in ["etl", "shuffle", "execution", "memory"] {
            let sel = format!("[data-view={view}][data-run={side}] canvas");
            let canvas: web_sys::HtmlCanvasElement = host
                .query_selector(&sel)
                .unwrap()
                .unwrap_or_else(|| panic!("no {sel}"))
                .dyn_into()
                .unwrap();
            assert!(canvas.width() > 100, "{sel} was not sized for drawing");
        }
    }
    // … the straggler callout of the before run only, naming executor 0 …
    let callout = host
        .query_selector("[data-straggler][data-run=before]")
        .unwrap()
        .expect("a straggler callout for the before run");
    assert_eq!(callout.get_attribute("data-executor").as_deref(), Some("0"));
    assert!(host
        .query_selector("[data-straggler][data-run=after]")
        .unwrap()
        .is_none());

    // Clicking an executor in a legend highlights it in every view of that run.
    let button: web_sys::HtmlElement = host
        .query_selector("[data-view=memory][data-run=before] button.exec[data-executor='1']")
        .unwrap()
        .expect("an executor button")
        .dyn_into()
        .unwrap();
    button.click();
    sleep(100).await;
    for view in ["execution", "memory"] {
        let b = host
            .query_selector(&format!(
                "[data-view={view}][data-run=before] button.exec[data-executor='1']"
            ))
            .unwrap()
            .unwrap();
        assert_eq!(
            b.get_attribute("aria-pressed").as_deref(),
            Some("true"),
            "{view}"
        );
    }
}

#[wasm_bindgen_test]
fn the_view_state_reads_from_the_address() {
    use runlens::ui::state::Side;
    use runlens::ui::urlstate::parse;
    let p = parse("before=a.zstd&after=https%3A%2F%2Fx%2Fb.json&sel=before:3,after:driver&t=10-80.5&fit=1&embed=1");
    assert_eq!(p.before.as_deref(), Some("a.zstd"));
    assert_eq!(p.after.as_deref(), Some("https://x/b.json"));
    assert_eq!(
        p.selected,
        vec![
            (Side::Before, "3".to_string()),
            (Side::After, "driver".to_string())
        ]
    );
    assert_eq!(p.window, Some((10.0, 80.5)));
    assert!(p.fit && p.embed);
    // Nonsense is ignored, not fatal.
    let p = parse("t=80-10&sel=left:1&embed=maybe");
    assert_eq!(p.window, None);
    assert!(p.selected.is_empty());
    assert!(!p.embed);
}

#[wasm_bindgen_test]
fn only_http_urls_are_fetched() {
    use runlens::ui::loader::resolve_url;
    assert!(resolve_url("https://example.org/x.zstd").is_ok());
    let relative = resolve_url("examples/s1-before.run.json").unwrap();
    assert!(relative.starts_with("http"), "{relative}");
    for bad in [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/plain,hi",
    ] {
        let e = resolve_url(bad).unwrap_err();
        assert!(e.contains("only http(s) URLs"), "{bad}: {e}");
    }
}

#[wasm_bindgen_test]
fn speed_up_wording() {
    use runlens::ui::summary::speed_up;
    assert_eq!(speed_up(3600.0, 480.0).as_deref(), Some("7.5× faster"));
    assert_eq!(speed_up(104.1, 136.1).as_deref(), Some("1.3× slower"));
    assert_eq!(speed_up(0.0, 10.0), None);
}

#[wasm_bindgen_test]
fn a_panic_message_shows_as_text_and_leaves_the_page_in_place() {
    let document = web_sys::window().unwrap().document().unwrap();
    let marker = document.create_element("p").unwrap();
    marker.set_id("still-here");
    document.body().unwrap().append_child(&marker).unwrap();
    runlens::ui::show_panic("index out of bounds <b>not html</b>");
    let alert = document
        .query_selector("[role=alert].panic")
        .unwrap()
        .expect("an alert");
    let text = alert.text_content().unwrap_or_default();
    assert!(
        text.contains("index out of bounds <b>not html</b>"),
        "{text}"
    );
    assert!(
        alert.query_selector("b").unwrap().is_none(),
        "shown as text, not HTML"
    );
    assert!(document.get_element_by_id("still-here").is_some());
}

//! `test`: what CI runs on a submitted worker (DESIGN §9). Every selected variant that can be
//! built here is built fresh into a throwaway prefix (and a throwaway installed database),
//! its crate's tests run for that feature, it is installed and smoke-tested; the others are
//! skipped with the reason. Cargo steps run in the sandbox unless `--no-sandbox`.

use super::Session;
use crate::build::{Plan, Step};
use crate::catalog::{Catalog, Target, Variant, Worker};
use crate::error::{Error, Result};
use crate::install::{self, Options};
use crate::kinds::Backend;
use crate::report::Answer;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// Seconds each step of a variant's test may take when `[test] timeout` is unset.
pub const DEFAULT_TIMEOUT: u64 = 600;

#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    pub ids: Vec<String>,
    pub changed: Option<String>,
    pub junit: Option<PathBuf>,
    pub no_sandbox: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub id: String,
    pub worker: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub duration_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<PathBuf>,
    /// Whether its cargo steps ran in the sandbox.
    pub sandboxed: bool,
    /// The end of the failing step's log.
    #[serde(skip)]
    pub tail: String,
}

#[derive(Serialize)]
struct TestDoc<'r> {
    schema: u32,
    results: &'r [TestResult],
}

pub fn run(cx: &crate::context::Context, opts: &TestOptions) -> Result<Answer> {
    let catalog = super::load(cx)?;
    let mut selected = select(&catalog, &opts.ids)?;
    if let Some(rev) = &opts.changed {
        let picked = super::changed::workers(cx, &catalog, rev)?;
        selected.retain(|(w, _)| picked.ids.contains(&w.id));
        if selected.is_empty() {
            return Ok(Answer::new(
                &TestDoc {
                    schema: crate::wire::SCHEMA,
                    results: &[],
                },
                "",
            )
            .note(format!("no worker changed since {rev}: nothing to test")));
        }
    }
    let host = cx.host()?.host();
    let total = selected.len();
    let mut results = Vec::new();
    for (i, (w, v)) in selected.into_iter().enumerate() {
        crate::exec::check_interrupted()?;
        let start = Instant::now();
        let mut r = match host {
            Some((os, arch)) if !v.supports(os, arch) => skipped(
                w,
                v,
                format!("{} does not run on {}/{}", v.id, os.as_str(), arch.as_str()),
            ),
            _ => {
                crate::report::say(&format!("==> [{}/{total}] testing {}", i + 1, v.id));
                one(cx, w, v, opts)?
            }
        };
        r.duration_s = (start.elapsed().as_secs_f64() * 10.0).round() / 10.0;
        results.push(r);
    }
    if let Some(path) = &opts.junit {
        crate::atomic::write(path, junit(&results).as_bytes())?;
    }
    let failed = results
        .iter()
        .filter(|r| r.status == Status::Failed)
        .count();
    let answer = Answer::new(
        &TestDoc {
            schema: crate::wire::SCHEMA,
            results: &results,
        },
        text(&results),
    );
    Ok(if failed > 0 {
        answer.then(Error::Reported(format!(
            "{failed} of {} variant(s) failed their tests",
            results.len()
        )))
    } else {
        answer
    })
}

/// The variants the ids name (every variant of a worker id), else every variant.
fn select<'c>(catalog: &'c Catalog, ids: &[String]) -> Result<Vec<(&'c Worker, &'c Variant)>> {
    if ids.is_empty() {
        return Ok(catalog
            .workers
            .iter()
            .flat_map(|w| w.variants.iter().map(move |v| (&**w, v)))
            .collect());
    }
    let mut out: Vec<(&Worker, &Variant)> = Vec::new();
    for id in ids {
        let found: Vec<(&Worker, &Variant)> = match catalog.lookup(id) {
            Some(Target::Variant(w, v)) => vec![(w, v)],
            Some(Target::Worker(w)) => w.variants.iter().map(|v| (w, v)).collect(),
            None => return Err(super::not_found(catalog, id)),
        };
        for (w, v) in found {
            if !out.iter().any(|(_, o)| o.id == v.id) {
                out.push((w, v));
            }
        }
    }
    Ok(out)
}

fn skipped(w: &Worker, v: &Variant, reason: String) -> TestResult {
    TestResult {
        id: v.id.clone(),
        worker: w.id.clone(),
        status: Status::Skipped,
        reason: Some(reason),
        duration_s: 0.0,
        log: None,
        sandboxed: false,
        tail: String::new(),
    }
}

/// Builds, tests, installs and smoke-tests one variant in a throwaway prefix and database.
fn one(
    cx: &crate::context::Context,
    w: &Worker,
    v: &Variant,
    opts: &TestOptions,
) -> Result<TestResult> {
    let scratch = tempfile::Builder::new()
        .prefix("rbee-workers-test-")
        .tempdir()
        .map_err(|e| Error::io("create", std::env::temp_dir(), e))?;
    let mut throwaway = cx.clone();
    throwaway.dirs.data = scratch.path().join("data");
    // `test` never asks: it is what CI runs on submissions.
    throwaway.noconfirm = true;
    let mut s = Session::new(&throwaway);
    let o = Options {
        backend: Some(Backend::Cargo),
        prefix: Some(scratch.path().join("prefix")),
        sandbox: true,
        no_sandbox: opts.no_sandbox,
        ..Options::default()
    };
    let mut plan = install::make_plan(&mut s, w, v, &o, true)?;
    let sandboxed = plan.steps.iter().any(|s| {
        matches!(
            s,
            Step::Run {
                sandboxed: true,
                ..
            }
        )
    });
    let mut result = TestResult {
        sandboxed,
        ..skipped(w, v, String::new())
    };
    result.reason = None;
    // A missing toolkit is this host's limit, not the worker's fault.
    if let Some(c) = plan
        .preflight
        .iter()
        .find(|c| !c.ok && c.blocking && c.check.ends_with("toolkit"))
    {
        result.reason = Some(c.message.clone());
        return Ok(result);
    }
    for c in plan.preflight.iter().filter(|c| !c.ok && !c.blocking) {
        crate::report::warn(&format!("{}: {}", plan.id, c.message));
    }
    if let Some(e) = crate::preflight::preflight_error(&plan) {
        return Ok(failed(result, e));
    }
    add_test_step(&mut plan, w, &cx.config.tools.cargo);
    // `[test] timeout` (default 600 s) bounds each step: the build, the tests, the smoke.
    let timeout = w.test.timeout.unwrap_or(DEFAULT_TIMEOUT);
    for step in &mut plan.steps {
        if let Step::Run { command, .. } = step {
            command.timeout_s = Some(timeout);
        }
    }
    let mut w = w.clone();
    w.test.timeout = Some(timeout);
    match install::execute(&mut s, &w, &plan) {
        Ok(_) => {
            result.status = Status::Passed;
            result.log = last_log(&throwaway, &plan);
            Ok(result)
        }
        Err(Error::Interrupted) => Err(Error::Interrupted),
        Err(e) => Ok(failed(result, e)),
    }
}

fn failed(mut r: TestResult, e: Error) -> TestResult {
    r.status = Status::Failed;
    r.reason = Some(e.to_string());
    if let Error::CommandFailed(c) = &e {
        r.log = Some(c.log.clone());
        r.tail = c.tail.clone();
        // The first line, and what caused it when that is known (a timeout).
        let first = e.to_string().lines().next().unwrap_or_default().to_string();
        r.reason = Some(match &c.hint {
            Some(h) => format!("{first}; {h}"),
            None => first,
        });
    }
    r
}

fn last_log(cx: &crate::context::Context, plan: &Plan) -> Option<PathBuf> {
    let p = cx.dirs.cache.join("logs").join(format!("{}.log", plan.id));
    p.exists().then_some(p)
}

/// After the build, the crate's tests for that feature: the build's own command (sandboxed
/// or not) with `build` turned into `test`, plus `[test] cargo_args`.
fn add_test_step(plan: &mut Plan, w: &Worker, cargo: &str) {
    let Some(at) = plan.steps.iter().rposition(
        |s| matches!(s, Step::Run { command, .. } if command.args.iter().any(|a| a == "build")),
    ) else {
        return;
    };
    let Step::Run {
        command, sandboxed, ..
    } = &plan.steps[at]
    else {
        return;
    };
    // Sandboxed, `cargo build` is bwrap's argument after `-- cargo`; else the command itself.
    let mut test = command.clone();
    let after_cargo = test
        .args
        .iter()
        .position(|a| a == cargo)
        .map_or(0, |p| p + 1);
    if let Some(b) = test.args[after_cargo..].iter().position(|a| a == "build") {
        test.args[after_cargo + b] = "test".into();
    }
    test.args.extend(w.test.cargo_args.iter().cloned());
    let step = Step::Run {
        description: format!("test {}", plan.id),
        command: test,
        sandboxed: *sandboxed,
    };
    plan.steps.insert(at + 1, step);
}

fn text(results: &[TestResult]) -> String {
    let mut out = String::new();
    for r in results {
        let status = match r.status {
            Status::Passed => "passed",
            Status::Failed => "FAILED",
            Status::Skipped => "skipped",
        };
        out.push_str(&format!("{status:<8} {:<28} {:>7.1}s", r.id, r.duration_s));
        if r.status != Status::Skipped && !r.sandboxed {
            out.push_str("  (not sandboxed)");
        }
        if let Some(why) = &r.reason {
            out.push_str(&format!("  {why}"));
        }
        out.push('\n');
        if r.status == Status::Failed && !r.tail.is_empty() {
            for line in r.tail.lines() {
                out.push_str(&format!("    | {line}\n"));
            }
        }
    }
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    out.push_str(&format!(
        "{} passed, {} failed, {} skipped\n",
        count(Status::Passed),
        count(Status::Failed),
        count(Status::Skipped)
    ));
    out
}

/// JUnit XML: a `testsuite` per worker, a `testcase` per variant.
pub fn junit(results: &[TestResult]) -> String {
    let mut workers: Vec<&str> = results.iter().map(|r| r.worker.as_str()).collect();
    workers.dedup();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rbee-workers test\">\n",
    );
    for w in workers {
        let cases: Vec<&TestResult> = results.iter().filter(|r| r.worker == w).collect();
        let n = |s: Status| cases.iter().filter(|r| r.status == s).count();
        let time: f64 = cases.iter().map(|r| r.duration_s).sum();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{time:.1}\">\n",
            xml(w),
            cases.len(),
            n(Status::Failed),
            n(Status::Skipped)
        ));
        for r in cases {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.1}\"",
                xml(w),
                xml(&r.id),
                r.duration_s
            ));
            let why = xml(r.reason.as_deref().unwrap_or_default());
            match r.status {
                Status::Passed => out.push_str("/>\n"),
                Status::Skipped => out.push_str(&format!(
                    ">\n      <skipped message=\"{why}\"/>\n    </testcase>\n"
                )),
                Status::Failed => out.push_str(&format!(
                    ">\n      <failure message=\"{why}\">{}</failure>\n    </testcase>\n",
                    xml(&r.tail)
                )),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text for XML content and attributes: markup escaped as for HTML (whose character references
/// XML reads alike), and characters XML 1.0 cannot hold at all (most controls) replaced by
/// U+FFFD.
pub fn xml(s: &str) -> String {
    let holdable: String = s
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => '\u{fffd}',
            c => c,
        })
        .collect();
    crate::render::escape::html(&holdable)
}

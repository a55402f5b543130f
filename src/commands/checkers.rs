//! The external judges of `check`'s renders: `bash -n` and `shellcheck` on the PKGBUILDs,
//! one Ruby interpreter parsing every formula (as `ruby -c` does, without running it).
//! Their processes run at once on the available cores, and a file whose bytes a checker
//! judged before is not judged again: its verdict comes from the cache (effects/verdicts),
//! and makes the same problem a fresh run would.

use super::check::Script;
use crate::dirs::Dirs;
use crate::error::{Error, Result};
use crate::exec::{tool_exists as have, Attempt, CommandSpec, Runner};
use crate::problem::Problem;
use crate::verdicts::{self, Verdicts};
use std::path::Path;

/// At most this many files per checker process (the command line stays short).
const CHUNK: usize = 400;

const SHELLCHECK_ARGS: [&str; 3] = [
    "--shell=bash",
    "--format=gcc",
    "--exclude=SC2034,SC2154,SC2164",
];

/// Runs `bash -n FILE` on each file, passing its output through, then prints
/// `::ok::FILE` or `::fail::FILE`.
const BASH_LOOP: &str = r#"for f; do bash -n "$f" 2>&1 && printf '::ok::%s\n' "$f" || printf '::fail::%s\n' "$f"; done"#;

/// Parses each file named in the list file ARGV[0] as `ruby -c` would — parse only, so
/// nothing in a formula runs (not even `BEGIN`) — and prints `::ok::FILE` or
/// `::fail::FILE`. A Ruby without RubyVM's parser runs `ruby -c` per file instead.
const RUBY_PARSE: &str = r##"
File.readlines(ARGV[0], chomp: true).each do |f|
  ok = begin
    if defined?(RubyVM::AbstractSyntaxTree)
      RubyVM::AbstractSyntaxTree.parse_file(f)
      true
    else
      system(RbConfig.ruby, "-c", f, out: File::NULL, err: File::NULL)
    end
  rescue ScriptError, StandardError
    false
  end
  puts "#{ok ? "::ok::" : "::fail::"}#{f}"
end
$stdout.flush
"##;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Checker {
    BashN,
    Shellcheck,
    Ruby,
}

impl Checker {
    fn program(self) -> &'static str {
        match self {
            Checker::BashN => "bash",
            Checker::Shellcheck => "shellcheck",
            Checker::Ruby => "ruby",
        }
    }

    /// What decides a verdict besides the file: the command and the program it runs.
    fn identity(self) -> String {
        let how = match self {
            Checker::BashN => BASH_LOOP.to_string(),
            Checker::Shellcheck => SHELLCHECK_ARGS.join(" "),
            Checker::Ruby => RUBY_PARSE.to_string(),
        };
        format!(
            "{}\0{how}\0{}",
            self.program(),
            verdicts::program_id(self.program())
        )
    }

    fn skipped(self) -> &'static str {
        match self {
            Checker::BashN => "bash -n (bash is not installed)",
            Checker::Shellcheck => "shellcheck (not installed)",
            Checker::Ruby => "ruby -c (ruby is not installed)",
        }
    }

    /// The problem a finding (what the checker said about one file) makes.
    fn problem(self, s: &Script, finding: &str) -> Problem {
        let message = match self {
            Checker::BashN => format!("{} fails `bash -n`: {finding}", s.what),
            Checker::Shellcheck => format!("{} fails shellcheck: PKGBUILD:{finding}", s.what),
            Checker::Ruby => format!("{} fails `ruby -c`", s.what),
        };
        Problem::error(&s.manifest, message)
    }
}

/// One checker process over some of a pass's subjects.
struct Job {
    /// Which pass (checker over its subjects) it belongs to.
    pass: usize,
    /// Indices into the pass's subjects.
    files: Vec<usize>,
    spec: CommandSpec,
}

/// One checker over distinct texts (its *subjects*): each one's path in the scratch
/// directory, cache key, and findings (None until judged).
struct Pass<'a> {
    checker: Checker,
    texts: Vec<&'a str>,
    paths: Vec<String>,
    keys: Vec<String>,
    found: Vec<Option<Vec<String>>>,
}

impl<'a> Pass<'a> {
    /// A pass over `texts` (file names in the scratch directory beside them), each distinct
    /// text once; also which subject each of `texts` became.
    fn new(
        checker: Checker,
        scratch: &Path,
        texts: impl Iterator<Item = (String, &'a str)>,
        cache: &mut Verdicts,
    ) -> (Pass<'a>, Vec<usize>) {
        let identity = checker.identity();
        let mut pass = Pass {
            checker,
            texts: Vec::new(),
            paths: Vec::new(),
            keys: Vec::new(),
            found: Vec::new(),
        };
        let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let mut of = Vec::new();
        for (file, text) in texts {
            let i = *at.entry(text).or_insert_with(|| {
                let key = verdicts::key(&identity, text.as_bytes());
                pass.found.push(cache.get(&key).map(<[String]>::to_vec));
                pass.keys.push(key);
                pass.texts.push(text);
                pass.paths
                    .push(scratch.join(&file).to_string_lossy().into_owned());
                pass.texts.len() - 1
            });
            of.push(i);
        }
        (pass, of)
    }

    /// The subjects no verdict was cached for, each written to its path.
    fn pending(&self) -> Result<Vec<usize>> {
        let pending: Vec<usize> = (0..self.texts.len())
            .filter(|&i| self.found[i].is_none())
            .collect();
        for &i in &pending {
            // The PKGBUILDs are shared by two checkers: written once.
            let path = Path::new(&self.paths[i]);
            if !path.exists() {
                std::fs::write(path, self.texts[i]).map_err(|e| Error::io("write", path, e))?;
            }
        }
        Ok(pending)
    }
}

/// What each file's marker line says: Some(true) passed, Some(false) failed, None when the
/// checker never got to it.
fn marker(out: &str, path: &str) -> Option<bool> {
    out.lines().find_map(|l| {
        if l.strip_prefix("::ok::") == Some(path) {
            Some(true)
        } else if l.strip_prefix("::fail::") == Some(path) {
            Some(false)
        } else {
            None
        }
    })
}

/// Reads what a job printed: per file of the job, its findings, and whether they are a
/// verdict worth keeping (the checker got to the file and ended normally).
fn findings(
    checker: Checker,
    job: &Job,
    paths: &[String],
    out: &Attempt,
) -> Vec<(Vec<String>, bool)> {
    job.files
        .iter()
        .map(|&i| {
            let path = paths[i].as_str();
            match checker {
                Checker::BashN => match marker(&out.output, path) {
                    Some(false) => {
                        let detail: Vec<&str> =
                            out.output.lines().filter(|l| l.starts_with(path)).collect();
                        (vec![detail.join("; ").replace(path, "PKGBUILD")], true)
                    }
                    Some(true) => (Vec::new(), true),
                    // As before: no word of failure is no failure (but not a verdict).
                    None => (Vec::new(), false),
                },
                Checker::Shellcheck => {
                    let found = out
                        .output
                        .lines()
                        .filter_map(|l| l.split_once(':'))
                        .filter(|(file, _)| *file == path)
                        .map(|(_, rest)| rest.to_string())
                        .collect();
                    // 0: clean, 1: findings; anything else is shellcheck failing.
                    (found, matches!(out.code, Some(0 | 1)))
                }
                Checker::Ruby => match marker(&out.output, path) {
                    Some(true) => (Vec::new(), true),
                    Some(false) => (vec![String::new()], true),
                    // Ruby died before saying: the file did not pass.
                    None => (vec![String::new()], false),
                },
            }
        })
        .collect()
}

/// Runs every pass's pending subjects at once on the available cores (shellcheck and
/// `bash -n` in chunks, one Ruby for all formulas), filling in and caching their findings.
fn run(
    runner: &mut dyn Runner,
    scratch: &Path,
    cache: &mut Verdicts,
    passes: &mut [Pass],
) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut jobs = Vec::new();
    for (pass, p) in passes.iter().enumerate() {
        let pending = p.pending()?;
        if pending.is_empty() {
            continue;
        }
        if p.checker == Checker::Ruby {
            let list = scratch.join("formulas.txt");
            let text: String = pending
                .iter()
                .map(|&i| format!("{}\n", p.paths[i]))
                .collect();
            std::fs::write(&list, text).map_err(|e| Error::io("write", &list, e))?;
            let spec =
                CommandSpec::new("ruby").args(["-e", RUBY_PARSE, list.to_string_lossy().as_ref()]);
            jobs.push(Job {
                pass,
                files: pending,
                spec,
            });
            continue;
        }
        let size = pending.len().div_ceil(cores).clamp(1, CHUNK);
        for chunk in pending.chunks(size) {
            let spec = match p.checker {
                Checker::BashN => CommandSpec::new("bash").args(["-c", BASH_LOOP, "each-file"]),
                _ => CommandSpec::new("shellcheck").args(SHELLCHECK_ARGS),
            };
            jobs.push(Job {
                pass,
                files: chunk.to_vec(),
                spec: spec.args(chunk.iter().map(|&i| p.paths[i].clone())),
            });
        }
    }
    let specs: Vec<CommandSpec> = jobs.iter().map(|j| j.spec.clone()).collect();
    let outputs = runner.output_all(&specs)?;
    for (job, out) in jobs.iter().zip(&outputs) {
        let pass = &mut passes[job.pass];
        let results = findings(pass.checker, job, &pass.paths, out);
        for (&i, (found, verdict)) in job.files.iter().zip(results) {
            if verdict {
                cache.put(pass.keys[i].clone(), found.clone());
            }
            pass.found[i] = Some(found);
        }
    }
    Ok(())
}

/// Each file as itself: its name in the scratch directory and its bytes.
fn real(files: &[Script]) -> impl Iterator<Item = (String, &str)> {
    files.iter().map(|s| (s.file.clone(), s.text.as_str()))
}

pub(super) struct Judged {
    pub(super) problems: Vec<Problem>,
    pub(super) skipped: Vec<String>,
}

/// Judges `scripts` (PKGBUILDs) and `formulas`, writing into `scratch` only the files some
/// checker has not judged before.
///
/// shellcheck judges a PKGBUILD's *shape* when it has one (`Script::shape`: every value a
/// placeholder word of its quoting form), so the PKGBUILDs of a thousand workers cost it the
/// few distinct shapes their templates make. Only the PKGBUILDs of a shape shellcheck
/// complains about are judged themselves, so what is reported is what shellcheck says about
/// the file. `bash -n` and Ruby judge every file itself.
pub(super) fn judge(
    dirs: &Dirs,
    runner: &mut dyn Runner,
    scratch: &Path,
    scripts: &[Script],
    formulas: &[Script],
) -> Result<Judged> {
    let mut judged = Judged {
        problems: Vec::new(),
        skipped: Vec::new(),
    };
    let mut cache = Verdicts::open(&dirs.cache);
    let can = |checker: Checker, files: &[Script], judged: &mut Judged| {
        let ok = !files.is_empty() && have(checker.program());
        if !files.is_empty() && !ok {
            judged.skipped.push(checker.skipped().to_string());
        }
        ok
    };
    // Longest first, so the short ones fill the gaps at the end.
    let mut passes = Vec::new();
    let mut owners = Vec::new();
    if can(Checker::Shellcheck, scripts, &mut judged) {
        let shapes = scripts.iter().enumerate().map(|(i, s)| match &s.shape {
            Some(shape) => (format!("shape-{i}.PKGBUILD"), shape.as_str()),
            None => (s.file.clone(), s.text.as_str()),
        });
        let (pass, of) = Pass::new(Checker::Shellcheck, scratch, shapes, &mut cache);
        passes.push(pass);
        owners.push(of);
    }
    if can(Checker::Ruby, formulas, &mut judged) {
        let (pass, of) = Pass::new(Checker::Ruby, scratch, real(formulas), &mut cache);
        passes.push(pass);
        owners.push(of);
    }
    if can(Checker::BashN, scripts, &mut judged) {
        let (pass, of) = Pass::new(Checker::BashN, scratch, real(scripts), &mut cache);
        passes.push(pass);
        owners.push(of);
    }
    run(runner, scratch, &mut cache, &mut passes)?;
    // The PKGBUILDs whose shape shellcheck complained about, judged themselves.
    let mut again = None;
    if let Some(first) = passes.first().filter(|p| p.checker == Checker::Shellcheck) {
        let flagged: Vec<usize> = (0..scripts.len())
            .filter(|&i| {
                scripts[i].shape.is_some()
                    && first.found[owners[0][i]]
                        .as_ref()
                        .is_some_and(|f| !f.is_empty())
            })
            .collect();
        if !flagged.is_empty() {
            let texts = flagged
                .iter()
                .map(|&i| (scripts[i].file.clone(), scripts[i].text.as_str()));
            let (pass, of) = Pass::new(Checker::Shellcheck, scratch, texts, &mut cache);
            let mut round = [pass];
            run(runner, scratch, &mut cache, &mut round)?;
            let [pass] = round;
            again = Some((flagged, pass, of));
        }
    }
    for (pass, of) in passes.iter().zip(&owners) {
        let files = if pass.checker == Checker::Ruby {
            formulas
        } else {
            scripts
        };
        for (i, s) in files.iter().enumerate() {
            let mut found = pass.found[of[i]].as_deref().unwrap_or_default();
            if pass.checker == Checker::Shellcheck && s.shape.is_some() {
                found = &[];
                if let Some((flagged, again, of)) = &again {
                    if let Ok(k) = flagged.binary_search(&i) {
                        found = again.found[of[k]].as_deref().unwrap_or_default();
                    }
                }
            }
            for finding in found {
                judged.problems.push(pass.checker.problem(s, finding));
            }
        }
    }
    // A cache that cannot be written costs the next run time, not this one its answer.
    let _ = cache.save();
    Ok(judged)
}

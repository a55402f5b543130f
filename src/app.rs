//! Dispatch, and nothing else: each request goes to its command module with the `Context`
//! resolved once in `main`, and what the command answers goes to `report`.

use crate::commands::{self, check, export, install, installed, package, query, source};
use crate::context::Context;
use crate::error::Result;
use crate::report::{self, Answer};

pub use crate::request::Request;

pub fn run(cx: &Context, req: Request) -> Result<()> {
    // Ctrl-C sets a flag the runner and downloads poll; they stop, drop their temp files and
    // the command exits 130. `serve` waits on the same handler to finish requests in flight.
    crate::exec::interrupted();
    let answer = match req {
        Request::List {
            filter,
            installed,
            hint,
        } => query::list(cx, &filter, installed, hint)?,
        Request::Search { terms, hint } => query::search(cx, &terms, hint)?,
        Request::Info { id } => query::info(cx, &id)?,
        Request::Detect => query::detect(cx)?,
        Request::Build { id, opts } => install::build(cx, &commands::load(cx)?, &id, &opts)?,
        Request::Install { ids, opts } => install::install(cx, &commands::load(cx)?, &ids, &opts)?,
        Request::Upgrade { ids, opts } => install::upgrade(cx, &ids, &opts)?,
        Request::Remove { ids, opts } => installed::remove(cx, &ids, &opts)?,
        Request::Verify => installed::verify(cx)?,
        Request::SourceAdd {
            name,
            url,
            git_ref,
            trusted,
            kind,
        } => source::add(cx, &name, &url, git_ref, trusted, kind)?,
        Request::SourceRemove { name } => source::remove(cx, &name)?,
        Request::SourceList => source::list(cx)?,
        Request::Sync => source::sync(cx)?,
        Request::Serve { addr } => {
            crate::serve::serve(cx, &addr)?;
            Answer::nothing()
        }
        Request::Check { changed } => check::run(cx, changed.as_deref())?,
        Request::Test(opts) => commands::test::run(cx, &opts)?,
        Request::New { path } => commands::new::run(cx, path.as_deref())?,
        Request::Completions { shell } => {
            report::out_bytes(&crate::assets::completion(shell))?;
            Answer::nothing()
        }
        Request::GenerateAssets { dir } => {
            let n = crate::assets::generate(&dir)?;
            Answer::nothing().note(format!("wrote {n} files under {}", dir.display()))
        }
        Request::Export { dir } => export::run(cx, &dir)?,
        Request::Pkgbuild {
            id,
            flavor,
            srcinfo,
            out,
            templates,
        } => package::pkgbuild_cmd(
            cx,
            &commands::load(cx)?,
            &id,
            flavor,
            srcinfo,
            out.as_deref(),
            templates.as_deref(),
        )?,
        Request::Formula {
            id,
            flavor,
            out,
            templates,
        } => package::formula_cmd(
            cx,
            &commands::load(cx)?,
            &id,
            flavor,
            out.as_deref(),
            templates.as_deref(),
        )?,
    };
    report::answer(answer)
}

//! Dispatch, and nothing else: each request goes to its command module with the `Context`
//! resolved once in `main`, and what the command answers goes to `report`.

use crate::commands::{self, check, export, install, installed, package, query, source, voting};
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
        Request::Search { terms, sort, hint } => query::search(cx, &terms, sort, hint)?,
        Request::Info { id } => query::info(cx, &id)?,
        Request::Detect => query::detect(cx)?,
        Request::Watch { mode, idle } => commands::watcher::watch(cx, mode, idle)?,
        Request::Build { id, opts } => {
            install::build(cx, &commands::load_for(cx, [id.as_str()])?, &id, &opts)?
        }
        Request::Install { ids, opts } => {
            let catalog = commands::load_for(cx, ids.iter().map(String::as_str))?;
            install::install(cx, &catalog, &ids, &opts)?
        }
        Request::Upgrade { ids, opts } => install::upgrade(cx, &ids, &opts)?,
        Request::Remove { ids, opts } => installed::remove(cx, &ids, &opts)?,
        Request::Verify => installed::verify(cx)?,
        Request::SourceAdd {
            name,
            url,
            git_ref,
            trusted,
            kind,
            key,
        } => source::add(cx, &name, &url, git_ref, trusted, kind, key.as_deref())?,
        Request::KeyGenerate { out } => commands::key::generate(cx, out.as_deref())?,
        Request::SourceRemove { name } => source::remove(cx, &name)?,
        Request::SourceList => source::list(cx)?,
        Request::Sync => source::sync(cx)?,
        Request::Serve {
            addr,
            db,
            write_limit,
        } => {
            let db = db.map(|u| commands::community::DbOptions {
                url: voting::db_url(cx, u.as_deref()),
                write_limit,
            });
            crate::serve::serve(cx, &addr, db.as_ref())?;
            Answer::nothing()
        }
        Request::Login { source } => voting::login(cx, &source)?,
        Request::Vote { id } => voting::write(cx, &id, voting::Write::Vote, 0, None)?,
        Request::Unvote { id } => voting::write(cx, &id, voting::Write::Unvote, 0, None)?,
        Request::Rate { id, stars, review } => {
            voting::write(cx, &id, voting::Write::Rate, stars, review.as_deref())?
        }
        Request::UserAdd { name, db } => voting::user_add(cx, db.as_deref(), &name)?,
        Request::UserList { db } => voting::user_list(cx, db.as_deref())?,
        Request::UserDisable { name, db } => voting::user_disable(cx, db.as_deref(), &name)?,
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
        Request::Export { dir, publish, db } => {
            let db = db.map(|u| voting::db_url(cx, u.as_deref()));
            export::run(cx, &dir, &publish, db.as_deref())?
        }
        Request::Pkgbuild {
            id,
            flavor,
            srcinfo,
            out,
            templates,
        } => package::pkgbuild_cmd(
            cx,
            &commands::load_for(cx, [id.as_str()])?,
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
            &commands::load_for(cx, [id.as_str()])?,
            &id,
            flavor,
            out.as_deref(),
            templates.as_deref(),
        )?,
    };
    report::answer(answer)
}

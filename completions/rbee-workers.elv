
use builtin;
use str;

set edit:completion:arg-completer[rbee-workers] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rbee-workers'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rbee-workers'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand --offline 'Use only what is cached; never touch the network'
            cand --noconfirm 'Answer yes to every question, as pacman does'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List every variant in the catalog'
            cand ls 'List every variant in the catalog'
            cand search 'Find variants whose id, name, tags, description or capabilities match every term'
            cand info 'Show a variant, or a worker with all its variants and the one `install` would pick'
            cand detect 'Show the GPUs found here and the backends this machine can run, best first'
            cand watch 'Watch the local catalog, so a command about one worker need not look at every one'
            cand build 'Build a variant without installing it'
            cand install 'Build and install variants; a worker id picks the best variant for this machine'
            cand upgrade 'Rebuild installed variants whose catalog version is newer'
            cand remove 'Remove installed variants (exactly the files that were recorded)'
            cand rm 'Remove installed variants (exactly the files that were recorded)'
            cand uninstall 'Remove installed variants (exactly the files that were recorded)'
            cand verify 'Re-hash every installed file and report any that changed or vanished'
            cand source 'Manage remote sources of workers (git repositories, exported catalogs)'
            cand sync 'Refresh every remote source (clone/fetch git sources, revalidate index sources)'
            cand check 'The deployment gate: validate and render every worker × variant × flavour'
            cand new 'Write a worker.toml for the crate at PATH (asking for each value; --noconfirm takes the proposed ones), then validate it as `check` does'
            cand test 'Build, test, install into a throwaway prefix and smoke-test variants (what CI runs on a submitted worker); variants this host cannot build are skipped'
            cand completions 'Print a shell completion script'
            cand serve 'Serve the catalog over HTTP (always the current files on disk)'
            cand export 'Write the catalog as static files (index.json, PKGBUILDs, formulas) into DIR'
            cand login 'Store a registry token for an index source (read from a prompt, or standard input)'
            cand vote 'Vote for a worker in the registry of the index source that provides it'
            cand unvote 'Take back your vote for a worker'
            cand rate 'Rate a worker from 1 to 5 stars, with an optional short review'
            cand registry 'The community registry''s accounts (run by the operator, against its database)'
            cand key 'Make a minisign key pair to sign exports with'
            cand pkgbuild 'Render a variant''s PKGBUILD (or .SRCINFO) for Arch Linux, or a worker''s split package'
            cand formula 'Render a variant''s Homebrew formula'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rbee-workers;list'= {
            cand --platform 'Only variants that run on OS or OS/ARCH (linux, macos, windows; x86_64, aarch64)'
            cand --backend 'Only variants of one feature (cpu, cuda, metal, rocm, …)'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --installed 'Only installed variants'
            cand --no-host-hint 'Leave out the `[not for this host]` marks'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;ls'= {
            cand --platform 'Only variants that run on OS or OS/ARCH (linux, macos, windows; x86_64, aarch64)'
            cand --backend 'Only variants of one feature (cpu, cuda, metal, rocm, …)'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --installed 'Only installed variants'
            cand --no-host-hint 'Leave out the `[not for this host]` marks'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;search'= {
            cand --sort 'Order of the results: best match, or the registry''s counts (most first), or id'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --no-host-hint 'Leave out the `[not for this host]` marks'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;info'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;detect'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;watch'= {
            cand --idle 'Exit after this many seconds without a command asking'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --background 'Start the watcher in the background and return once it answers'
            cand --stop 'Stop the watcher of this catalog'
            cand --status 'Say whether a watcher of this catalog runs, and what it watches'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;build'= {
            cand --backend 'auto: makepkg on Arch, brew on macOS, else cargo'
            cand --flavor 'What to build: local (the source tree; cargo, makepkg), release (the tagged tarball; cargo, brew) or head (brew)'
            cand --out 'Copy the built binary (or package) into DIR'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --dry-run 'Print the plan (every step and command) and run nothing'
            cand --nodeps 'Do not check the system packages the variant depends on (as makepkg --nodeps)'
            cand --no-sandbox 'Build an unverified worker outside the bubblewrap sandbox, with your full rights'
            cand --bottle 'Write a bottle (the binary, its license and bottle.json, for this target) into --out DIR instead: {id}-{version}.{target}.bottle.tar.gz'
            cand --noconfirm 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;install'= {
            cand --backend 'auto: makepkg on Arch, brew on macOS, else cargo'
            cand --flavor 'What to build: local (the source tree; cargo, makepkg), release (the tagged tarball; cargo, brew) or head (brew)'
            cand --prefix 'Install under DIR (binaries in DIR/bin); cargo backend only [default: ~/.local]'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --dry-run 'Print the plan (every step and command) and run nothing'
            cand --nodeps 'Do not check the system packages the variant depends on (as makepkg --nodeps)'
            cand --no-sandbox 'Build an unverified worker outside the bubblewrap sandbox, with your full rights'
            cand --needed 'Skip what is installed at the same version already (as pacman --needed)'
            cand --overwrite 'Replace a file at the destination that no install owns (as pacman --overwrite)'
            cand --build-from-source 'Build even when the index source publishes a bottle for this target'
            cand --noconfirm 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;upgrade'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --dry-run 'Print the plan and run nothing'
            cand --no-sandbox 'Build unverified workers outside the bubblewrap sandbox'
            cand --build-from-source 'Build even what was installed from a bottle, and what has a bottle now'
            cand --noconfirm 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;remove'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --dry-run 'Print what would be removed and remove nothing'
            cand --cascade 'Also remove every installed worker that requires what is removed (as pacman -Rc)'
            cand --orphans 'Also remove dependency installs that nothing installed requires any more'
            cand --noconfirm 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;rm'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --dry-run 'Print what would be removed and remove nothing'
            cand --cascade 'Also remove every installed worker that requires what is removed (as pacman -Rc)'
            cand --orphans 'Also remove dependency installs that nothing installed requires any more'
            cand --noconfirm 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;uninstall'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --dry-run 'Print what would be removed and remove nothing'
            cand --cascade 'Also remove every installed worker that requires what is removed (as pacman -Rc)'
            cand --orphans 'Also remove dependency installs that nothing installed requires any more'
            cand --noconfirm 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;verify'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;source'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add a source: a git URL (https, ssh, file) or an index.json URL or path'
            cand remove 'Remove a source and its cached copy'
            cand list 'List the sources in search order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rbee-workers;source;add'= {
            cand --ref 'The branch or tag to follow (git sources; default: the remote''s HEAD)'
            cand --kind 'git or index [default: index for URLs ending in .json, else git]'
            cand --key 'Pin the minisign public key (RW…, or a file holding it) its index must be signed with: `sync` refuses an index whose signature does not verify, and an unsigned one'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --trusted 'Trust its workers: build them without review'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;source;remove'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;source;list'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;source;help'= {
            cand add 'Add a source: a git URL (https, ssh, file) or an index.json URL or path'
            cand remove 'Remove a source and its cached copy'
            cand list 'List the sources in search order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rbee-workers;source;help;add'= {
        }
        &'rbee-workers;source;help;remove'= {
        }
        &'rbee-workers;source;help;list'= {
        }
        &'rbee-workers;source;help;help'= {
        }
        &'rbee-workers;sync'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;check'= {
            cand --changed 'Only the workers changed since REV (their directory, workspace Cargo.toml or Cargo.lock), found with git'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;new'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --noconfirm 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;test'= {
            cand --changed 'Only the workers changed since REV, found with git'
            cand --junit 'Also write the results as JUnit XML to FILE'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --no-sandbox 'Run the cargo steps outside the bubblewrap sandbox'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;completions'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;serve'= {
            cand --addr 'Address to listen on'
            cand --db 'Keep a community registry (votes, ratings) in sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]'
            cand --write-limit 'Registry writes a minute allowed per token'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;export'= {
            cand --bottles 'Publish the bottles (`build --bottle`) in DIR2 under DIR/bottles/, listed per variant in index.json'
            cand --sign 'Sign index.json with this minisign secret key (`key generate`), writing index.json.minisig'
            cand --db 'Snapshot the community registry''s counts (sqlite:PATH or postgres://…) into it [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;login'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;vote'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;unvote'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;rate'= {
            cand --review 'A review of at most 2,000 characters on one line'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;registry'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand user 'Add, list or disable accounts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rbee-workers;registry;user'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add an account and print its token once'
            cand list 'List the accounts'
            cand disable 'Disable an account: its token stops working, its votes and ratings stop counting'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rbee-workers;registry;user;add'= {
            cand --db 'sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;registry;user;list'= {
            cand --db 'sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;registry;user;disable'= {
            cand --db 'sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;registry;user;help'= {
            cand add 'Add an account and print its token once'
            cand list 'List the accounts'
            cand disable 'Disable an account: its token stops working, its votes and ratings stop counting'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rbee-workers;registry;user;help;add'= {
        }
        &'rbee-workers;registry;user;help;list'= {
        }
        &'rbee-workers;registry;user;help;disable'= {
        }
        &'rbee-workers;registry;user;help;help'= {
        }
        &'rbee-workers;registry;help'= {
            cand user 'Add, list or disable accounts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rbee-workers;registry;help;user'= {
            cand add 'Add an account and print its token once'
            cand list 'List the accounts'
            cand disable 'Disable an account: its token stops working, its votes and ratings stop counting'
        }
        &'rbee-workers;registry;help;user;add'= {
        }
        &'rbee-workers;registry;help;user;list'= {
        }
        &'rbee-workers;registry;help;user;disable'= {
        }
        &'rbee-workers;registry;help;help'= {
        }
        &'rbee-workers;key'= {
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand generate 'Write rbee-workers.key (secret, mode 0600, unencrypted) and rbee-workers.pub'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rbee-workers;key;generate'= {
            cand --out 'Where to write them [default: $XDG_CONFIG_HOME/rbee-workers/keys]'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;key;help'= {
            cand generate 'Write rbee-workers.key (secret, mode 0600, unencrypted) and rbee-workers.pub'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rbee-workers;key;help;generate'= {
        }
        &'rbee-workers;key;help;help'= {
        }
        &'rbee-workers;pkgbuild'= {
            cand --flavor 'release: the tagged tarball; git: a VCS package `ID-git`; local: this source tree'
            cand --out 'Write DIR/PKGBUILD and DIR/.SRCINFO (and the local source tarball) instead'
            cand --templates 'Look for templates in DIR before the user''s and the built-in ones'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --srcinfo 'Print .SRCINFO instead of the PKGBUILD (with --out both are always written)'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;formula'= {
            cand --flavor 'release: url + sha256 of the tagged tarball; head: build the branch head'
            cand --out 'Write DIR/<variant>.rb instead'
            cand --templates 'Look for templates in DIR before the user''s and the built-in ones'
            cand --root 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]'
            cand --color 'When to colour the output'
            cand --offline 'Use only what is cached (sources, downloads); never touch the network'
            cand --json 'Print one JSON document (schema 1) on stdout instead of text'
            cand -q 'Print less (warnings about broken workers are kept out of the way)'
            cand --quiet 'Print less (warnings about broken workers are kept out of the way)'
            cand -v 'Print more'
            cand --verbose 'Print more'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rbee-workers;help'= {
            cand list 'List every variant in the catalog'
            cand search 'Find variants whose id, name, tags, description or capabilities match every term'
            cand info 'Show a variant, or a worker with all its variants and the one `install` would pick'
            cand detect 'Show the GPUs found here and the backends this machine can run, best first'
            cand watch 'Watch the local catalog, so a command about one worker need not look at every one'
            cand build 'Build a variant without installing it'
            cand install 'Build and install variants; a worker id picks the best variant for this machine'
            cand upgrade 'Rebuild installed variants whose catalog version is newer'
            cand remove 'Remove installed variants (exactly the files that were recorded)'
            cand verify 'Re-hash every installed file and report any that changed or vanished'
            cand source 'Manage remote sources of workers (git repositories, exported catalogs)'
            cand sync 'Refresh every remote source (clone/fetch git sources, revalidate index sources)'
            cand check 'The deployment gate: validate and render every worker × variant × flavour'
            cand new 'Write a worker.toml for the crate at PATH (asking for each value; --noconfirm takes the proposed ones), then validate it as `check` does'
            cand test 'Build, test, install into a throwaway prefix and smoke-test variants (what CI runs on a submitted worker); variants this host cannot build are skipped'
            cand completions 'Print a shell completion script'
            cand serve 'Serve the catalog over HTTP (always the current files on disk)'
            cand export 'Write the catalog as static files (index.json, PKGBUILDs, formulas) into DIR'
            cand login 'Store a registry token for an index source (read from a prompt, or standard input)'
            cand vote 'Vote for a worker in the registry of the index source that provides it'
            cand unvote 'Take back your vote for a worker'
            cand rate 'Rate a worker from 1 to 5 stars, with an optional short review'
            cand registry 'The community registry''s accounts (run by the operator, against its database)'
            cand key 'Make a minisign key pair to sign exports with'
            cand pkgbuild 'Render a variant''s PKGBUILD (or .SRCINFO) for Arch Linux, or a worker''s split package'
            cand formula 'Render a variant''s Homebrew formula'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rbee-workers;help;list'= {
        }
        &'rbee-workers;help;search'= {
        }
        &'rbee-workers;help;info'= {
        }
        &'rbee-workers;help;detect'= {
        }
        &'rbee-workers;help;watch'= {
        }
        &'rbee-workers;help;build'= {
        }
        &'rbee-workers;help;install'= {
        }
        &'rbee-workers;help;upgrade'= {
        }
        &'rbee-workers;help;remove'= {
        }
        &'rbee-workers;help;verify'= {
        }
        &'rbee-workers;help;source'= {
            cand add 'Add a source: a git URL (https, ssh, file) or an index.json URL or path'
            cand remove 'Remove a source and its cached copy'
            cand list 'List the sources in search order'
        }
        &'rbee-workers;help;source;add'= {
        }
        &'rbee-workers;help;source;remove'= {
        }
        &'rbee-workers;help;source;list'= {
        }
        &'rbee-workers;help;sync'= {
        }
        &'rbee-workers;help;check'= {
        }
        &'rbee-workers;help;new'= {
        }
        &'rbee-workers;help;test'= {
        }
        &'rbee-workers;help;completions'= {
        }
        &'rbee-workers;help;serve'= {
        }
        &'rbee-workers;help;export'= {
        }
        &'rbee-workers;help;login'= {
        }
        &'rbee-workers;help;vote'= {
        }
        &'rbee-workers;help;unvote'= {
        }
        &'rbee-workers;help;rate'= {
        }
        &'rbee-workers;help;registry'= {
            cand user 'Add, list or disable accounts'
        }
        &'rbee-workers;help;registry;user'= {
            cand add 'Add an account and print its token once'
            cand list 'List the accounts'
            cand disable 'Disable an account: its token stops working, its votes and ratings stop counting'
        }
        &'rbee-workers;help;registry;user;add'= {
        }
        &'rbee-workers;help;registry;user;list'= {
        }
        &'rbee-workers;help;registry;user;disable'= {
        }
        &'rbee-workers;help;key'= {
            cand generate 'Write rbee-workers.key (secret, mode 0600, unencrypted) and rbee-workers.pub'
        }
        &'rbee-workers;help;key;generate'= {
        }
        &'rbee-workers;help;pkgbuild'= {
        }
        &'rbee-workers;help;formula'= {
        }
        &'rbee-workers;help;help'= {
        }
    ]
    $completions[$command]
}

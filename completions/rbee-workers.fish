# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rbee_workers_global_optspecs
    string join \n root= json offline noconfirm q/quiet v/verbose color= h/help V/version
end

function __fish_rbee_workers_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rbee_workers_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rbee_workers_using_subcommand
    set -l cmd (__fish_rbee_workers_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -l offline -d 'Use only what is cached; never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -l noconfirm -d 'Answer yes to every question, as pacman does'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "list" -d 'List every variant in the catalog'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "ls" -d 'List every variant in the catalog'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "search" -d 'Find variants whose id, name, tags, description or capabilities match every term'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "info" -d 'Show a variant, or a worker with all its variants and the one `install` would pick'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "detect" -d 'Show the GPUs found here and the backends this machine can run, best first'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "watch" -d 'Watch the local catalog, so a command about one worker need not look at every one'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "build" -d 'Build a variant without installing it'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "install" -d 'Build and install variants; a worker id picks the best variant for this machine'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "upgrade" -d 'Rebuild installed variants whose catalog version is newer'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "remove" -d 'Remove installed variants (exactly the files that were recorded)'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "rm" -d 'Remove installed variants (exactly the files that were recorded)'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "uninstall" -d 'Remove installed variants (exactly the files that were recorded)'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "verify" -d 'Re-hash every installed file and report any that changed or vanished'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "source" -d 'Manage remote sources of workers (git repositories, exported catalogs)'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "sync" -d 'Refresh every remote source (clone/fetch git sources, revalidate index sources)'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "check" -d 'The deployment gate: validate and render every worker × variant × flavour'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "new" -d 'Write a worker.toml for the crate at PATH (asking for each value; --noconfirm takes the proposed ones), then validate it as `check` does'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "test" -d 'Build, test, install into a throwaway prefix and smoke-test variants (what CI runs on a submitted worker); variants this host cannot build are skipped'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "serve" -d 'Serve the catalog over HTTP (always the current files on disk)'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "export" -d 'Write the catalog as static files (index.json, PKGBUILDs, formulas) into DIR'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "login" -d 'Store a registry token for an index source (read from a prompt, or standard input)'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "vote" -d 'Vote for a worker in the registry of the index source that provides it'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "unvote" -d 'Take back your vote for a worker'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "rate" -d 'Rate a worker from 1 to 5 stars, with an optional short review'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "registry" -d 'The community registry\'s accounts (run by the operator, against its database)'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "key" -d 'Make a minisign key pair to sign exports with'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "pkgbuild" -d 'Render a variant\'s PKGBUILD (or .SRCINFO) for Arch Linux, or a worker\'s split package'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "formula" -d 'Render a variant\'s Homebrew formula'
complete -c rbee-workers -n "__fish_rbee_workers_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -l platform -d 'Only variants that run on OS or OS/ARCH (linux, macos, windows; x86_64, aarch64)' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -l backend -d 'Only variants of one feature (cpu, cuda, metal, rocm, …)' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -l installed -d 'Only installed variants'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -l no-host-hint -d 'Leave out the `[not for this host]` marks'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand list" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -l platform -d 'Only variants that run on OS or OS/ARCH (linux, macos, windows; x86_64, aarch64)' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -l backend -d 'Only variants of one feature (cpu, cuda, metal, rocm, …)' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -l installed -d 'Only installed variants'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -l no-host-hint -d 'Leave out the `[not for this host]` marks'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand ls" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand search" -l sort -d 'Order of the results: best match, or the registry\'s counts (most first), or id' -r -f -a "relevance\t''
votes\t''
popularity\t''
rating\t''
name\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand search" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand search" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand search" -l no-host-hint -d 'Leave out the `[not for this host]` marks'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand search" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand search" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand search" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand search" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand search" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand info" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand info" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand info" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand info" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand info" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand info" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand detect" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand detect" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand detect" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand detect" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand detect" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand detect" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand detect" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -l idle -d 'Exit after this many seconds without a command asking' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -l background -d 'Start the watcher in the background and return once it answers'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -l stop -d 'Stop the watcher of this catalog'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -l status -d 'Say whether a watcher of this catalog runs, and what it watches'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand watch" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l backend -d 'auto: makepkg on Arch, brew on macOS, else cargo' -r -f -a "auto\t''
cargo\t''
makepkg\t''
brew\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l flavor -d 'What to build: local (the source tree; cargo, makepkg), release (the tagged tarball; cargo, brew) or head (brew)' -r -f -a "local\t''
release\t''
head\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l out -d 'Copy the built binary (or package) into DIR' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l dry-run -d 'Print the plan (every step and command) and run nothing'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l nodeps -d 'Do not check the system packages the variant depends on (as makepkg --nodeps)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l no-sandbox -d 'Build an unverified worker outside the bubblewrap sandbox, with your full rights'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l bottle -d 'Write a bottle (the binary, its license and bottle.json, for this target) into --out DIR instead: {id}-{version}.{target}.bottle.tar.gz'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l noconfirm -d 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand build" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l backend -d 'auto: makepkg on Arch, brew on macOS, else cargo' -r -f -a "auto\t''
cargo\t''
makepkg\t''
brew\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l flavor -d 'What to build: local (the source tree; cargo, makepkg), release (the tagged tarball; cargo, brew) or head (brew)' -r -f -a "local\t''
release\t''
head\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l prefix -d 'Install under DIR (binaries in DIR/bin); cargo backend only [default: ~/.local]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l dry-run -d 'Print the plan (every step and command) and run nothing'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l nodeps -d 'Do not check the system packages the variant depends on (as makepkg --nodeps)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l no-sandbox -d 'Build an unverified worker outside the bubblewrap sandbox, with your full rights'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l needed -d 'Skip what is installed at the same version already (as pacman --needed)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l overwrite -d 'Replace a file at the destination that no install owns (as pacman --overwrite)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l build-from-source -d 'Build even when the index source publishes a bottle for this target'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l noconfirm -d 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand install" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -l dry-run -d 'Print the plan and run nothing'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -l no-sandbox -d 'Build unverified workers outside the bubblewrap sandbox'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -l build-from-source -d 'Build even what was installed from a bottle, and what has a bottle now'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -l noconfirm -d 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand upgrade" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -l dry-run -d 'Print what would be removed and remove nothing'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -l cascade -d 'Also remove every installed worker that requires what is removed (as pacman -Rc)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -l orphans -d 'Also remove dependency installs that nothing installed requires any more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -l noconfirm -d 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand remove" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -l dry-run -d 'Print what would be removed and remove nothing'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -l cascade -d 'Also remove every installed worker that requires what is removed (as pacman -Rc)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -l orphans -d 'Also remove dependency installs that nothing installed requires any more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -l noconfirm -d 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rm" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -l dry-run -d 'Print what would be removed and remove nothing'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -l cascade -d 'Also remove every installed worker that requires what is removed (as pacman -Rc)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -l orphans -d 'Also remove dependency installs that nothing installed requires any more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -l noconfirm -d 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand uninstall" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand verify" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand verify" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand verify" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand verify" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand verify" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand verify" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -f -a "add" -d 'Add a source: a git URL (https, ssh, file) or an index.json URL or path'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -f -a "remove" -d 'Remove a source and its cached copy'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -f -a "list" -d 'List the sources in search order'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and not __fish_seen_subcommand_from add remove list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -l ref -d 'The branch or tag to follow (git sources; default: the remote\'s HEAD)' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -l kind -d 'git or index [default: index for URLs ending in .json, else git]' -r -f -a "git\t''
index\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -l key -d 'Pin the minisign public key (RW…, or a file holding it) its index must be signed with: `sync` refuses an index whose signature does not verify, and an unsigned one' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -l trusted -d 'Trust its workers: build them without review'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from remove" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from remove" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from remove" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from list" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from list" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a source: a git URL (https, ssh, file) or an index.json URL or path'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a source and its cached copy'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the sources in search order'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand source; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand sync" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand sync" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand sync" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand sync" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand sync" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand sync" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand sync" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand check" -l changed -d 'Only the workers changed since REV (their directory, workspace Cargo.toml or Cargo.lock), found with git' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand check" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand check" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand check" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand check" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand check" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand check" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand new" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand new" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand new" -l noconfirm -d 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand new" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand new" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand new" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand new" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand new" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand test" -l changed -d 'Only the workers changed since REV, found with git' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand test" -l junit -d 'Also write the results as JUnit XML to FILE' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand test" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand test" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand test" -l no-sandbox -d 'Run the cargo steps outside the bubblewrap sandbox'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand test" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand test" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand test" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand test" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand test" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand completions" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand completions" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand completions" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand completions" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand completions" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand completions" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -l addr -d 'Address to listen on' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -l db -d 'Keep a community registry (votes, ratings) in sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -l write-limit -d 'Registry writes a minute allowed per token' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand serve" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -l bottles -d 'Publish the bottles (`build --bottle`) in DIR2 under DIR/bottles/, listed per variant in index.json' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -l sign -d 'Sign index.json with this minisign secret key (`key generate`), writing index.json.minisig' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -l db -d 'Snapshot the community registry\'s counts (sqlite:PATH or postgres://…) into it [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand export" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand login" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand login" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand login" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand login" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand login" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand login" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand login" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand vote" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand vote" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand vote" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand vote" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand vote" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand vote" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand vote" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand vote" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand unvote" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand unvote" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand unvote" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand unvote" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand unvote" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand unvote" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand unvote" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand unvote" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rate" -l review -d 'A review of at most 2,000 characters on one line' -r
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rate" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rate" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rate" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rate" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rate" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rate" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rate" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand rate" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and not __fish_seen_subcommand_from user help" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and not __fish_seen_subcommand_from user help" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and not __fish_seen_subcommand_from user help" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and not __fish_seen_subcommand_from user help" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and not __fish_seen_subcommand_from user help" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and not __fish_seen_subcommand_from user help" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and not __fish_seen_subcommand_from user help" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and not __fish_seen_subcommand_from user help" -f -a "user" -d 'Add, list or disable accounts'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and not __fish_seen_subcommand_from user help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -f -a "add" -d 'Add an account and print its token once'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -f -a "list" -d 'List the accounts'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -f -a "disable" -d 'Disable an account: its token stops working, its votes and ratings stop counting'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from user" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from help" -f -a "user" -d 'Add, list or disable accounts'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand registry; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and not __fish_seen_subcommand_from generate help" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and not __fish_seen_subcommand_from generate help" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and not __fish_seen_subcommand_from generate help" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and not __fish_seen_subcommand_from generate help" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and not __fish_seen_subcommand_from generate help" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and not __fish_seen_subcommand_from generate help" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and not __fish_seen_subcommand_from generate help" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and not __fish_seen_subcommand_from generate help" -f -a "generate" -d 'Write rbee-workers.key (secret, mode 0600, unencrypted) and rbee-workers.pub'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and not __fish_seen_subcommand_from generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and __fish_seen_subcommand_from generate" -l out -d 'Where to write them [default: $XDG_CONFIG_HOME/rbee-workers/keys]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and __fish_seen_subcommand_from generate" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and __fish_seen_subcommand_from generate" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and __fish_seen_subcommand_from generate" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and __fish_seen_subcommand_from generate" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and __fish_seen_subcommand_from generate" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and __fish_seen_subcommand_from generate" -s h -l help -d 'Print help'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and __fish_seen_subcommand_from generate" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "generate" -d 'Write rbee-workers.key (secret, mode 0600, unencrypted) and rbee-workers.pub'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -l flavor -d 'release: the tagged tarball; git: a VCS package `ID-git`; local: this source tree' -r -f -a "release\t''
git\t''
local\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -l out -d 'Write DIR/PKGBUILD and DIR/.SRCINFO (and the local source tarball) instead' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -l templates -d 'Look for templates in DIR before the user\'s and the built-in ones' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -l srcinfo -d 'Print .SRCINFO instead of the PKGBUILD (with --out both are always written)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand pkgbuild" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -l flavor -d 'release: url + sha256 of the tagged tarball; head: build the branch head' -r -f -a "release\t''
head\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -l out -d 'Write DIR/<variant>.rb instead' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -l templates -d 'Look for templates in DIR before the user\'s and the built-in ones' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -l root -d 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]' -r -F
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -l color -d 'When to colour the output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -l offline -d 'Use only what is cached (sources, downloads); never touch the network'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -l json -d 'Print one JSON document (schema 1) on stdout instead of text'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -s q -l quiet -d 'Print less (warnings about broken workers are kept out of the way)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -s v -l verbose -d 'Print more'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand formula" -s V -l version -d 'Print version'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "list" -d 'List every variant in the catalog'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "search" -d 'Find variants whose id, name, tags, description or capabilities match every term'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "info" -d 'Show a variant, or a worker with all its variants and the one `install` would pick'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "detect" -d 'Show the GPUs found here and the backends this machine can run, best first'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "watch" -d 'Watch the local catalog, so a command about one worker need not look at every one'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "build" -d 'Build a variant without installing it'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "install" -d 'Build and install variants; a worker id picks the best variant for this machine'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "upgrade" -d 'Rebuild installed variants whose catalog version is newer'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "remove" -d 'Remove installed variants (exactly the files that were recorded)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "verify" -d 'Re-hash every installed file and report any that changed or vanished'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "source" -d 'Manage remote sources of workers (git repositories, exported catalogs)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "sync" -d 'Refresh every remote source (clone/fetch git sources, revalidate index sources)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "check" -d 'The deployment gate: validate and render every worker × variant × flavour'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "new" -d 'Write a worker.toml for the crate at PATH (asking for each value; --noconfirm takes the proposed ones), then validate it as `check` does'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "test" -d 'Build, test, install into a throwaway prefix and smoke-test variants (what CI runs on a submitted worker); variants this host cannot build are skipped'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "completions" -d 'Print a shell completion script'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "serve" -d 'Serve the catalog over HTTP (always the current files on disk)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "export" -d 'Write the catalog as static files (index.json, PKGBUILDs, formulas) into DIR'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "login" -d 'Store a registry token for an index source (read from a prompt, or standard input)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "vote" -d 'Vote for a worker in the registry of the index source that provides it'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "unvote" -d 'Take back your vote for a worker'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "rate" -d 'Rate a worker from 1 to 5 stars, with an optional short review'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "registry" -d 'The community registry\'s accounts (run by the operator, against its database)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "key" -d 'Make a minisign key pair to sign exports with'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "pkgbuild" -d 'Render a variant\'s PKGBUILD (or .SRCINFO) for Arch Linux, or a worker\'s split package'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "formula" -d 'Render a variant\'s Homebrew formula'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and not __fish_seen_subcommand_from list search info detect watch build install upgrade remove verify source sync check new test completions serve export login vote unvote rate registry key pkgbuild formula help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and __fish_seen_subcommand_from source" -f -a "add" -d 'Add a source: a git URL (https, ssh, file) or an index.json URL or path'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and __fish_seen_subcommand_from source" -f -a "remove" -d 'Remove a source and its cached copy'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and __fish_seen_subcommand_from source" -f -a "list" -d 'List the sources in search order'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and __fish_seen_subcommand_from registry" -f -a "user" -d 'Add, list or disable accounts'
complete -c rbee-workers -n "__fish_rbee_workers_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "generate" -d 'Write rbee-workers.key (secret, mode 0600, unencrypted) and rbee-workers.pub'

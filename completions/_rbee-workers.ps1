
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rbee-workers' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rbee-workers'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'rbee-workers' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached; never touch the network')
            [CompletionResult]::new('--noconfirm', '--noconfirm', [CompletionResultType]::ParameterName, 'Answer yes to every question, as pacman does')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every variant in the catalog')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List every variant in the catalog')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Find variants whose id, name, tags, description or capabilities match every term')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show a variant, or a worker with all its variants and the one `install` would pick')
            [CompletionResult]::new('detect', 'detect', [CompletionResultType]::ParameterValue, 'Show the GPUs found here and the backends this machine can run, best first')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Watch the local catalog, so a command about one worker need not look at every one')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build a variant without installing it')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Build and install variants; a worker id picks the best variant for this machine')
            [CompletionResult]::new('upgrade', 'upgrade', [CompletionResultType]::ParameterValue, 'Rebuild installed variants whose catalog version is newer')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove installed variants (exactly the files that were recorded)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove installed variants (exactly the files that were recorded)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove installed variants (exactly the files that were recorded)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-hash every installed file and report any that changed or vanished')
            [CompletionResult]::new('source', 'source', [CompletionResultType]::ParameterValue, 'Manage remote sources of workers (git repositories, exported catalogs)')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Refresh every remote source (clone/fetch git sources, revalidate index sources)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'The deployment gate: validate and render every worker × variant × flavour')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a worker.toml for the crate at PATH (asking for each value; --noconfirm takes the proposed ones), then validate it as `check` does')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Build, test, install into a throwaway prefix and smoke-test variants (what CI runs on a submitted worker); variants this host cannot build are skipped')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the catalog over HTTP (always the current files on disk)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the catalog as static files (index.json, PKGBUILDs, formulas) into DIR')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a registry token for an index source (read from a prompt, or standard input)')
            [CompletionResult]::new('vote', 'vote', [CompletionResultType]::ParameterValue, 'Vote for a worker in the registry of the index source that provides it')
            [CompletionResult]::new('unvote', 'unvote', [CompletionResultType]::ParameterValue, 'Take back your vote for a worker')
            [CompletionResult]::new('rate', 'rate', [CompletionResultType]::ParameterValue, 'Rate a worker from 1 to 5 stars, with an optional short review')
            [CompletionResult]::new('registry', 'registry', [CompletionResultType]::ParameterValue, 'The community registry''s accounts (run by the operator, against its database)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Make a minisign key pair to sign exports with')
            [CompletionResult]::new('pkgbuild', 'pkgbuild', [CompletionResultType]::ParameterValue, 'Render a variant''s PKGBUILD (or .SRCINFO) for Arch Linux, or a worker''s split package')
            [CompletionResult]::new('formula', 'formula', [CompletionResultType]::ParameterValue, 'Render a variant''s Homebrew formula')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rbee-workers;list' {
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Only variants that run on OS or OS/ARCH (linux, macos, windows; x86_64, aarch64)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Only variants of one feature (cpu, cuda, metal, rocm, …)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--installed', '--installed', [CompletionResultType]::ParameterName, 'Only installed variants')
            [CompletionResult]::new('--no-host-hint', '--no-host-hint', [CompletionResultType]::ParameterName, 'Leave out the `[not for this host]` marks')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;ls' {
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Only variants that run on OS or OS/ARCH (linux, macos, windows; x86_64, aarch64)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Only variants of one feature (cpu, cuda, metal, rocm, …)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--installed', '--installed', [CompletionResultType]::ParameterName, 'Only installed variants')
            [CompletionResult]::new('--no-host-hint', '--no-host-hint', [CompletionResultType]::ParameterName, 'Leave out the `[not for this host]` marks')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;search' {
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the results: best match, or the registry''s counts (most first), or id')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--no-host-hint', '--no-host-hint', [CompletionResultType]::ParameterName, 'Leave out the `[not for this host]` marks')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;info' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;detect' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;watch' {
            [CompletionResult]::new('--idle', '--idle', [CompletionResultType]::ParameterName, 'Exit after this many seconds without a command asking')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--background', '--background', [CompletionResultType]::ParameterName, 'Start the watcher in the background and return once it answers')
            [CompletionResult]::new('--stop', '--stop', [CompletionResultType]::ParameterName, 'Stop the watcher of this catalog')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Say whether a watcher of this catalog runs, and what it watches')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;build' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'auto: makepkg on Arch, brew on macOS, else cargo')
            [CompletionResult]::new('--flavor', '--flavor', [CompletionResultType]::ParameterName, 'What to build: local (the source tree; cargo, makepkg), release (the tagged tarball; cargo, brew) or head (brew)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Copy the built binary (or package) into DIR')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (every step and command) and run nothing')
            [CompletionResult]::new('--nodeps', '--nodeps', [CompletionResultType]::ParameterName, 'Do not check the system packages the variant depends on (as makepkg --nodeps)')
            [CompletionResult]::new('--no-sandbox', '--no-sandbox', [CompletionResultType]::ParameterName, 'Build an unverified worker outside the bubblewrap sandbox, with your full rights')
            [CompletionResult]::new('--bottle', '--bottle', [CompletionResultType]::ParameterName, 'Write a bottle (the binary, its license and bottle.json, for this target) into --out DIR instead: {id}-{version}.{target}.bottle.tar.gz')
            [CompletionResult]::new('--noconfirm', '--noconfirm', [CompletionResultType]::ParameterName, 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;install' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'auto: makepkg on Arch, brew on macOS, else cargo')
            [CompletionResult]::new('--flavor', '--flavor', [CompletionResultType]::ParameterName, 'What to build: local (the source tree; cargo, makepkg), release (the tagged tarball; cargo, brew) or head (brew)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Install under DIR (binaries in DIR/bin); cargo backend only [default: ~/.local]')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (every step and command) and run nothing')
            [CompletionResult]::new('--nodeps', '--nodeps', [CompletionResultType]::ParameterName, 'Do not check the system packages the variant depends on (as makepkg --nodeps)')
            [CompletionResult]::new('--no-sandbox', '--no-sandbox', [CompletionResultType]::ParameterName, 'Build an unverified worker outside the bubblewrap sandbox, with your full rights')
            [CompletionResult]::new('--needed', '--needed', [CompletionResultType]::ParameterName, 'Skip what is installed at the same version already (as pacman --needed)')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Replace a file at the destination that no install owns (as pacman --overwrite)')
            [CompletionResult]::new('--build-from-source', '--build-from-source', [CompletionResultType]::ParameterName, 'Build even when the index source publishes a bottle for this target')
            [CompletionResult]::new('--noconfirm', '--noconfirm', [CompletionResultType]::ParameterName, 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;upgrade' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and run nothing')
            [CompletionResult]::new('--no-sandbox', '--no-sandbox', [CompletionResultType]::ParameterName, 'Build unverified workers outside the bubblewrap sandbox')
            [CompletionResult]::new('--build-from-source', '--build-from-source', [CompletionResultType]::ParameterName, 'Build even what was installed from a bottle, and what has a bottle now')
            [CompletionResult]::new('--noconfirm', '--noconfirm', [CompletionResultType]::ParameterName, 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;remove' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be removed and remove nothing')
            [CompletionResult]::new('--cascade', '--cascade', [CompletionResultType]::ParameterName, 'Also remove every installed worker that requires what is removed (as pacman -Rc)')
            [CompletionResult]::new('--orphans', '--orphans', [CompletionResultType]::ParameterName, 'Also remove dependency installs that nothing installed requires any more')
            [CompletionResult]::new('--noconfirm', '--noconfirm', [CompletionResultType]::ParameterName, 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;rm' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be removed and remove nothing')
            [CompletionResult]::new('--cascade', '--cascade', [CompletionResultType]::ParameterName, 'Also remove every installed worker that requires what is removed (as pacman -Rc)')
            [CompletionResult]::new('--orphans', '--orphans', [CompletionResultType]::ParameterName, 'Also remove dependency installs that nothing installed requires any more')
            [CompletionResult]::new('--noconfirm', '--noconfirm', [CompletionResultType]::ParameterName, 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;uninstall' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be removed and remove nothing')
            [CompletionResult]::new('--cascade', '--cascade', [CompletionResultType]::ParameterName, 'Also remove every installed worker that requires what is removed (as pacman -Rc)')
            [CompletionResult]::new('--orphans', '--orphans', [CompletionResultType]::ParameterName, 'Also remove dependency installs that nothing installed requires any more')
            [CompletionResult]::new('--noconfirm', '--noconfirm', [CompletionResultType]::ParameterName, 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;verify' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;source' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a source: a git URL (https, ssh, file) or an index.json URL or path')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a source and its cached copy')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the sources in search order')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rbee-workers;source;add' {
            [CompletionResult]::new('--ref', '--ref', [CompletionResultType]::ParameterName, 'The branch or tag to follow (git sources; default: the remote''s HEAD)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'git or index [default: index for URLs ending in .json, else git]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Pin the minisign public key (RW…, or a file holding it) its index must be signed with: `sync` refuses an index whose signature does not verify, and an unsigned one')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--trusted', '--trusted', [CompletionResultType]::ParameterName, 'Trust its workers: build them without review')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;source;remove' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;source;list' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;source;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a source: a git URL (https, ssh, file) or an index.json URL or path')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a source and its cached copy')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the sources in search order')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rbee-workers;source;help;add' {
            break
        }
        'rbee-workers;source;help;remove' {
            break
        }
        'rbee-workers;source;help;list' {
            break
        }
        'rbee-workers;source;help;help' {
            break
        }
        'rbee-workers;sync' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;check' {
            [CompletionResult]::new('--changed', '--changed', [CompletionResultType]::ParameterName, 'Only the workers changed since REV (their directory, workspace Cargo.toml or Cargo.lock), found with git')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;new' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--noconfirm', '--noconfirm', [CompletionResultType]::ParameterName, 'Answer yes to every question (the review of an unverified worker, a removal, the values `new` proposes), as pacman does')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;test' {
            [CompletionResult]::new('--changed', '--changed', [CompletionResultType]::ParameterName, 'Only the workers changed since REV, found with git')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write the results as JUnit XML to FILE')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--no-sandbox', '--no-sandbox', [CompletionResultType]::ParameterName, 'Run the cargo steps outside the bubblewrap sandbox')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;completions' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;serve' {
            [CompletionResult]::new('--addr', '--addr', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Keep a community registry (votes, ratings) in sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]')
            [CompletionResult]::new('--write-limit', '--write-limit', [CompletionResultType]::ParameterName, 'Registry writes a minute allowed per token')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;export' {
            [CompletionResult]::new('--bottles', '--bottles', [CompletionResultType]::ParameterName, 'Publish the bottles (`build --bottle`) in DIR2 under DIR/bottles/, listed per variant in index.json')
            [CompletionResult]::new('--sign', '--sign', [CompletionResultType]::ParameterName, 'Sign index.json with this minisign secret key (`key generate`), writing index.json.minisig')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Snapshot the community registry''s counts (sqlite:PATH or postgres://…) into it [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;login' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;vote' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;unvote' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;rate' {
            [CompletionResult]::new('--review', '--review', [CompletionResultType]::ParameterName, 'A review of at most 2,000 characters on one line')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;registry' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('user', 'user', [CompletionResultType]::ParameterValue, 'Add, list or disable accounts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rbee-workers;registry;user' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an account and print its token once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the accounts')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable an account: its token stops working, its votes and ratings stop counting')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rbee-workers;registry;user;add' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;registry;user;list' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;registry;user;disable' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;registry;user;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an account and print its token once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the accounts')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable an account: its token stops working, its votes and ratings stop counting')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rbee-workers;registry;user;help;add' {
            break
        }
        'rbee-workers;registry;user;help;list' {
            break
        }
        'rbee-workers;registry;user;help;disable' {
            break
        }
        'rbee-workers;registry;user;help;help' {
            break
        }
        'rbee-workers;registry;help' {
            [CompletionResult]::new('user', 'user', [CompletionResultType]::ParameterValue, 'Add, list or disable accounts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rbee-workers;registry;help;user' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an account and print its token once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the accounts')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable an account: its token stops working, its votes and ratings stop counting')
            break
        }
        'rbee-workers;registry;help;user;add' {
            break
        }
        'rbee-workers;registry;help;user;list' {
            break
        }
        'rbee-workers;registry;help;user;disable' {
            break
        }
        'rbee-workers;registry;help;help' {
            break
        }
        'rbee-workers;key' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write rbee-workers.key (secret, mode 0600, unencrypted) and rbee-workers.pub')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rbee-workers;key;generate' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where to write them [default: $XDG_CONFIG_HOME/rbee-workers/keys]')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;key;help' {
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write rbee-workers.key (secret, mode 0600, unencrypted) and rbee-workers.pub')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rbee-workers;key;help;generate' {
            break
        }
        'rbee-workers;key;help;help' {
            break
        }
        'rbee-workers;pkgbuild' {
            [CompletionResult]::new('--flavor', '--flavor', [CompletionResultType]::ParameterName, 'release: the tagged tarball; git: a VCS package `ID-git`; local: this source tree')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write DIR/PKGBUILD and DIR/.SRCINFO (and the local source tarball) instead')
            [CompletionResult]::new('--templates', '--templates', [CompletionResultType]::ParameterName, 'Look for templates in DIR before the user''s and the built-in ones')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--srcinfo', '--srcinfo', [CompletionResultType]::ParameterName, 'Print .SRCINFO instead of the PKGBUILD (with --out both are always written)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;formula' {
            [CompletionResult]::new('--flavor', '--flavor', [CompletionResultType]::ParameterName, 'release: url + sha256 of the tagged tarball; head: build the branch head')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write DIR/<variant>.rb instead')
            [CompletionResult]::new('--templates', '--templates', [CompletionResultType]::ParameterName, 'Look for templates in DIR before the user''s and the built-in ones')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only what is cached (sources, downloads); never touch the network')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema 1) on stdout instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less (warnings about broken workers are kept out of the way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rbee-workers;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every variant in the catalog')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Find variants whose id, name, tags, description or capabilities match every term')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show a variant, or a worker with all its variants and the one `install` would pick')
            [CompletionResult]::new('detect', 'detect', [CompletionResultType]::ParameterValue, 'Show the GPUs found here and the backends this machine can run, best first')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Watch the local catalog, so a command about one worker need not look at every one')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build a variant without installing it')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Build and install variants; a worker id picks the best variant for this machine')
            [CompletionResult]::new('upgrade', 'upgrade', [CompletionResultType]::ParameterValue, 'Rebuild installed variants whose catalog version is newer')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove installed variants (exactly the files that were recorded)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-hash every installed file and report any that changed or vanished')
            [CompletionResult]::new('source', 'source', [CompletionResultType]::ParameterValue, 'Manage remote sources of workers (git repositories, exported catalogs)')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Refresh every remote source (clone/fetch git sources, revalidate index sources)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'The deployment gate: validate and render every worker × variant × flavour')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a worker.toml for the crate at PATH (asking for each value; --noconfirm takes the proposed ones), then validate it as `check` does')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Build, test, install into a throwaway prefix and smoke-test variants (what CI runs on a submitted worker); variants this host cannot build are skipped')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the catalog over HTTP (always the current files on disk)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the catalog as static files (index.json, PKGBUILDs, formulas) into DIR')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a registry token for an index source (read from a prompt, or standard input)')
            [CompletionResult]::new('vote', 'vote', [CompletionResultType]::ParameterValue, 'Vote for a worker in the registry of the index source that provides it')
            [CompletionResult]::new('unvote', 'unvote', [CompletionResultType]::ParameterValue, 'Take back your vote for a worker')
            [CompletionResult]::new('rate', 'rate', [CompletionResultType]::ParameterValue, 'Rate a worker from 1 to 5 stars, with an optional short review')
            [CompletionResult]::new('registry', 'registry', [CompletionResultType]::ParameterValue, 'The community registry''s accounts (run by the operator, against its database)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Make a minisign key pair to sign exports with')
            [CompletionResult]::new('pkgbuild', 'pkgbuild', [CompletionResultType]::ParameterValue, 'Render a variant''s PKGBUILD (or .SRCINFO) for Arch Linux, or a worker''s split package')
            [CompletionResult]::new('formula', 'formula', [CompletionResultType]::ParameterValue, 'Render a variant''s Homebrew formula')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rbee-workers;help;list' {
            break
        }
        'rbee-workers;help;search' {
            break
        }
        'rbee-workers;help;info' {
            break
        }
        'rbee-workers;help;detect' {
            break
        }
        'rbee-workers;help;watch' {
            break
        }
        'rbee-workers;help;build' {
            break
        }
        'rbee-workers;help;install' {
            break
        }
        'rbee-workers;help;upgrade' {
            break
        }
        'rbee-workers;help;remove' {
            break
        }
        'rbee-workers;help;verify' {
            break
        }
        'rbee-workers;help;source' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a source: a git URL (https, ssh, file) or an index.json URL or path')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a source and its cached copy')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the sources in search order')
            break
        }
        'rbee-workers;help;source;add' {
            break
        }
        'rbee-workers;help;source;remove' {
            break
        }
        'rbee-workers;help;source;list' {
            break
        }
        'rbee-workers;help;sync' {
            break
        }
        'rbee-workers;help;check' {
            break
        }
        'rbee-workers;help;new' {
            break
        }
        'rbee-workers;help;test' {
            break
        }
        'rbee-workers;help;completions' {
            break
        }
        'rbee-workers;help;serve' {
            break
        }
        'rbee-workers;help;export' {
            break
        }
        'rbee-workers;help;login' {
            break
        }
        'rbee-workers;help;vote' {
            break
        }
        'rbee-workers;help;unvote' {
            break
        }
        'rbee-workers;help;rate' {
            break
        }
        'rbee-workers;help;registry' {
            [CompletionResult]::new('user', 'user', [CompletionResultType]::ParameterValue, 'Add, list or disable accounts')
            break
        }
        'rbee-workers;help;registry;user' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an account and print its token once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the accounts')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable an account: its token stops working, its votes and ratings stop counting')
            break
        }
        'rbee-workers;help;registry;user;add' {
            break
        }
        'rbee-workers;help;registry;user;list' {
            break
        }
        'rbee-workers;help;registry;user;disable' {
            break
        }
        'rbee-workers;help;key' {
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write rbee-workers.key (secret, mode 0600, unencrypted) and rbee-workers.pub')
            break
        }
        'rbee-workers;help;key;generate' {
            break
        }
        'rbee-workers;help;pkgbuild' {
            break
        }
        'rbee-workers;help;formula' {
            break
        }
        'rbee-workers;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

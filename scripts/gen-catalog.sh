#!/usr/bin/env bash
# gen-catalog.sh N DIR — write a synthetic rbee worker catalog of N workers into DIR.
#
#   DIR/Cargo.toml                              workspace root ([workspace.package] version)
#   DIR/bin/worker-00001/{worker.toml,Cargo.toml,src/main.rs}
#   DIR/bin/community/worker-00010/…            every 10th worker is a community worker
#
# Output is deterministic (everything derives from the worker's number), so two runs with the
# same N produce identical trees. Each worker has 2-4 features (always `cpu`), 1-3 tags and
# platforms; some inherit their version from the workspace, some declare a renamed bin target,
# capabilities, depends, variant overrides or a [source] table, so discovery meets the shapes
# real catalogs have. Every crate is a valid cargo package. FEATURES=K (1-5) gives every worker
# K features instead; PINNED=1 pins every release tarball's sha256 (a made-up one), so every
# release render works offline.
#
# Speed: the loop uses only bash builtins (printf into files); directories are made by one
# `mkdir -p` batch, so N=10000 takes seconds, not minutes.
set -euo pipefail

usage() {
    printf 'usage: %s N DIR\n  write a synthetic catalog of N workers into DIR (DIR/bin must not exist)\n' "${0##*/}" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
n=$1
dir=$2
if ! [[ $n =~ ^[0-9]+$ ]] || ((10#$n < 1)); then
    printf 'gen-catalog: N must be a positive integer, got %q\n' "$n" >&2
    exit 2
fi
n=$((10#$n))
# FEATURES=K (1-5): every worker gets exactly K features (cpu first) instead of 2-4.
features_each=${FEATURES:-}
if [[ -n $features_each ]] && ! [[ $features_each =~ ^[1-5]$ ]]; then
    printf 'gen-catalog: FEATURES must be 1 to 5, got %q\n' "$features_each" >&2
    exit 2
fi
if [[ -e $dir/bin ]]; then
    printf 'gen-catalog: %s/bin already exists; refusing to mix catalogs\n' "$dir" >&2
    exit 1
fi

backends=(cuda metal rocm vulkan)
pin=5e2f0c6d1b3a49876e5f4d3c2b1a0f9e8d7c6b5a49382716e5f4d3c2b1a0f9e8
tag_pool=(llm text image audio tts embedding vision diffusion speech code chat translation)
formats=(gguf safetensors onnx)
words=(fast tiny quantized streaming batched multilingual experimental distilled
       long-context low-latency)

# a b -> "a", "b" (the body of a TOML array), into $list; a function, not $(…), to avoid a fork.
toml_list() {
    local item
    list=''
    for item in "$@"; do
        list+="${list:+, }\"$item\""
    done
}

# Directories first, in one batch.
dirs=()
for ((i = 1; i <= n; i++)); do
    printf -v id 'worker-%05d' "$i"
    if ((i % 10 == 0)); then
        dirs+=("$dir/bin/community/$id/src")
    else
        dirs+=("$dir/bin/$id/src")
    fi
done
mkdir -p -- "$dir/bin"
printf '%s\0' "${dirs[@]}" | xargs -0 mkdir -p --

# The workspace: non-community workers are members; community ones stand alone.
cat >"$dir/Cargo.toml" <<'EOF'
# Synthetic catalog written by scripts/gen-catalog.sh.
[workspace]
members = ["bin/worker-*"]
exclude = ["bin/community"]
resolver = "2"

[workspace.package]
version = "1.4.2"
license = "GPL-3.0-or-later"
repository = "https://github.com/example/synthetic-catalog"
homepage = "https://rbee.dev"
edition = "2021"
EOF

for ((i = 1; i <= n; i++)); do
    printf -v id 'worker-%05d' "$i"
    community=$((i % 10 == 0))
    if ((community)); then
        wdir=$dir/bin/community/$id
    else
        wdir=$dir/bin/$id
    fi

    # Features: cpu plus 1-3 accelerated backends, rotated so every combination occurs.
    nfeat=${features_each:-$((2 + i % 3))}
    features=(cpu)
    for ((k = 0; k < nfeat - 1; k++)); do
        features+=("${backends[(i + k) % 4]}")
    done
    default=cpu
    ((i % 7 == 0 && ${#features[@]} > 1)) && default=${features[1]}
    toml_list "${features[@]}"
    feat_list=$list

    # Tags: 1-3 from the pool.
    ntag=$((1 + i % 3))
    tags=()
    for ((k = 0; k < ntag; k++)); do
        tags+=("${tag_pool[(i * 7 + k * 5) % ${#tag_pool[@]}]}")
    done
    toml_list "${tags[@]}"
    tag_list=$list

    word=${words[i % ${#words[@]}]}
    name="Worker $i"
    description="A $word synthetic ${tags[0]} worker number $i"

    # Platforms: always linux x86_64; the rest varies.
    platforms='linux = ["x86_64"]'
    ((i % 2 == 0)) && platforms='linux = ["x86_64", "aarch64"]'
    # metal only builds on macOS: a worker offering it lists macos, so no variant is empty.
    if ((i % 3 != 1)) || [[ " ${features[*]} " == *" metal "* ]]; then
        platforms+=$'\nmacos = ["aarch64"]'
    fi
    ((i % 5 == 0)) && platforms+=$'\nwindows = ["x86_64"]'

    # Binary: most crates have the default bin (the package name); some rename it.
    bin_name=''
    ((i % 8 == 0)) && bin_name="$id-rbee"

    # ---- worker.toml ----
    wt="[worker]
id = \"$id\"
name = \"$name\"
description = \"$description\"
tags = [$tag_list]
"
    ((i % 11 == 0)) && wt+="license = \"MIT OR Apache-2.0\"
"
    wt+="
[build]
features = [$feat_list]
default_feature = \"$default\"
"
    if ((i % 4 == 0)); then
        streaming=false
        ((i % 8 == 0)) && streaming=true
        wt+="
[capabilities]
supported_formats = [\"${formats[i % 3]}\", \"${formats[(i + 1) % 3]}\"]
max_context_length = $((2048 << (i % 5)))
supports_streaming = $streaming
supports_batching = false
"
    fi
    wt+="
[platforms]
$platforms
"
    if ((i % 2 == 0)); then
        wt+="
[depends]
arch = [\"gcc-libs\"]
brew = []
"
    fi
    if ((i % 6 == 0)) && [[ " ${features[*]} " == *" cuda "* ]]; then
        wt+="
[variants.cuda]
makedepends = { arch = [\"cuda\"] }
platforms = { linux = [\"x86_64\"] }
"
    fi
    if ((i % 9 == 0)); then
        wt+="
[source]
git = \"https://github.com/example/$id.git\"
branch = \"main\"
tag = \"v{version}\"
"
        [[ -n ${PINNED:-} ]] && wt+="sha256 = \"$pin\"
"
    elif [[ -n ${PINNED:-} ]]; then
        wt+="
[source]
sha256 = \"$pin\"
"
    fi
    printf '%s' "$wt" >"$wdir/worker.toml"

    # ---- Cargo.toml ----
    ct="[package]
name = \"$id\"
"
    if ((!community && i % 3 == 0)); then
        ct+="version.workspace = true
license.workspace = true
repository.workspace = true
edition.workspace = true
"
    else
        ct+="version = \"0.$((i % 50)).$((i % 7))\"
edition = \"2021\"
license = \"MIT\"
repository = \"https://github.com/example/$id\"
"
    fi
    ct+="description = \"$description\"
publish = false

[features]
default = [\"$default\"]
"
    for f in "${features[@]}"; do
        ct+="$f = []
"
    done
    if [[ -n $bin_name ]]; then
        ct+="
[[bin]]
name = \"$bin_name\"
path = \"src/main.rs\"
"
    fi
    printf '%s' "$ct" >"$wdir/Cargo.toml"

    # ---- src/main.rs ----
    printf '%s\n' \
        'fn main() {' \
        '    if std::env::args().nth(1).as_deref() == Some("--version") {' \
        '        println!("{} {}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));' \
        '    } else {' \
        '        println!("{}", env!("CARGO_PKG_DESCRIPTION"));' \
        '    }' \
        '}' >"$wdir/src/main.rs"
done

printf 'gen-catalog: wrote %d workers (%d community) to %s\n' "$n" "$((n / 10))" "$dir" >&2

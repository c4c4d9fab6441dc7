#!/usr/bin/env bash
# Installs the pinned npm packages (tiktoken, tokenizers) used to regenerate the parity fixtures and by
# `dotnet run -c Release --project bench/ArML.Bench -- tokenizers` for the Hugging Face comparison.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund

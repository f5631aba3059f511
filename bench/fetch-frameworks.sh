#!/usr/bin/env bash
# The agent frameworks' own releases whose source the registration catalog was written from
# (docs/frameworks.md), pinned, so that the catalog can be re-read and smoke-tested when a
# framework moves. Complements ../shared/corpus/fetch.sh (agent code that uses them).
# Usage: bench/fetch-frameworks.sh [DEST]   (default target/frameworks). Idempotent.
set -euo pipefail
dest=${1:-target/frameworks}
mkdir -p "$dest"/python "$dest"/js
dest=$(cd "$dest" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

py=(
  mcp==2.3.0 fastmcp-slim==4.2.3 google-adk==2.13.0 claude-agent-sdk==0.2.189
  claude-code-sdk==0.0.25 openai-agents==0.24.0 langchain==1.5.2 langchain-core==1.8.4
  langgraph-prebuilt==1.1.3 crewai==1.15.30 pydantic-ai-slim==2.68.0 smolagents==1.26.0
  llama-index-core==0.14.25 autogen-core==0.7.5 autogen-agentchat==0.7.5 ag2==0.14.0
  semantic-kernel==1.45.0
)
for spec in "${py[@]}"; do
  name=${spec%%==*}
  [ -d "$dest/python/$name" ] && continue
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp/py" "$spec" || { echo "skip $spec"; continue; }
  f=$(ls -t "$tmp"/py/* | head -1)
  mkdir -p "$dest/python/$name"
  (cd "$dest/python/$name" && python3 -m zipfile -e "$f" .)
done

js=(
  @modelcontextprotocol/server@2.4.0 @modelcontextprotocol/sdk@1.32.2 fastmcp@4.20.16
  ai@7.0.173 @ai-sdk/provider-utils@5.0.81 @ai-sdk/openai@4.0.118 @ai-sdk/anthropic@4.0.105
  @mastra/core@1.71.0 @openai/agents-core@0.20.0 langchain@1.5.14 @langchain/core@1.4.0
  @anthropic-ai/claude-agent-sdk@0.3.333
)
for spec in "${js[@]}"; do
  name=${spec%@*}; safe=${name//\//+}
  [ -d "$dest/js/$safe" ] && continue
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>&1) || { echo "skip $spec"; continue; }
  f=$(ls -t "$tmp"/*.tgz | head -1)
  mkdir -p "$dest/js/$safe"
  tar -xzf "$f" -C "$dest/js/$safe" --strip-components=1
  rm -f "$f"
done
echo "python: $(find "$dest/python" -name '*.py' | wc -l) files; js: $(find "$dest/js" \( -name '*.js' -o -name '*.ts' \) | wc -l) files under $dest"

#!/usr/bin/env bash
# Regenerates the SQL migrations of every service from its drizzle schema (workers/<service>/schema.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
for service in customers vehicles workshop; do
  npx drizzle-kit generate --dialect sqlite --schema "workers/$service/schema.ts" --out "migrations/$service" "$@"
done

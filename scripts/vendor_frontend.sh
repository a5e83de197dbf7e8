#!/usr/bin/env bash
# Refresh the committed copies of nhsuk-frontend and htmx from npm (versions pinned in package.json).
# The compiled files are committed so that running the portal needs no Node.js and no CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
version=$(node -p "require('./node_modules/nhsuk-frontend/package.json').version")
dest=static/vendor/nhsuk
rm -rf "$dest" && mkdir -p "$dest/assets"
cp "node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend-$version.min.css" "$dest/"
cp "node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend-$version.min.js" "$dest/"
cp -r node_modules/nhsuk-frontend/dist/nhsuk/assets/images "$dest/assets/"
# The stylesheet points at /assets/ at the site root; ours live beside it under /static/.
sed -i 's#url(/assets/images/#url(assets/images/#g' "$dest/nhsuk-frontend-$version.min.css"
# The source maps are not vendored; a reference to one makes collectstatic's manifest step fail.
sed -i '/sourceMappingURL=/d' "$dest/nhsuk-frontend-$version.min.css" "$dest/nhsuk-frontend-$version.min.js"
mkdir -p static/vendor/htmx
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
echo "nhsuk-frontend $version and htmx $(node -p "require('./node_modules/htmx.org/package.json').version") vendored"

#!/usr/bin/env bash
# Rebuild the vendored GOV.UK Frontend + MoJ Frontend assets in static/vendor/.
#
#   scripts/build_frontend.sh
#
# Needs node + npm and access to the npm registry. Installs into a temporary
# directory (no node_modules is left inside the repository), compiles
# scripts/frontend/iwp-frontend.scss with Dart Sass (Arial only, no GDS
# Transport), copies the ES module bundles and image assets, and writes
# static/vendor/VERSIONS.txt. Safe to re-run: the output directories are
# replaced as a whole.
#
# Override the version specs with GOVUK_FRONTEND_SPEC, MOJ_FRONTEND_SPEC and
# SASS_SPEC (defaults: 6, 11, latest).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENTRY="$ROOT/scripts/frontend/iwp-frontend.scss"
VENDOR="$ROOT/static/vendor"

GOVUK_SPEC="${GOVUK_FRONTEND_SPEC:-6}"
MOJ_SPEC="${MOJ_FRONTEND_SPEC:-11}"
SASS_SPEC="${SASS_SPEC:-latest}"

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "build_frontend: $tool is required" >&2; exit 1; }
done
[ -f "$ENTRY" ] || { echo "build_frontend: missing $ENTRY" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/iwp-frontend.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "build_frontend: installing packages in $WORK"
cd "$WORK"
printf '{"name":"iwp-frontend-build","private":true}\n' > package.json
npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
  "govuk-frontend@$GOVUK_SPEC" "@ministryofjustice/frontend@$MOJ_SPEC" "sass@$SASS_SPEC"

NM="$WORK/node_modules"
GOVUK_DIST="$NM/govuk-frontend/dist/govuk"
MOJ_DIST="$NM/@ministryofjustice/frontend/moj"

pkg_field() { # pkg_field <package dir> <field>
  node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1]+"/package.json","utf8"));process.stdout.write(String(p[process.argv[2]]))' "$1" "$2"
}

# Build into a staging tree first; only replace static/vendor/ when all checks pass.
OUT="$WORK/out"
mkdir -p "$OUT/govuk/assets" "$OUT/moj/assets"

echo "build_frontend: compiling CSS"
# The load path "$WORK" is needed because MoJ Frontend forwards
# "node_modules/govuk-frontend/dist/govuk/base".
"$NM/.bin/sass" \
  --load-path="$WORK" \
  --load-path="$NM/govuk-frontend/dist" \
  --load-path="$NM/@ministryofjustice/frontend" \
  --style=compressed --no-source-map \
  --quiet-deps --silence-deprecation=import \
  "$ENTRY" "$OUT/govuk/iwp-frontend.css"

echo "build_frontend: copying JS and assets"
# ES module bundles. Drop the trailing sourceMappingURL comment: the .map files
# are not vendored, and ManifestStaticFilesStorage fails on a missing map.
strip_map() { sed -e '/^\/\/# sourceMappingURL=/d' -e 's#//\# sourceMappingURL=[^ ]*$##' "$1" > "$2"; }
strip_map "$GOVUK_DIST/govuk-frontend.min.js" "$OUT/govuk/govuk-frontend.min.js"
strip_map "$MOJ_DIST/moj-frontend.min.js" "$OUT/moj/moj-frontend.min.js"

# GOV.UK assets: everything except fonts (GDS Transport is not used).
for item in "$GOVUK_DIST/assets/"*; do
  name="$(basename "$item")"
  [ "$name" = fonts ] && continue
  cp -R "$item" "$OUT/govuk/assets/"
done
# MoJ assets (images only; it ships no fonts, but skip them if it ever does).
for item in "$MOJ_DIST/assets/"*; do
  name="$(basename "$item")"
  [ "$name" = fonts ] && continue
  cp -R "$item" "$OUT/moj/assets/"
done

echo "build_frontend: checking output"
CSS="$OUT/govuk/iwp-frontend.css"
fail=0
if grep -q 'url(["'"'"']\{0,1\}/' "$CSS"; then
  echo "build_frontend: absolute url() left in CSS:" >&2
  grep -o 'url(["'"'"']\{0,1\}/[^)]*)' "$CSS" | sort -u >&2
  fail=1
fi
if grep -qi 'woff\|@font-face\|GDS Transport' "$CSS"; then
  echo "build_frontend: font references left in CSS" >&2
  fail=1
fi
if find "$OUT" -iname '*.woff' -o -iname '*.woff2' | grep -q .; then
  echo "build_frontend: font files copied" >&2
  fail=1
fi
while IFS= read -r url; do
  case "$url" in data:*|\#*|http:*|https:*) continue ;; esac
  path="${url%%[?#]*}"
  if [ ! -f "$OUT/govuk/$path" ]; then
    echo "build_frontend: CSS references missing file: $url" >&2
    fail=1
  fi
done < <(grep -o 'url([^)]*)' "$CSS" | sed -e 's/^url(//' -e 's/)$//' -e 's/^["'"'"']//' -e 's/["'"'"']$//' | sort -u)
# The bundles must be self-contained ES modules (no bare-specifier imports).
for js in "$OUT/govuk/govuk-frontend.min.js" "$OUT/moj/moj-frontend.min.js"; do
  if grep -Eq '(^|[;}])\s*import\s*[{*"'"'"'a-zA-Z]|from\s*"govuk-frontend' "$js"; then
    echo "build_frontend: $js contains import statements" >&2
    fail=1
  fi
  grep -q 'export{[^}]*initAll' "$js" || { echo "build_frontend: $js does not export initAll" >&2; fail=1; }
done
[ "$fail" -eq 0 ] || { echo "build_frontend: checks failed; static/vendor left unchanged" >&2; exit 1; }

GOVUK_VERSION="$(pkg_field "$NM/govuk-frontend" version)"
MOJ_VERSION="$(pkg_field "$NM/@ministryofjustice/frontend" version)"
SASS_VERSION="$(pkg_field "$NM/sass" version)"
cat > "$OUT/VERSIONS.txt" <<EOF
Vendored front-end assets, built by scripts/build_frontend.sh on $(date -u +%Y-%m-%d).

govuk-frontend               $GOVUK_VERSION  licence: $(pkg_field "$NM/govuk-frontend" license)  (GDS Transport font NOT included)
@ministryofjustice/frontend  $MOJ_VERSION  licence: $(pkg_field "$NM/@ministryofjustice/frontend" license)
sass (Dart Sass, build only) $SASS_VERSION  licence: $(pkg_field "$NM/sass" license)

Files:
  govuk/iwp-frontend.css     GOV.UK Frontend + MoJ Frontend compiled from scripts/frontend/iwp-frontend.scss
                             (Arial, no @font-face, asset URLs relative to the CSS file)
  govuk/govuk-frontend.min.js  govuk-frontend dist/govuk/govuk-frontend.min.js (ES module)
  govuk/assets/              govuk-frontend dist/govuk/assets without fonts/
  moj/moj-frontend.min.js    @ministryofjustice/frontend moj/moj-frontend.min.js (ES module)
  moj/assets/                @ministryofjustice/frontend moj/assets
The JS files have their sourceMappingURL comment removed (maps not vendored).
The GOV.UK crest/crown and MoJ logo images are Crown-protected marks: use them
only in a UK government service.
EOF

echo "build_frontend: installing into $VENDOR"
mkdir -p "$VENDOR"
for dir in govuk moj; do
  rm -rf "$VENDOR/$dir.new"
  mv "$OUT/$dir" "$VENDOR/$dir.new"
  rm -rf "$VENDOR/$dir"
  mv "$VENDOR/$dir.new" "$VENDOR/$dir"
done
mv "$OUT/VERSIONS.txt" "$VENDOR/VERSIONS.txt"

echo "build_frontend: done (govuk-frontend $GOVUK_VERSION, @ministryofjustice/frontend $MOJ_VERSION, sass $SASS_VERSION)"

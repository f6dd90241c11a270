#!/usr/bin/env bash
# Rebuild the vendored front-end assets in src/shortbreaks/static/ (`make assets`).
#
# Fetches govuk-frontend and sass at the exact versions in src/shortbreaks/assets/package-lock.json
# into a temporary folder (`npm ci` checks every tarball against the lock's sha512), checks the
# govuk-frontend tarball once more against the integrity pinned here and the one the registry
# publishes, compiles src/shortbreaks/assets/shortbreaks.scss and copies the JavaScript.
# The output is committed, so `make run` needs neither node nor npm.
#
# To upgrade: change the versions in package.json (govuk-frontend must match what
# govuk-frontend-jinja targets), `npm install --package-lock-only --ignore-scripts` there,
# update GOVUK_FRONTEND_INTEGRITY below from `npm view govuk-frontend@X dist.integrity`, run this.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/src/shortbreaks/assets"
OUT="$ROOT/src/shortbreaks/static"

GOVUK_FRONTEND_VERSION="6.3.0"  # the version govuk-frontend-jinja 4.1.0 targets
GOVUK_FRONTEND_INTEGRITY="sha512-cXIQxm5PHCsbic47GXZrVBZhAeeshTLRL6ZBKilLsR6rMCjJuWb7Fruq0VUNMBJFlJk/srsRj/q8d5bM9cgKoA=="

die() { echo "build-assets: $*" >&2; exit 1; }
command -v node >/dev/null || die "needs node (20 or newer) and npm"
command -v npm >/dev/null || die "needs npm"

jinja_target="$(grep -o 'GOV.UK%20Frontend-v[0-9.]*' "$ROOT"/.venv/lib/python3*/site-packages/govuk_frontend_jinja-*.dist-info/METADATA 2>/dev/null | head -1 | sed 's/.*-v//' || true)"
if [ -n "$jinja_target" ] && [ "$jinja_target" != "$GOVUK_FRONTEND_VERSION" ]; then
  die "govuk-frontend-jinja targets govuk-frontend $jinja_target, this script pins $GOVUK_FRONTEND_VERSION"
fi

locked="$(node -e 'const l=require(process.argv[1]);const p=l.packages["node_modules/govuk-frontend"];console.log(p.version+" "+p.integrity)' "$SRC/package-lock.json")"
[ "$locked" = "$GOVUK_FRONTEND_VERSION $GOVUK_FRONTEND_INTEGRITY" ] || die "package-lock.json has govuk-frontend $locked, expected $GOVUK_FRONTEND_VERSION $GOVUK_FRONTEND_INTEGRITY"

published="$(npm view "govuk-frontend@$GOVUK_FRONTEND_VERSION" dist.integrity)"
[ "$published" = "$GOVUK_FRONTEND_INTEGRITY" ] || die "the registry publishes $published for govuk-frontend@$GOVUK_FRONTEND_VERSION, expected $GOVUK_FRONTEND_INTEGRITY"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The tarball itself, hashed here rather than trusting the cache.
(cd "$WORK" && npm pack --silent "govuk-frontend@$GOVUK_FRONTEND_VERSION" >/dev/null)
actual="sha512-$(openssl dgst -sha512 -binary "$WORK/govuk-frontend-$GOVUK_FRONTEND_VERSION.tgz" | base64 -w0)"
[ "$actual" = "$GOVUK_FRONTEND_INTEGRITY" ] || die "govuk-frontend tarball hashes to $actual, expected $GOVUK_FRONTEND_INTEGRITY"

cp "$SRC/package.json" "$SRC/package-lock.json" "$WORK/"
(cd "$WORK" && npm ci --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error)
GF="$WORK/node_modules/govuk-frontend"
[ "$(node -p 'require(process.argv[1]).version' "$GF/package.json")" = "$GOVUK_FRONTEND_VERSION" ] || die "npm ci installed another govuk-frontend"

mkdir -p "$OUT/images"
"$WORK/node_modules/.bin/sass" --no-source-map --style=compressed --load-path="$WORK/node_modules" \
  "$SRC/shortbreaks.scss" "$OUT/shortbreaks.css"

# The ES module build of GOV.UK Frontend's JavaScript; init.js imports it. We do not ship the
# source map, so drop the comment that points to it.
sed -e '/^\/\/# sourceMappingURL=/d' -e 's|//# sourceMappingURL=[^ ]*$||' "$GF/dist/govuk/govuk-frontend.min.js" >"$OUT/govuk-frontend.min.js"
# The npm tarball has no LICENSE file: keep its README's licence statement beside the code.
{
  echo "govuk-frontend $GOVUK_FRONTEND_VERSION (https://github.com/alphagov/govuk-frontend), package.json licence: $(node -p 'require(process.argv[1]).license' "$GF/package.json")"
  echo
  sed -n '/^## Licence/,/^## /p' "$GF/README.md" | sed '$d'
} >"$OUT/govuk-frontend-LICENCE.txt"
grep -q "MIT License" "$OUT/govuk-frontend-LICENCE.txt" || die "could not find govuk-frontend's licence statement in its README"

# Nothing Crown-owned and no font files may be referenced by what we ship.
if grep -Eq 'GDS Transport|govuk-crest|/fonts/' "$OUT/shortbreaks.css"; then die "shortbreaks.css references GOV.UK's fonts or crest"; fi
for ref in $(grep -o 'url([^)]*)' "$OUT/shortbreaks.css" | sed -e 's/^url(//' -e 's/)$//' -e 's/"//g' | grep '^/assets/' | sort -u); do
  [ -f "$OUT/${ref#/assets/}" ] || die "shortbreaks.css references $ref, which is not in src/shortbreaks/static/"
done

sass_version="$(node -p 'require(process.argv[1]).version' "$WORK/node_modules/sass/package.json")"
cat >"$OUT/VERSIONS.txt" <<TXT
Built by scripts/build-assets.sh from src/shortbreaks/assets/ -- do not edit these files by hand.
govuk-frontend $GOVUK_FRONTEND_VERSION ($GOVUK_FRONTEND_INTEGRITY), MIT: govuk-frontend-LICENCE.txt
sass $sass_version
Our own: init.js, images/favicon.svg
TXT
echo "build-assets: wrote $(cd "$OUT" && ls shortbreaks.css govuk-frontend.min.js | tr '\n' ' ')(govuk-frontend $GOVUK_FRONTEND_VERSION, sass $sass_version)"

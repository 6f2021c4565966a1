#!/bin/sh
# The ORAS supply-chain walkthrough (push, attach, discover, copy, pull) through orasd, on an
# OCI image layout folder: no registry needed. Every `oras` below is clients/shell/oras, which
# forwards to the orasd daemon (started on first use). With REGISTRY=host:port set, the graph is
# then promoted from the layout to that registry with `oras copy -r` and discovered there.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PATH="$here/..:$PATH"
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/orasd-walkthrough.XXXXXX")}
cd "$WORK"
say() { printf '\n$ %s\n' "$*"; }
first_referrer() { python3 -c 'import json,sys; print(json.load(sys.stdin)["referrers"][0]["digest"])'; }

LAYOUT=./layout
IMAGE=$LAYOUT:v1

echo 'Readme Content' > readme.md
mkdir -p details
echo 'Detailed Content' > details/readme-details.md
echo 'More detailed Content' > details/readme-more-details.md
echo 'pretend this is a container image' > image.txt

say oras push --oci-layout $LAYOUT:readme --artifact-type readme/example ./readme.md:application/markdown ./details
oras push --oci-layout $LAYOUT:readme --artifact-type readme/example ./readme.md:application/markdown ./details

say oras pull --oci-layout -o ./download $LAYOUT:readme
oras pull --oci-layout -o ./download $LAYOUT:readme
find ./download -type f | sort

say oras push --oci-layout $IMAGE --artifact-type application/vnd.example.image ./image.txt
oras push --oci-layout $IMAGE --artifact-type application/vnd.example.image ./image.txt

echo '{"artifact": "'$IMAGE'", "signature": "jayden hancock"}' > signature.json
say oras attach --oci-layout $IMAGE --artifact-type signature/example ./signature.json:application/json
oras attach --oci-layout $IMAGE --artifact-type signature/example ./signature.json:application/json

say oras attach --oci-layout $IMAGE --artifact-type readme/example ./readme.md:application/markdown ./details
oras attach --oci-layout $IMAGE --artifact-type readme/example ./readme.md:application/markdown ./details

echo '{"version": "0.0.0.0", "artifact": "'$IMAGE'", "contents": "good"}' > sbom.json
say oras attach --oci-layout $IMAGE --artifact-type sbom/example ./sbom.json:application/json
oras attach --oci-layout $IMAGE --artifact-type sbom/example ./sbom.json:application/json

SBOM_DIGEST=$(oras discover --oci-layout --format json --artifact-type sbom/example $IMAGE | first_referrer)
echo '{"artifact": "'$IMAGE@$SBOM_DIGEST'", "signature": "jayden hancock"}' > sbom-signature.json
say oras attach --oci-layout $LAYOUT@$SBOM_DIGEST --artifact-type signature/example ./sbom-signature.json:application/json
oras attach --oci-layout $LAYOUT@$SBOM_DIGEST --artifact-type signature/example ./sbom-signature.json:application/json

say oras discover --oci-layout --format tree $IMAGE
oras discover --oci-layout --format tree $IMAGE

say oras copy -r --from-oci-layout --to-oci-layout $IMAGE ./staging:v1
oras copy -r --from-oci-layout --to-oci-layout $IMAGE ./staging:v1

say oras discover --oci-layout --format tree ./staging:v1
oras discover --oci-layout --format tree ./staging:v1

DOC_DIGEST=$(oras discover --oci-layout --format json --artifact-type readme/example ./staging:v1 | first_referrer)
say oras pull --oci-layout -o ./download-doc ./staging@$DOC_DIGEST
oras pull --oci-layout -o ./download-doc ./staging@$DOC_DIGEST
find ./download-doc -type f | sort

say oras repo tags --oci-layout $LAYOUT
oras repo tags --oci-layout $LAYOUT

if [ -n "${REGISTRY:-}" ]; then
  say oras copy -r --from-oci-layout $IMAGE $REGISTRY/net-monitor:v1
  oras copy -r --from-oci-layout $IMAGE "$REGISTRY/net-monitor:v1"
  say oras discover --format tree $REGISTRY/net-monitor:v1
  oras discover --format tree "$REGISTRY/net-monitor:v1"
fi

printf '\nDone. The layout is in %s/layout; the daemon keeps running for the next command (`npx orasd daemon stop` in this checkout, or `orasd daemon stop` once installed, ends it).\n' "$WORK"

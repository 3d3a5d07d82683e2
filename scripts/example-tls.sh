#!/usr/bin/env bash
# Helper of scripts/up.sh: the example Site/docs's self-signed certificate for docs.localhost, made
# with openssl into DIR (0700; key 0600), once, and again when it is within a day of expiry.
#   scripts/example-tls.sh DIR
set -euo pipefail
DIR="${1:?usage: example-tls.sh DIR}"
CRT="$DIR/docs.localhost.crt"
KEY="$DIR/docs.localhost.key"
if openssl x509 -checkend 86400 -noout -in "$CRT" >/dev/null 2>&1 && [ -s "$KEY" ]; then exit 0; fi
install -d -m 0700 "$DIR"
( umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj /CN=docs.localhost -addext subjectAltName=DNS:docs.localhost -keyout "$KEY" -out "$CRT" 2>/dev/null )
chmod 0644 "$CRT"
echo "made a self-signed certificate for docs.localhost in $DIR"

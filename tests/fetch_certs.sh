#!/bin/sh
# Throwaway certificates for the https download tests, made at test time into
# DIR: ca.pem (a CA that signs server.pem for 127.0.0.1 and localhost) and
# other-ca.pem (an unrelated CA). Needs the openssl command.
set -e
dir=$1
test -n "$dir" || { echo "usage: fetch_certs.sh DIR" >&2; exit 2; }
mkdir -p "$dir"
cd "$dir"
q() { "$@" >/dev/null 2>&1 || { echo "fetch_certs.sh: failed: $*" >&2; exit 1; }; }
for ca in ca other-ca; do
  q openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=nt_flash test $ca" \
    -keyout $ca.key -out $ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
done
q openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
printf '%s\n' "basicConstraints=CA:FALSE" "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  "extendedKeyUsage=serverAuth" > server.ext
q openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.pem

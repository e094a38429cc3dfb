#!/usr/bin/env bash
# Initiates the replica set once, then creates one user per service, each allowed on its own database
# only (readWrite). Idempotent: safe to run on every `docker compose up`.
set -euo pipefail
root=(mongosh --quiet --host mongo-1 -u root -p "$MONGO_ROOT_PASSWORD" --authenticationDatabase admin)

until "${root[@]}" --eval 'db.adminCommand("ping").ok' >/dev/null 2>&1; do sleep 1; done

"${root[@]}" --eval '
try { rs.status() } catch (e) {
  rs.initiate({_id: "rs0", members: [
    {_id: 0, host: "mongo-1:27017", priority: 2},
    {_id: 1, host: "mongo-2:27017"},
    {_id: 2, host: "mongo-3:27017"}]})
}'
until "${root[@]}" --eval 'db.hello().isWritablePrimary' | grep -q true; do sleep 1; done

"${root[@]}" /users/service-users.js

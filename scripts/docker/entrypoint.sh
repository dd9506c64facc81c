#!/bin/sh
# Initialises the home on first start, then runs the command (the daemon by default).
set -eu
home="${ARTDAG_HOME:-/data}"
if [ ! -f "$home/identity.key" ]; then
  if [ -f /run/secrets/swarm.key ]; then
    node /opt/artdag/bin/artdag.js init --home "$home" --swarm-key /run/secrets/swarm.key
  else
    node /opt/artdag/bin/artdag.js init --home "$home"
  fi
fi
exec "$@"

# Sourced by the bench scripts: installs wrk where it is missing (root), or stops.
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "bench: wrk is required (apt-get install wrk)" >&2
    exit 1
  fi
fi

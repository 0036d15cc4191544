#!/usr/bin/env bash
# register.sh — register this machine as a GitHub Actions self-hosted runner
# whose labels are the hardware hwcov detects here, so that every shard of an
# hwcov plan lands on a runner that can run it.
#
#   labels = $(hwcov hardware detect --labels)   e.g. self-hosted,linux,cpu,cuda
#
# Usage:
#   RUNNER_TOKEN=<registration token> ./register.sh --url https://github.com/OWNER/REPO
#   GITHUB_TOKEN=<PAT with admin rights> ./register.sh --url https://github.com/OWNER/REPO
#
# Options:
#   --url URL             repository or organisation URL (required)
#   --dir DIR             where the runner lives (default ./actions-runner); downloaded when missing
#   --name NAME           runner name (default: the host name)
#   --labels L1,L2        extra labels, added to the detected ones
#   --runner-version V    actions/runner release to download (default 2.329.0)
#   --ephemeral           take one job, then unregister (autoscaling, clean machines)
#   --dry-run             print what would be done; change nothing
#
# The token comes from the environment only and is never printed or put on a
# command line: RUNNER_TOKEN is a registration token (Settings > Actions >
# Runners > New self-hosted runner), or GITHUB_TOKEN / GH_TOKEN is a token
# allowed to create one (repository administration: write, or organisation
# self-hosted runners: write); GITHUB_API_URL points at GitHub Enterprise
# Server. Needs: bash, curl, tar, and hwcov on PATH (or HWCOV=/path/to/hwcov).
#
# After it: ./run.sh in --dir, or `sudo ./svc.sh install && sudo ./svc.sh start`.
# See runners/register/README.md and docs/ci.md.
set -euo pipefail

die() { printf 'register.sh: %s\n' "$*" >&2; exit 2; }

url="" dir="./actions-runner" name="$(hostname)" extra="" version="2.329.0" ephemeral=0 dry=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --url) url="${2:?--url needs a value}"; shift 2 ;;
    --dir) dir="${2:?--dir needs a value}"; shift 2 ;;
    --name) name="${2:?--name needs a value}"; shift 2 ;;
    --labels) extra="${2:?--labels needs a value}"; shift 2 ;;
    --runner-version) version="${2:?--runner-version needs a value}"; shift 2 ;;
    --ephemeral) ephemeral=1; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
done
[[ -n "$url" ]] || die "--url is required, e.g. --url https://github.com/OWNER/REPO"
[[ "$url" =~ ^https://[^/[:space:]]+/[^/[:space:]]+(/[^/[:space:]]+)?/?$ ]] || die "--url $url: want https://HOST/OWNER or https://HOST/OWNER/REPO"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "--runner-version $version: want X.Y.Z"

# 1. Labels: what this machine can run, plus the extra ones.
hwcov="${HWCOV:-hwcov}"
command -v "$hwcov" >/dev/null 2>&1 || die "hwcov not found: put it on PATH or set HWCOV=/path/to/hwcov"
labels="$("$hwcov" hardware detect --labels)" || die "hwcov hardware detect --labels failed"
[[ -n "$extra" ]] && labels="$labels,$extra"
[[ "$labels" =~ ^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$ ]] || die "labels \"$labels\": want comma-separated words"
printf 'runner %s: labels %s\n' "$name" "$labels"

# 2. A registration token, from the environment only.
token="${RUNNER_TOKEN:-}"
if [[ -z "$token" ]]; then
  api_token="${GITHUB_TOKEN:-${GH_TOKEN:-}}"
  [[ -n "$api_token" ]] || die "set RUNNER_TOKEN (a registration token) or GITHUB_TOKEN (a token that may create one)"
  path="${url#https://*/}"; path="${path%/}"
  case "$path" in
    */*) endpoint="repos/$path/actions/runners/registration-token" ;;
    *) endpoint="orgs/$path/actions/runners/registration-token" ;;
  esac
  api="${GITHUB_API_URL:-https://api.github.com}"
  if [[ $dry == 1 ]]; then
    printf 'would request a registration token: POST %s/%s\n' "$api" "$endpoint"
    token="dry-run"
  else
    # The token goes to curl through a config on stdin, not the command line.
    response="$(printf 'header = "Authorization: Bearer %s"\n' "$api_token" |
      curl -fsS -X POST -K - -H "Accept: application/vnd.github+json" "$api/$endpoint")" ||
      die "POST $api/$endpoint failed (does the token have the runner administration permission?)"
    token="$(printf '%s' "$response" | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')"
    [[ -n "$token" ]] || die "no token in the response of POST $api/$endpoint"
  fi
fi

# 3. The runner, downloaded once.
case "$(uname -s)" in Linux) os=linux ;; Darwin) os=osx ;; *) die "unsupported OS $(uname -s)" ;; esac
case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) die "unsupported CPU $(uname -m)" ;; esac
tarball="actions-runner-$os-$arch-$version.tar.gz"
if [[ ! -x "$dir/config.sh" ]]; then
  if [[ $dry == 1 ]]; then
    printf 'would download https://github.com/actions/runner/releases/download/v%s/%s into %s\n' "$version" "$tarball" "$dir"
  else
    mkdir -p "$dir"
    curl -fsSL "https://github.com/actions/runner/releases/download/v$version/$tarball" | tar -xz -C "$dir"
  fi
fi

# 4. Configure. The runner reads ACTIONS_RUNNER_INPUT_TOKEN, so the token never
# shows in the process list.
args=(--unattended --replace --url "$url" --name "$name" --labels "$labels" --work _work)
[[ $ephemeral == 1 ]] && args+=(--ephemeral)
if [[ $dry == 1 ]]; then
  printf 'would run: (cd %s && ./config.sh %s)  [token from the environment]\n' "$dir" "${args[*]}"
  printf 'would write HWCOV_RUNNER_LABELS=%s to %s/.env\n' "$labels" "$dir"
  exit 0
fi
(cd "$dir" && ACTIONS_RUNNER_INPUT_TOKEN="$token" ./config.sh "${args[@]}")
# Jobs on this runner record their labels in hwcov's runs table.
touch "$dir/.env"
grep -v '^HWCOV_RUNNER_LABELS=' "$dir/.env" > "$dir/.env.tmp" || true
printf 'HWCOV_RUNNER_LABELS=%s\n' "$labels" >> "$dir/.env.tmp"
mv "$dir/.env.tmp" "$dir/.env"
printf 'registered %s with labels %s; start it with: (cd %s && ./run.sh)\n' "$name" "$labels" "$dir"

# syntax=docker/dockerfile:1
#
# hwcov with the Python harness's CPU dependencies (torch CPU wheels,
# transformers, numpy, pytest): a runner image, usable as a job `container:`
# or with `docker run`.
#
#   docker build -t hwcov .
#   docker run --rm -v "$PWD:/work" -w /work hwcov run --priority key --hardware cpu
#
# In a workflow:
#
#   test:
#     runs-on: [self-hosted, linux, cpu]
#     container: ghcr.io/OWNER/hwcov:TAG
#
# See docs/ci.md. GPU images: start from a CUDA or ROCm base in the second
# stage and install torch from the matching index instead.

ARG GO_VERSION=1.26.8
ARG PYTHON_VERSION=3.11

# --- build: the hwcov binary (cgo: DuckDB is linked statically, glibc dynamically)
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath \
      -ldflags "-s -w -X github.com/hwcov/hwcov/internal/face/cli.Version=${VERSION}" \
      -o /out/hwcov ./cmd/hwcov

# --- runtime: Python with the CPU build of torch and the pinned packages
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates libstdc++6 \
 && rm -rf /var/lib/apt/lists/*
COPY runners/python/requirements.txt /opt/hwcov/requirements.txt
# torch from the CPU index first (the PyPI wheel pulls CUDA libraries), then
# the rest of the pins, which the CPU torch already satisfies.
RUN torch_pin="$(grep -E '^torch==' /opt/hwcov/requirements.txt)" \
 && pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "${torch_pin}+cpu" \
 && pip install --no-cache-dir -r /opt/hwcov/requirements.txt
COPY --from=build /out/hwcov /usr/local/bin/hwcov
ENV HWCOV_PYTHON=/usr/local/bin/python \
    HWCOV_CACHE_DIR=/var/cache/hwcov \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PYTHONDONTWRITEBYTECODE=1
# Extract the embedded harness once, and prove the binary runs here.
RUN hwcov version && hwcov hardware detect --labels
# Job containers run as root (the runner mounts its workspace owned by root).
ENTRYPOINT ["hwcov"]
CMD ["--help"]

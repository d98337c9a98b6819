# syntax=docker/dockerfile:1.7
#
# One Dockerfile, several images; docker-bake.hcl names the combinations.
#
#   target  api     the HTTP API (gunicorn), also runs `talkfarm scheduler`
#                   and `talkfarm db upgrade`
#   target  worker  a render worker
#
# FLAVOR picks the base the runtime stands on:
#   cpu  python:3.11-slim-bookworm (amd64 and arm64)
#   gpu  NVIDIA's CUDA + cuDNN runtime (amd64), onnxruntime-gpu
#   npu  Huawei's CANN image, named by CANN_IMAGE (arm64), onnxruntime-cann
#
# The builder and the runtime of one flavor share their base, so the venv
# built in one runs unchanged in the other (its interpreter path matches).
# No Docker engine is needed to check this file: tests/unit/test_ops_docker.py
# lints it with hadolint and checks the bake targets against its stages.

ARG FLAVOR=cpu
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
# CUDA 12 + cuDNN 9: what onnxruntime-gpu up to 1.26 links (1.27 on links CUDA 13,
# which needs NVIDIA driver 580+); docker-bake.hcl pins the matching range.
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04
# The CANN image must carry Python 3.11 on PATH (Ascend publishes -py3.11 tags).
ARG CANN_IMAGE=ascendai/cann:8.0.0-910b-ubuntu22.04-py3.11

# ---------------------------------------------------------------- bases ----
FROM ${PYTHON_IMAGE} AS base-cpu

FROM ${CUDA_IMAGE} AS base-gpu
# Ubuntu 22.04 ships Python 3.11 in its updates; the CUDA image has none.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.11 python3.11-venv \
 && rm -rf /var/lib/apt/lists/*

FROM ${CANN_IMAGE} AS base-npu
# Some CANN images default to an unprivileged user; the stages below need root
# (apt-get, useradd) and end with USER 10001 themselves.
# hadolint ignore=DL3002
USER 0
# Fail the build here, not at the first job, when the image has no 3.11.
RUN python3.11 --version

# hadolint ignore=DL3006
FROM base-${FLAVOR} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    LANG=C.UTF-8

# -------------------------------------------------------------- builder ----
# Resolves and builds every wheel the runtime needs. Compilers live here only,
# for the rare dependency that has no wheel for the target platform.
FROM base AS builder
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
ARG ONNXRUNTIME_PACKAGE=onnxruntime
WORKDIR /src
COPY pyproject.toml README.md LICENSE THIRD_PARTY_NOTICES.md ./
COPY domain ./domain
COPY api ./api
COPY tasks ./tasks
COPY workers ./workers
COPY media ./media
COPY storage ./storage
COPY cli ./cli
COPY migrations ./migrations
RUN python3.11 -m venv /opt/build \
 && /opt/build/bin/pip wheel --wheel-dir /wheels /src "${ONNXRUNTIME_PACKAGE}"

# -------------------------------------------------------------- runtime ----
FROM base AS runtime
# espeak-ng: TTS for languages without a Piper voice.
# libgl1, libglib2.0-0: OpenCV, which mediapipe imports, links against them.
# tini: PID 1 that forwards SIGTERM (the worker's drain signal) and reaps.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng libgl1 libglib2.0-0 tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /home/talkfarm talkfarm \
 && mkdir -p /var/lib/talkfarm \
 && chown talkfarm:talkfarm /var/lib/talkfarm

ARG ONNXRUNTIME_PACKAGE=onnxruntime
# The wheels are bind-mounted, not copied, so they add no layer. onnxruntime-gpu
# and onnxruntime-cann provide the same `onnxruntime` module as onnxruntime
# (which piper-tts and the project require by that name), so the accelerator
# build swaps the distribution after the install.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python3.11 -m venv /opt/talkfarm \
 && /opt/talkfarm/bin/pip install --no-index --find-links=/wheels /wheels/talkfarm-*.whl \
 && if [ "${ONNXRUNTIME_PACKAGE}" != "onnxruntime" ]; then \
      /opt/talkfarm/bin/pip uninstall -y onnxruntime \
   && /opt/talkfarm/bin/pip install --no-index --find-links=/wheels "${ONNXRUNTIME_PACKAGE}"; \
    fi \
 && /opt/talkfarm/bin/python -c "import onnxruntime; print(onnxruntime.get_available_providers())"

ENV PATH=/opt/talkfarm/bin:$PATH \
    TALKFARM_DATA_DIR=/var/lib/talkfarm
WORKDIR /var/lib/talkfarm
# Numeric, so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--"]

# ------------------------------------------------------------------ api ----
FROM runtime AS api
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# gunicorn (api/server.py) with gthread workers and a 20 s graceful timeout.
# Other commands of this image: `talkfarm scheduler`, `talkfarm db upgrade`,
# `talkfarm worker --webhooks`.
CMD ["talkfarm", "api", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]

# --------------------------------------------------------------- worker ----
# No HEALTHCHECK: a worker serves no port, and its liveness is the heartbeat
# the scheduler watches (a silent worker's jobs are handed to others).
FROM runtime AS worker
# SIGTERM starts the drain; the orchestrator must wait longer than
# TALKFARM_DRAIN_GRACE_S (default 90 s) before it sends SIGKILL.
STOPSIGNAL SIGTERM
CMD ["talkfarm", "worker", "--tag", "auto"]

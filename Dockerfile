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
# The image the chosen flavor stands on: PYTHON_IMAGE for cpu, CUDA_IMAGE for
# gpu, CANN_IMAGE for npu (docker-bake.hcl passes it). A stage picked through
# an ARG (`FROM base-${FLAVOR}`) builds with BuildKit but not with buildah 1.28
# (podman 4.3), which takes it for an image name; an image name picked through
# an ARG builds with both.
ARG BASE_IMAGE=${PYTHON_IMAGE}

# ---------------------------------------------------------------- bases ----
# What each flavor's base needs beyond its vendor image, in the one `base`
# stage below (kept apart here so the flavors stay readable and linted):
#   cpu  nothing: python:3.11-slim-bookworm, or Debian bookworm's python3 (3.11)
#   gpu  Ubuntu 22.04 ships Python 3.11 in its updates; the CUDA image has none
#   npu  some CANN images default to an unprivileged user; the stages below need
#        root (apt-get, useradd) and end with USER 10001 themselves
# hadolint ignore=DL3006
FROM ${PYTHON_IMAGE} AS base-cpu

# hadolint ignore=DL3006
FROM ${CUDA_IMAGE} AS base-gpu

# hadolint ignore=DL3006
FROM ${CANN_IMAGE} AS base-npu

# hadolint ignore=DL3006
FROM ${BASE_IMAGE} AS base
# hadolint ignore=DL3002
USER 0
# Install Python 3.11 where the base lacks it (the CUDA image), and fail the
# build here, not at the first job, when it cannot be had.
# hadolint ignore=DL3008
RUN if ! command -v python3.11 >/dev/null; then \
      apt-get update \
   && apt-get install -y --no-install-recommends python3.11 python3.11-venv \
   && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; \
    fi \
 && python3.11 --version
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8

# -------------------------------------------------------------- builder ----
# Resolves and builds every wheel the runtime needs. Compilers live here only,
# for the rare dependency that has no wheel for the target platform. pip's
# cache is a cache mount, so a rebuild after a code change downloads nothing.
FROM base AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
ARG ONNXRUNTIME_PACKAGE=onnxruntime
WORKDIR /src
RUN python3.11 -m venv /opt/build
# The dependencies first, from pyproject.toml alone: this layer and the
# runtime's install of it stay cached while only the project's code changes.
COPY pyproject.toml ./
# opencv-contrib-python (what mediapipe requires) carries Qt, needs the host's
# libGL and modules nothing here calls; the headless main build of the same
# version has the same cv2 core without them, so the runtime swaps it in (see
# below). pip's own wheel is kept for the runtime, whose venv has no pip.
RUN --mount=type=cache,target=/root/.cache/pip \
    /opt/build/bin/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > /wheels.txt \
 && echo "${ONNXRUNTIME_PACKAGE}" >> /wheels.txt \
 && /opt/build/bin/pip wheel --wheel-dir /wheels -r /wheels.txt \
 && opencv=$(find /wheels -name 'opencv_contrib_python-*.whl' | sed 's/.*opencv_contrib_python-\([^-]*\)-.*/\1/') \
 && /opt/build/bin/pip wheel --no-deps --wheel-dir /wheels "opencv-python-headless==${opencv}" pip \
 && cp /wheels.txt /wheels/requirements.txt
COPY README.md LICENSE THIRD_PARTY_NOTICES.md ./
COPY domain ./domain
COPY api ./api
COPY tasks ./tasks
COPY workers ./workers
COPY media ./media
COPY storage ./storage
COPY cli ./cli
COPY migrations ./migrations
RUN --mount=type=cache,target=/root/.cache/pip \
    /opt/build/bin/pip wheel --no-deps --wheel-dir /project /src \
 && sha256sum /project/*.whl > /project.sha256

# -------------------------------------------------------------- runtime ----
FROM base AS runtime
# espeak-ng: TTS for languages without a Piper voice.
# libglib2.0-0: OpenCV's headless build links against it (mediapipe carries
# its own GL libraries, so no libgl1 and its Mesa stack).
# tini: PID 1 that forwards SIGTERM (the worker's drain signal) and reaps.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng libglib2.0-0 tini \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /home/talkfarm talkfarm \
 && mkdir -p /var/lib/talkfarm \
 && chown talkfarm:talkfarm /var/lib/talkfarm

ARG ONNXRUNTIME_PACKAGE=onnxruntime
# The dependencies' wheels are bind-mounted, not copied, so they add no layer;
# the requirements list is copied so that a change of dependencies rebuilds
# this layer with every builder. onnxruntime-gpu and onnxruntime-cann provide
# the same `onnxruntime` module as onnxruntime (which piper-tts and the project
# require by that name), so the accelerator build swaps the distribution after
# the install. Then what the runtime never imports goes (ops/images prints
# what is left): jax and jaxlib (mediapipe's LLM converter imports them only
# when called), sympy and mpmath
# (onnxruntime's model tools), the Qt/libGL OpenCV for the headless one, the
# test folders and data that wheels ship, and pip and setuptools (the venv is
# made without them; pip runs from its wheel, bind-mounted with the others).
COPY --from=builder /wheels/requirements.txt /opt/requirements.txt
# hadolint ignore=DL3013,DL3042
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python3.11 -m venv --without-pip /opt/talkfarm \
 && pip_wheel=$(echo /wheels/pip-*.whl) \
 && pip() { /opt/talkfarm/bin/python "$pip_wheel/pip" --no-cache-dir "$@"; } \
 && pip install --no-index --find-links=/wheels -r /opt/requirements.txt \
 && if [ "${ONNXRUNTIME_PACKAGE}" != "onnxruntime" ]; then \
      pip uninstall -y onnxruntime \
   && pip install --no-index --find-links=/wheels "${ONNXRUNTIME_PACKAGE}"; \
    fi \
 && pip uninstall -y jax jaxlib sympy mpmath opencv-contrib-python \
 && pip install --no-index --no-deps --find-links=/wheels opencv-python-headless \
 && site=$(/opt/talkfarm/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") \
 && rm -rf "$site"/onnx/backend/test "$site"/onnxruntime/transformers \
 && find "$site" -depth -type d -name tests -exec rm -rf {} + \
 && /opt/talkfarm/bin/python -c "import cv2, onnx, onnxruntime, piper, scipy.signal, mediapipe.tasks.python; \
from mediapipe.python.solutions import face_detection, face_mesh; print(onnxruntime.get_available_providers())"

# The project itself: a small layer of its own, rebuilt on every code change
# (the copied checksum is what tells every builder that the wheel changed).
COPY --from=builder /project.sha256 /opt/project.sha256
RUN --mount=type=bind,from=builder,source=/project,target=/project \
    --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    /opt/talkfarm/bin/python "$(echo /wheels/pip-*.whl)/pip" install --no-cache-dir --no-index --no-deps /project/talkfarm-*.whl

# `git describe` of the checkout the image was built from (ops/images passes
# it); `talkfarm --version` prints it.
ARG TALKFARM_BUILD=""
ENV PATH=/opt/talkfarm/bin:$PATH \
    TALKFARM_DATA_DIR=/var/lib/talkfarm \
    TALKFARM_BUILD=${TALKFARM_BUILD}
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

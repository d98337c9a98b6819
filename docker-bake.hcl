# Images of the farm. `docker buildx bake` builds them all;
# `docker buildx bake worker-cpu` one of them. REGISTRY, TAG, CUDA_IMAGE and
# CANN_IMAGE come from the environment when set.

variable "REGISTRY" {
  default = "talkfarm"
}

variable "TAG" {
  default = "dev"
}

variable "CUDA_IMAGE" {
  default = "nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04"
}

# Huawei's CANN images are versioned per NPU model and toolkit release; pick the
# one matching the nodes' driver. It must carry Python 3.11.
variable "CANN_IMAGE" {
  default = "ascendai/cann:8.0.0-910b-ubuntu22.04-py3.11"
}

group "default" {
  targets = ["api", "worker-cpu", "worker-gpu", "worker-npu"]
}

target "_common" {
  context    = "."
  dockerfile = "Dockerfile"
  labels = {
    "org.opencontainers.image.title"    = "talkfarm"
    "org.opencontainers.image.licenses" = "Apache-2.0"
  }
}

target "api" {
  inherits  = ["_common"]
  target    = "api"
  platforms = ["linux/amd64", "linux/arm64"]
  args = {
    FLAVOR = "cpu"
  }
  tags = ["${REGISTRY}/api:${TAG}"]
}

target "worker-cpu" {
  inherits  = ["_common"]
  target    = "worker"
  platforms = ["linux/amd64", "linux/arm64"]
  args = {
    FLAVOR = "cpu"
  }
  tags = ["${REGISTRY}/worker-cpu:${TAG}"]
}

target "worker-gpu" {
  inherits  = ["_common"]
  target    = "worker"
  platforms = ["linux/amd64"]
  args = {
    FLAVOR              = "gpu"
    CUDA_IMAGE          = CUDA_IMAGE
    # the image the flavor stands on (the Dockerfile's BASE_IMAGE, default PYTHON_IMAGE)
    BASE_IMAGE          = CUDA_IMAGE
    # onnxruntime-gpu up to 1.26 links CUDA 12; from 1.27 CUDA 13 (driver 580+).
    # Move both together: CUDA_IMAGE 13.x with onnxruntime-gpu>=1.27.
    ONNXRUNTIME_PACKAGE = "onnxruntime-gpu>=1.20,<1.27"
  }
  tags = ["${REGISTRY}/worker-gpu:${TAG}"]
}

target "worker-npu" {
  inherits  = ["_common"]
  target    = "worker"
  platforms = ["linux/arm64"]
  args = {
    FLAVOR              = "npu"
    CANN_IMAGE          = CANN_IMAGE
    BASE_IMAGE          = CANN_IMAGE
    ONNXRUNTIME_PACKAGE = "onnxruntime-cann>=1.22,<2"
  }
  tags = ["${REGISTRY}/worker-npu:${TAG}"]
}

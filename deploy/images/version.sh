# shellcheck shell=bash
# The images' version, in one place for deploy/images/build.sh and scenario.sh (sourced):
# SKK_VERSION if set, else `project(... VERSION x.y.z)` of CMakeLists.txt; the project declares
# none yet, so 0.1.0, the tag k8s/base/kustomization.yaml gives the images.
skk_image_version() {  # repository root
  local v=${SKK_VERSION:-}
  [ -n "$v" ] || v=$(sed -n 's/^project([^)]*VERSION[[:space:]]\{1,\}\([0-9][0-9.]*\).*/\1/p' \
                       "$1/CMakeLists.txt" | head -1)
  echo "${v:-0.1.0}"
}

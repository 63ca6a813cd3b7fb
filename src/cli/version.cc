#include "cli/version.h"

#include <libpq-fe.h>

#include <fmt/format.h>

namespace zs::cli {

std::string LibpqVersionName(int v) {
  if (v >= 100000) return fmt::format("{}.{}", v / 10000, v % 10000);
  return fmt::format("{}.{}.{}", v / 10000, v / 100 % 100, v % 100);
}

std::string VersionText() {
  return fmt::format("zeroshift {}\nlibpq {}\n", kBuildVersion, LibpqVersionName(PQlibVersion()));
}

}  // namespace zs::cli

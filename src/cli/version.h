// What `zeroshift --version` prints: the build's version and the PostgreSQL
// client library it runs with (the one the dynamic linker found, which may
// differ from the one it was built against).
#pragma once

#include <string>

namespace zs::cli {

// Set at build time by cmake/version.cmake (git describe, or the package's
// or the project's version).
extern const char kBuildVersion[];

// "zeroshift 0.1.0-g83c4360\nlibpq 15.5\n": PQlibVersion() spelled as
// PostgreSQL does (major.minor from version 10 on).
std::string VersionText();

// PQlibVersion's number as "15.5" (from 10 on) or "9.6.24" (before).
std::string LibpqVersionName(int version_num);

}  // namespace zs::cli

// The example migration `zeroshift demo` runs, compiled into the binary by
// cmake/embed_data.cmake so the demo works from any directory (and from a
// package, where examples/ is not installed).
#pragma once

#include <string_view>

namespace zs::cli::data {

// examples/02_split_name.yaml: split users.name into first_name and last_name.
extern const std::string_view kSplitNameMigration;

}  // namespace zs::cli::data

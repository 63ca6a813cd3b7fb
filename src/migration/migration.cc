#include "migration/migration.h"

#include <fmt/format.h>

namespace zs::migration {

std::string SourceLocation::ToString() const {
  if (line == 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

}  // namespace zs::migration

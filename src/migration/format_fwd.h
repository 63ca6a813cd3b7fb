// Forward declarations for the declarations of an operation's format.h, so
// that migration.h, which includes every format.h, pulls in neither yaml-cpp
// nor nlohmann/json.hpp. The definitions are in reading.h.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace zs::migration {

struct Source;
using Json = nlohmann::ordered_json;

}  // namespace zs::migration

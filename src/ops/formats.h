// The registry of operations: for each key of the migration format
// ("add_column", "sql", ...) how to read it from YAML, write it to JSON and
// build its Operation class.
//
// Layout, without include cycles. Each operation has one home,
// src/ops/<name>/:
//   format.h     its fields (struct Op...); includes only migration/parts.h and
//                migration/format_fwd.h, never an Operation class;
//   format.cc    reads them through the shared reading layer
//                (migration/reading.h, migration/parts_format.h) and writes JSON;
//   <name>.h/.cc the Operation class (ops/operation.h);
//   <name>_test.cc its lifecycle tests.
// migration/migration.h includes every format.h for the OperationBody variant.
// Two headers, in two layers (CMakeLists.txt):
//   ops/formats.h, OperationFormats() (formats.cc, layer `format`): key -> parse and serialise.
//   formats.cc
//     includes only the homes' format.h, so the document parser
//     (migration/parser.cc) dispatches through it without depending on any
//     Operation class, not even at link time;
//   ops/registry.h, MakeOperation() (registry.cc, layer `ops`): body -> Operation class; it
//   includes the
//     homes' class headers and is used by the engine's planner.
// A new operation: a home, one row in formats.cc, one in registry.cc, and its
// alternative in migration::OperationBody (the rows are checked against it at
// compile time).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "core/status.h"
#include "migration/format_fwd.h"
#include "migration/migration.h"

namespace zs::ops {

// How one operation of the format is read and written.
struct OperationFormat {
  std::string_view kind;  // its key in the file
  size_t index;           // its alternative in migration::OperationBody
  // Reads the mapping under the key; errors name `what` and file:line:column.
  Result<migration::OperationBody> (*parse)(const migration::Source& src, const YAML::Node& node,
                                            const std::string& what);
  // REQUIRES: body holds this operation.
  migration::Json (*to_json)(const migration::OperationBody& body);
};

// Every operation, in the order of migration::OperationBody's alternatives:
// OperationFormats()[body.index()] is the body's.
std::span<const OperationFormat> OperationFormats();

// The index of `Body` among migration::OperationBody's alternatives.
template <typename Body, size_t I = 0>
constexpr size_t BodyIndex() {
  static_assert(I < std::variant_size_v<migration::OperationBody>, "not an operation body");
  if constexpr (std::is_same_v<std::variant_alternative_t<I, migration::OperationBody>, Body>) {
    return I;
  } else {
    return BodyIndex<Body, I + 1>();
  }
}

// True when rows[i].index == i for every row and every alternative has one.
template <typename Row, size_t N>
constexpr bool InBodyOrder(const Row (&rows)[N]) {
  if (N != std::variant_size_v<migration::OperationBody>) return false;
  for (size_t i = 0; i < N; ++i) {
    if (rows[i].index != i) return false;
  }
  return true;
}

}  // namespace zs::ops

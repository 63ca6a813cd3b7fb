// Short examples of what each part of a migration file looks like, for the
// reader's shape errors: a message that says `columns[0] must be a mapping`
// also shows a mapping that would be right there.
#pragma once

#include <string>
#include <string_view>

namespace zs::migration {

// The expected form of the mapping at `path` ("create_index.columns[2]",
// "add_column.column.check"), in YAML flow style: `{column: email, sort:
// DESC}`. Matched on the longest known suffix of the path, indices ignored.
std::string ExampleMapping(std::string_view path);

// `key: value` for the scalar at `path` (its last component is the key):
// `table: users`, `nullable: true`, `up: "lower(email)"`.
std::string ExampleScalar(std::string_view path, bool boolean);

// `key: [...]` for the sequence at `path`: a list of strings (`columns:
// [email, name]`) or of mappings (`columns: [{column: email}]`).
std::string ExampleSequence(std::string_view path);

}  // namespace zs::migration

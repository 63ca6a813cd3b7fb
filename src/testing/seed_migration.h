// The seed's change (ARCHITECTURE.md, examples/02_split_name.yaml) as a user
// writes it, shared by the tests that exercise it. Deliberately the original,
// lossy pair (examples/02_split_name.yaml ships the corrected one): tests rely
// on "Mary Ann Smith" splitting into Mary / Ann, and on `||` giving NULL, to
// exercise verify's and the round-trip check's handling of pairs that are not
// inverses.
#pragma once

namespace zs::testing {

inline constexpr const char* kSplitNameYaml = R"yaml(operations:
  - add_column:
      table: users
      up: split_part(name, ' ', 1)
      column: {name: first_name, type: text, nullable: true}
  - add_column:
      table: users
      up: split_part(name, ' ', 2)
      column: {name: last_name, type: text, nullable: true}
  - drop_column:
      table: users
      column: name
      down: first_name || ' ' || last_name
)yaml";

}  // namespace zs::testing

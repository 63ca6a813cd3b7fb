// Schemas for the state tests: a users table whose second column is named as
// asked, and a schema's stored text to compare them by.
#pragma once

#include <string>

#include "schema/schema.h"

namespace zs::state::test_util {

inline schema::Schema Users(const std::string& column) {
  schema::Table users{.name = "users", .physical_name = "users"};
  users.columns.push_back(
      {.name = "id", .physical_name = "id", .type = "bigint", .nullable = false});
  users.columns.push_back(
      {.name = column, .physical_name = column, .type = "text", .nullable = true});
  schema::Schema out;
  out.tables.push_back(users);
  return out;
}

inline std::string Text(const schema::Schema& schema) { return schema::ToJson(schema).dump(); }

}  // namespace zs::state::test_util

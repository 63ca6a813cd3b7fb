// Column types as the linter sees them, and whether ALTER COLUMN TYPE from
// one to another rewrites the table. The rules mirror the server's
// ATColumnChangeRequiresRewrite: a binary-coercible cast (pg_cast castmethod
// 'b', from the embedded catalog) is a relabel; a typmod change is free only
// where a length-coercion support function proves it (varchar, varbit,
// numeric, the time types) and only when it widens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lint/catalog.h"
#include "lint/tree.h"

namespace zs::lint {

struct TypeRef {
  std::string schema;         // "" for built-in and unqualified names
  std::string name;           // pg_type.typname: int4, varchar, timestamptz (serial -> int4)
  std::vector<int64_t> mods;  // varchar(100) -> {100}; numeric(10,2) -> {10, 2}
  bool array = false;
  bool serial = false;  // written serial, bigserial, smallserial...

  bool known() const { return !name.empty(); }
  // How a user writes it: "varchar(100)", "bigint", "text[]".
  std::string Display() const;
  bool operator==(const TypeRef&) const = default;
};

// A TypeName node (unwrapped, as in "typeName": {...}).
TypeRef TypeFromNode(JsonValue type_name);

enum class Rewrite { kNo, kYes, kMaybe };

struct TypeChange {
  Rewrite rewrite = Rewrite::kYes;
  std::string reason;  // why, in a clause that completes "ALTER COLUMN TYPE ... "
};

// Whether changing a column from `from` to `to` rewrites the table. `from` is
// nullptr when the old type is not known (the column was not created in the
// linted files); the answer is then kYes only when no old type could make the
// change free. `plain_using` is false when a USING expression other than the
// column itself (possibly cast to the new type) is given: that always rewrites.
TypeChange DecideTypeChange(const TypeRef* from, const TypeRef& to, bool plain_using,
                            const Catalog& catalog);

}  // namespace zs::lint

// The internals of a column swap (column_swap.h), shared by its three files:
// column_swap_layout.cc works out what the swap builds on a table (the
// Layout), column_swap_sql.cc the SQL of each phase from it, and
// column_swap.cc the Operation that puts them together.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ops/column_swap.h"
#include "sqlcheck/expression.h"
#include "sqlcheck/rewrite.h"

namespace zs::ops::swap {

// The length of the names a swap makes up (FitIdentifier): PostgreSQL's
// limit, which also fits MariaDB's 64 characters, so a made-up name is the
// same on every backend. A user's name is held to the backend's own limit
// (Backend::MaxIdentifierBytes, ExpressionChecker::CheckIdentifier).
inline constexpr size_t kMaxIdentifierBytes = 63;

// `columns` with each renamed column replaced by its new name.
std::vector<std::string> Mapped(const std::vector<std::string>& columns,
                                const sqlcheck::ColumnRenames& renames);

// An index built on the new columns at start: a duplicate of one of the
// table's indexes (build_name is temporary), or the index of an added
// UNIQUE / PRIMARY KEY (build_name == name).
struct IndexBuild {
  std::string name;
  std::string build_name;
  std::string sql;                   // CREATE ... INDEX CONCURRENTLY build_name ...
  std::string inline_sql;            // added only: "UNIQUE (...) ..." for ADD CONSTRAINT in place
  char constraint = 0;               // 'u' / 'p': becomes that constraint at complete
  std::string deferral;              // " DEFERRABLE ..." of that constraint
  std::vector<std::string> columns;  // physical, new shape
  // The index's bare key and INCLUDE columns (new shape, repeats kept): its
  // attributes are named after them, so after the swap they are renamed too.
  std::vector<std::string> plain_columns;
  bool added = false;
};

// A CHECK or FOREIGN KEY on the new columns, NOT VALID until complete.
struct ConstraintBuild {
  std::string name;
  std::string build_name;
  char type = 'c';
  std::string body;                  // "CHECK (...)" or "FOREIGN KEY (...) REFERENCES ..."
  std::vector<std::string> columns;  // physical, new shape
  bool added = false;
};

struct TempColumn {
  std::string name;          // in ctx.before
  std::string old_physical;  // the column the old version uses
  std::string temp;          // the new column (the old one itself when in place)
  schema::Column shape;      // name and physical_name set
  const schema::Column* old = nullptr;
  std::string not_null_check;                      // "" when the new shape is nullable
  std::optional<sqlcheck::SequenceName> sequence;  // serial: owned by the new column at complete
  std::string up;
  std::string down;
};

struct Layout {
  const schema::Table* table = nullptr;
  std::string qualified;
  std::vector<TempColumn> columns;
  sqlcheck::ColumnRenames renames;  // old physical -> new physical; empty in place
  std::vector<IndexBuild> indexes;
  std::vector<ConstraintBuild> constraints;
};

// What a swap of `spec` builds on its table in ctx.before; in place (the
// table was created by this migration) the columns are changed themselves.
// Errors start with ctx.where.
Result<Layout> MakeLayout(const OpContext& ctx, const SwapSpec& spec, bool in_place);

}  // namespace zs::ops::swap

// The in-memory form of a pgroll-format migration file. Every field of
// ../shared/reference/pgroll-migration-schema.json has a place here, whether or
// not zeroshift executes that operation yet: the shared parts in parts.h, each
// operation's fields in its home, src/ops/<name>/format.h (which includes
// nothing of the Operation classes, so this header stays in the format layer).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "migration/parts.h"
#include "ops/add_column/format.h"
#include "ops/alter_column/format.h"
#include "ops/create_constraint/format.h"
#include "ops/create_index/format.h"
#include "ops/create_table/format.h"
#include "ops/drop_column/format.h"
#include "ops/drop_constraint/format.h"
#include "ops/drop_index/format.h"
#include "ops/drop_multicolumn_constraint/format.h"
#include "ops/drop_table/format.h"
#include "ops/raw_sql/format.h"
#include "ops/rename_column/format.h"
#include "ops/rename_constraint/format.h"
#include "ops/rename_table/format.h"
#include "ops/set_replica_identity/format.h"

namespace zs::migration {

using OperationBody =
    std::variant<OpCreateTable, OpAddColumn, OpDropColumn, OpRenameColumn, OpAlterColumn,
                 OpDropTable, OpRenameTable, OpRawSql, OpCreateIndex, OpDropIndex, OpDropConstraint,
                 OpDropMultiColumnConstraint, OpRenameConstraint, OpSetReplicaIdentity,
                 OpCreateConstraint>;

struct Operation {
  std::string kind;  // the key in the file: "add_column", "sql", ...
  OperationBody body;
  SourceLocation location;

  bool operator==(const Operation&) const = default;
};

struct Migration {
  std::string name;            // file name without extension unless the file sets `name`
  std::string version_schema;  // "" = use the name
  std::vector<Operation> operations;
  std::string source_file;
  // The file's content as JSON text (normalised), stored in the state table.
  std::string raw_json;

  bool operator==(const Migration&) const = default;
};

}  // namespace zs::migration

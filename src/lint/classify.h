// The lock model: which tables a statement locks, in which mode, and for how
// long (instant catalog change, scan, rewrite, or as long as the data takes),
// after ../shared/design/pg-locks.md and the server's AlterTableGetLockLevel.
#pragma once

#include <string>
#include <vector>

#include "lint/catalog.h"
#include "lint/source.h"
#include "lint/state.h"

namespace zs::lint {

// How long a statement holds its locks, shortest first.
enum class Cost {
  kNone,     // takes no table lock at all (SET, CREATE FUNCTION, ...)
  kInstant,  // a catalog change
  kScan,     // reads the whole table (validation, index build)
  kRewrite,  // writes the whole table again
  kData,     // as long as the rows it touches take (DML, queries)
  kUnknown,  // DO blocks, CALL: anything
};

struct TableLock {
  std::string table;    // key (RelationName::key)
  std::string display;  // as written
  LockMode mode = LockMode::kNone;
};

struct Effect {
  std::vector<TableLock> locks;  // strongest mode per table
  Cost cost = Cost::kNone;
  bool non_transactional = false;  // cannot run inside a transaction block
  bool transaction_control = false;
  bool session_setting = false;  // SET, RESET, SHOW, set_config()
  bool dml = false;              // INSERT, UPDATE, DELETE, MERGE, COPY FROM
};

Effect Classify(const Statement& stmt, const LintState& state, const Catalog& catalog);

// True for costs that keep a lock for longer than a catalog change.
inline bool IsSlow(Cost cost) { return cost >= Cost::kScan; }

}  // namespace zs::lint

// What the linter knows while it walks a file: the schema the linted files
// created (kept from file to file, as migrations run in order), and per file
// the transaction, the locks it holds and the session's timeouts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lint/catalog.h"
#include "lint/types.h"

namespace zs::lint {

// PostgreSQL's table lock modes, weakest first.
enum class LockMode {
  kNone,
  kAccessShare,
  kRowShare,
  kRowExclusive,
  kShareUpdateExclusive,
  kShare,
  kShareRowExclusive,
  kExclusive,
  kAccessExclusive,
};
std::string_view LockModeName(LockMode mode);  // "ACCESS EXCLUSIVE"
// True when `mode` blocks plain INSERT/UPDATE/DELETE (SHARE and above).
inline bool BlocksWrites(LockMode mode) { return mode >= LockMode::kShare; }

struct KnownColumn {
  TypeRef type;
};

using TableColumn = std::pair<std::string, std::string>;  // (table key, column)

// Learned from the statements of every file linted so far, in order.
struct SchemaMemory {
  std::map<std::string, std::map<std::string, KnownColumn>> tables;
  std::map<std::string, Volatility> functions;      // CREATE FUNCTION name -> its volatility
  std::map<std::string, std::string> index_tables;  // index -> table key
  std::set<TableColumn> not_null_proven;  // NOT NULL, or a validated CHECK (col IS NOT NULL)
  // (table, constraint) -> the columns its CHECK proves NOT NULL once validated
  std::map<TableColumn, std::vector<std::string>> not_null_checks;
};

struct HeldLock {
  LockMode mode = LockMode::kNone;
  uint32_t offset = 0;  // where the statement that took it starts
  std::string display;  // the table as written
  std::string snippet;  // the start of that statement, for messages
};

struct TransactionState {
  bool open = false;
  bool assumed = false;                  // opened by --assume-in-transaction, not by BEGIN
  uint32_t begin_offset = 0;             // the BEGIN (0 when assumed)
  bool nested_begin = false;             // a BEGIN was written inside it (already reported)
  std::map<std::string, HeldLock> held;  // strongest lock per table key
  std::map<TableColumn, uint32_t> not_valid_added;  // (table, constraint) added NOT VALID -> where
  std::optional<int64_t> lock_timeout_ms;           // SET LOCAL values
  std::optional<int64_t> statement_timeout_ms;
};

struct FileState {
  std::set<std::string> created_tables;  // in this file: empty and unused by clients so far
  std::set<std::string> created_indexes;
  std::optional<int64_t> lock_timeout_ms;  // session values; 0 disables the timeout
  std::optional<int64_t> statement_timeout_ms;
  TransactionState txn;
  bool reported_lock_timeout = false;
  bool reported_statement_timeout = false;
};

struct LintState {
  SchemaMemory* schema = nullptr;
  FileState file;

  bool IsNewTable(const std::string& key) const { return file.created_tables.count(key) > 0; }
  // The timeouts in effect for the next statement (SET LOCAL first); 0 or nullopt: none.
  std::optional<int64_t> EffectiveLockTimeout() const;
  std::optional<int64_t> EffectiveStatementTimeout() const;
};

}  // namespace zs::lint

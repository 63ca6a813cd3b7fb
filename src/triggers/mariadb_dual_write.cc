#include "triggers/mariadb_dual_write.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "mysql/connection.h"
#include "ops/names.h"
#include "schema/mariadb_dependents.h"

namespace zs::triggers {

namespace {

using mysql::QuoteIdentifier;

// A string literal that reads the same under every sql_mode: the CREATE
// TRIGGER statement is lexed under the session's mode (SET STATEMENT applies
// only once it runs), the stored body under the trigger's. Quotes doubled;
// a value with a backslash or a control byte (escaped differently with and
// without NO_BACKSLASH_ESCAPES) as a utf8mb4 hex literal.
std::string MariadbTriggerLiteral(const std::string& value) {
  bool plain = std::none_of(value.begin(), value.end(), [](char c) {
    return c == '\\' || static_cast<unsigned char>(c) < 0x20;
  });
  if (!plain) {
    std::string hex;
    for (unsigned char c : value) hex += fmt::format("{:02X}", c);
    return "_utf8mb4 X'" + hex + "'";
  }
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// A signalled message longer than this loses its column list (MariaDB's
// error messages end at 512 bytes).
constexpr size_t kMariadbMaxMessageBytes = 480;

std::string MariadbTriggerQualified(const std::string& database, const std::string& name) {
  return QuoteIdentifier(database) + "." + QuoteIdentifier(name);
}

// Whether the write is an old version's: the row's marker field, set first
// and read by every later test, instead of a local variable. A body that
// declares a local (in any block) makes MariaDB build its run-time variables
// at every firing, before the first statement: the backfill's rows paid for
// it although their session steps aside at once (bench/mariadb_fill_steps.sh,
// bench/README.md section 6).
std::string MariadbOldWrite() { return "NEW." + QuoteIdentifier(MarkerColumnName()); }

// "NOT (NEW.c <=> OLD.c) OR ..." for `columns`: true when the write changed one.
std::string MariadbAnyChanged(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& column : columns) {
    out += fmt::format("{0}NOT (NEW.{1} <=> OLD.{1})", out.empty() ? "" : " OR ",
                       QuoteIdentifier(column));
  }
  return out;
}

// The columns for a message: "`a`, `b`, `c`, ..." (the first three).
std::string MariadbColumnList(const std::vector<std::string>& columns) {
  std::string out;
  for (size_t i = 0; i < columns.size() && i < 3; ++i) {
    out += (i == 0 ? "" : ", ") + QuoteIdentifier(columns[i]);
  }
  if (columns.size() > 3) out += ", ...";
  return out;
}

// What an INSERT leaving each target column out stores, for the columns that
// have it: up targets and down targets, the first spec of a column deciding.
struct MariadbUnwritten {
  std::vector<std::pair<std::string, std::string>> up, down;  // (column, value)
  bool down_complete = true;                                  // every down target's value is known
};

MariadbUnwritten MariadbUnwrittenValues(const std::vector<TriggerSpec>& specs) {
  MariadbUnwritten out;
  std::vector<std::string> seen;
  for (const auto& spec : specs) {
    if (std::find(seen.begin(), seen.end(), spec.target_column) != seen.end()) continue;
    seen.push_back(spec.target_column);
    bool up = spec.direction == Direction::kUp;
    if (!spec.target_unwritten_value) {
      if (!up) out.down_complete = false;
      continue;
    }
    (up ? out.up : out.down).emplace_back(spec.target_column, *spec.target_unwritten_value);
  }
  return out;
}

// "NEW.c <=> v AND ..." (all unwritten) or "NOT (NEW.c <=> v) OR ..." (any written).
std::string MariadbUnwrittenTest(const std::vector<std::pair<std::string, std::string>>& values,
                                 bool written) {
  std::string out;
  for (const auto& [column, value] : values) {
    std::string test = fmt::format("NEW.{} <=> {}", QuoteIdentifier(column), value);
    out +=
        (out.empty() ? "" : (written ? " OR " : " AND ")) + (written ? "NOT (" + test + ")" : test);
  }
  return out;
}

// With the variable set, a write that shows the old shape is an old write
// (see the header): `down` must not overwrite what the client wrote.
std::string MariadbOldShapeEvidence(const std::vector<TriggerSpec>& specs, MariadbEvent event) {
  std::vector<std::string> old_only = TargetColumns(specs, Direction::kDown);
  if (old_only.empty()) return "";
  std::string condition;
  if (event == MariadbEvent::kUpdate) {
    condition = MariadbAnyChanged(old_only);
  } else {
    MariadbUnwritten unwritten = MariadbUnwrittenValues(specs);
    bool up_predictable = unwritten.up.size() == TargetColumns(specs, Direction::kUp).size();
    if (!up_predictable || unwritten.down.empty()) return "";
    std::string new_unwritten = MariadbUnwrittenTest(unwritten.up, false);
    condition = fmt::format("({}) AND ({})", new_unwritten.empty() ? "TRUE" : new_unwritten,
                            MariadbUnwrittenTest(unwritten.down, true));
  }
  return fmt::format("  IF NOT {0} AND ({1}) THEN\n    SET {0} = TRUE;\n  END IF;\n",
                     MariadbOldWrite(), condition);
}

std::string MariadbGuardMessage(const TriggerSpec& first, MariadbEvent event,
                                const std::vector<std::string>& new_only,
                                const std::vector<std::string>& old_only, bool with_columns) {
  std::string table = MariadbTriggerQualified(first.schema, first.table);
  std::string version = QuoteIdentifier(first.version_schema);
  std::string set = fmt::format("SET {} = {}", kMariadbVersionVariable,
                                mysql::QuoteLiteral(first.version_schema));
  std::string what =
      event == MariadbEvent::kUpdate
          ? fmt::format(
                "this UPDATE of {} changed columns only version {} has{}, while {} does "
                "not name that version, so `up` would overwrite them from the old columns",
                table, version, with_columns ? " (" + MariadbColumnList(new_only) + ")" : "",
                kMariadbVersionVariable)
          : fmt::format(
                "this INSERT into {} set columns only version {} has and left the old "
                "ones{} unset, while {} does not name that version, so they would not "
                "be filled",
                table, version,
                with_columns && !old_only.empty() ? " (" + MariadbColumnList(old_only) + ")" : "",
                kMariadbVersionVariable);
  return fmt::format("zeroshift: {}. A client of version {} runs {} first", what, version, set);
}

// Refuses a new-shape write made without the variable (see the header).
std::string MariadbForgottenVersionGuard(const std::vector<TriggerSpec>& specs,
                                         MariadbEvent event) {
  std::vector<std::string> new_only = TargetColumns(specs, Direction::kUp);
  std::vector<std::string> old_only = TargetColumns(specs, Direction::kDown);
  if (new_only.empty()) return "";
  std::string condition;
  if (event == MariadbEvent::kUpdate) {
    condition = MariadbAnyChanged(new_only);
    if (!old_only.empty())
      condition = fmt::format("({}) AND NOT ({})", condition, MariadbAnyChanged(old_only));
  } else {
    MariadbUnwritten unwritten = MariadbUnwrittenValues(specs);
    if (unwritten.up.empty() || !unwritten.down_complete) return "";
    condition = MariadbUnwrittenTest(unwritten.up, true);
    if (!unwritten.down.empty()) {
      condition =
          fmt::format("({}) AND ({})", condition, MariadbUnwrittenTest(unwritten.down, false));
    }
  }
  std::string message = MariadbGuardMessage(specs.front(), event, new_only, old_only, true);
  if (message.size() > kMariadbMaxMessageBytes) {
    message = MariadbGuardMessage(specs.front(), event, new_only, old_only, false);
  }
  return fmt::format(
      "  IF {} AND ({}) THEN\n"
      "    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = {};\n"
      "  END IF;\n",
      MariadbOldWrite(), condition, MariadbTriggerLiteral(message));
}

// One expression, evaluated over a one-row derived table whose columns, one
// per name the expression may use, are read from NEW when it runs: user SQL
// names columns as it would in a SELECT (the form sqlcheck PREPAREs it in),
// each column has the type of the NEW field it copies, and it sees what the
// blocks before it assigned. Not `DECLARE name TYPE OF db.t.c` locals:
// MariaDB resolves every TYPE OF of a trigger by opening the table's
// definition each time the trigger fires, before its first statement, so
// each backfilled row paid for them even though the trigger steps aside
// (measured on 200 k rows: 3.2 s for the UPDATE without a trigger, 14-16 s
// with the TYPE OF locals, 4-8 s with this form; docs/mariadb.md).
std::string MariadbExpressionBlock(const TriggerSpec& spec) {
  std::string row;
  for (const auto& [variable, column] : spec.variables) {
    row += fmt::format("{}NEW.{} AS {}", row.empty() ? "" : ", ", QuoteIdentifier(column),
                       QuoteIdentifier(variable));
  }
  // The newline before ')' ends a trailing `--` comment of the expression.
  std::string value =
      row.empty() ? fmt::format("({}\n)", spec.expression)
                  : fmt::format("(SELECT ({}\n) FROM (SELECT {}) AS zs_row)", spec.expression, row);
  return fmt::format("  IF {}{} THEN\n    SET NEW.{} = {};\n  END IF;\n",
                     spec.direction == Direction::kUp ? "" : "NOT ", MariadbOldWrite(),
                     QuoteIdentifier(spec.target_column), value);
}

std::string MariadbTriggerBody(const std::vector<TriggerSpec>& specs, MariadbEvent event) {
  const TriggerSpec& first = specs.front();
  std::string blocks;
  for (const auto& spec : specs) blocks += MariadbExpressionBlock(spec);
  // The backfill's test first, before anything else is evaluated: the
  // trigger fires for every row the backfill writes, and steps aside there.
  return fmt::format(
      "zs_dual_write: BEGIN\n"
      "  IF {} <=> 1 THEN\n    LEAVE zs_dual_write;\n  END IF;\n"
      "  SET {} = NOT {};\n"
      "{}{}{}"
      "END",
      kMariadbBackfillVariable, MariadbOldWrite(),
      MariadbDualWrite().IsVersionCondition(first.version_schema),
      MariadbOldShapeEvidence(specs, event), MariadbForgottenVersionGuard(specs, event), blocks);
}

class MariadbDualWriteSql final : public DualWriteSql {
 public:
  std::vector<std::string> TriggerNames(const std::string& /*database*/,
                                        const std::string& table) const override {
    return {MariadbTriggerName(table, MariadbEvent::kInsert),
            MariadbTriggerName(table, MariadbEvent::kUpdate)};
  }

  std::vector<ops::Action> InstallActions(const std::vector<TriggerSpec>& specs,
                                          const UserTriggers& user_triggers) const override {
    if (specs.empty()) return {};
    const TriggerSpec& first = specs.front();
    std::string table = MariadbTriggerQualified(first.schema, first.table);
    // Catalog only (INSTANT); IF NOT EXISTS because DDL commits by itself,
    // so a step interrupted after it runs again.
    std::vector<ops::Action> actions{
        {.id = "trigger:" + MariadbTriggerName(first.table, MariadbEvent::kInsert) + ":marker",
         .sql = fmt::format("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} BOOLEAN NULL, "
                            "ALGORITHM=INSTANT",
                            table, QuoteIdentifier(MarkerColumnName())),
         .lock = ops::Lock::kAccessExclusive,
         .table = first.table,
         .lock_text = ops::MariadbLockText(ops::MariadbLock::kBrief)}};
    for (MariadbEvent event : {MariadbEvent::kInsert, MariadbEvent::kUpdate}) {
      const auto& user = event == MariadbEvent::kInsert ? user_triggers.before_insert
                                                        : user_triggers.before_update;
      actions.push_back(
          {.id = "trigger:" + MariadbTriggerName(first.table, event) + ":create",
           .sql = MariadbCreateTriggerSql(specs, event, user.empty() ? "" : user.back()),
           .lock = ops::Lock::kAccessExclusive,  // CREATE TRIGGER takes the table's MDL
           .table = first.table,
           .lock_text = ops::MariadbLockText(ops::MariadbLock::kBrief)});
    }
    // Before the backfill writes `up` into every row: the rows rewritten
    // once, online, with the columns start added INSTANT, so that the
    // batches update them in place (backfill/mariadb_batch.h). Only the
    // metadata lock's waits are bounded (not kAccessExclusive); the engine
    // decides at run time whether it runs (the table's size, replicas) and
    // goes on without it when it fails (mariadb_engine_steps.cc).
    if (!TargetColumns(specs, Direction::kUp).empty()) {
      actions.push_back(
          {.id = "trigger:" + MariadbTriggerName(first.table, MariadbEvent::kInsert) + ":rebuild",
           .sql = fmt::format("ALTER TABLE {} FORCE, ALGORITHM=INPLACE, LOCK=NONE", table),
           .lock = ops::Lock::kShareUpdateExclusive,
           .table = first.table,
           .transactional = false,
           // ops::MariadbLockText(kOnline), which this layer cannot include.
           .lock_text = "metadata lock (exclusive, brief, at start and end; writes go on "
                        "meanwhile)"});
    }
    return actions;
  }

  std::vector<std::string> DropSql(const std::string& database,
                                   const std::string& table) const override {
    std::vector<std::string> sql;
    for (const auto& name : TriggerNames(database, table)) {
      sql.push_back("DROP TRIGGER IF EXISTS " + MariadbTriggerQualified(database, name));
    }
    sql.push_back(
        fmt::format("ALTER TABLE IF EXISTS {} DROP COLUMN IF EXISTS {}, ALGORITHM=INSTANT",
                    MariadbTriggerQualified(database, table), QuoteIdentifier(MarkerColumnName())));
    return sql;
  }

  // DROP TRIGGER, and the marker column dropped INSTANT.
  std::string DropLockText() const override {
    return ops::MariadbLockText(ops::MariadbLock::kBrief);
  }

  // Compared as utf8mb4 bytes (database names are case-sensitive here), in
  // whatever character set the writer set the variable; unset is false.
  std::string IsVersionCondition(const std::string& version_database) const override {
    return fmt::format("COALESCE({} = CONVERT({} USING utf8mb4) COLLATE utf8mb4_bin, FALSE)",
                       kMariadbVersionVariable, MariadbTriggerLiteral(version_database));
  }
};

}  // namespace

std::string MariadbTriggerName(const std::string& table, MariadbEvent event) {
  const char* suffix = event == MariadbEvent::kInsert ? "insert" : "update";
  // The prefix the catalog reader and the backfill recognise as ours.
  const std::string prefix = schema::kMariadbZeroshiftTriggerPrefix;
  std::string name = fmt::format("{}{}_dual_write_{}", prefix, table, suffix);
  if (name.size() <= mysql::kMaxIdentifierChars) return name;
  std::string hash = ShortNameHash(table);
  size_t room = mysql::kMaxIdentifierChars - prefix.size() - 2 - hash.size() - std::strlen(suffix);
  return fmt::format("{}{}_{}_{}", prefix, ops::ClipIdentifier(table, room), hash, suffix);
}

std::string MariadbUserTriggersSql(const std::string& database, const std::string& table) {
  return fmt::format(
      "SELECT EVENT_MANIPULATION, TRIGGER_NAME FROM information_schema.TRIGGERS "
      "WHERE EVENT_OBJECT_SCHEMA = {} AND EVENT_OBJECT_TABLE = {} AND ACTION_TIMING = 'BEFORE' "
      "AND EVENT_MANIPULATION IN ('INSERT', 'UPDATE') AND TRIGGER_NAME NOT IN ({}, {}) "
      "ORDER BY EVENT_MANIPULATION, ACTION_ORDER",
      mysql::QuoteLiteral(database), mysql::QuoteLiteral(table),
      mysql::QuoteLiteral(MariadbTriggerName(table, MariadbEvent::kInsert)),
      mysql::QuoteLiteral(MariadbTriggerName(table, MariadbEvent::kUpdate)));
}

std::string MariadbCreateTriggerSql(const std::vector<TriggerSpec>& specs, MariadbEvent event,
                                    const std::string& follows) {
  if (specs.empty()) return "";
  const TriggerSpec& first = specs.front();
  return fmt::format(
      "SET STATEMENT sql_mode = {} FOR CREATE OR REPLACE TRIGGER {} BEFORE {} ON {} FOR EACH "
      "ROW{}\n{}",
      MariadbTriggerLiteral(kMariadbTriggerSqlMode),
      MariadbTriggerQualified(first.schema, MariadbTriggerName(first.table, event)),
      event == MariadbEvent::kInsert ? "INSERT" : "UPDATE",
      MariadbTriggerQualified(first.schema, first.table),
      follows.empty() ? "" : " FOLLOWS " + QuoteIdentifier(follows),
      MariadbTriggerBody(specs, event));
}

const DualWriteSql& MariadbDualWrite() {
  static const MariadbDualWriteSql instance;
  return instance;
}

}  // namespace zs::triggers

#include "lint/apply.h"

#include <algorithm>

#include "lint/analysis.h"
#include "lint/tree.h"

namespace zs::lint {
namespace {

void OpenTransaction(TransactionState& txn, uint32_t offset, bool assumed) {
  txn = TransactionState{};
  txn.open = true;
  txn.assumed = assumed;
  txn.begin_offset = offset;
}

void ApplyTransaction(const Statement& stmt, LintState& state) {
  std::string_view kind = stmt.body["kind"].str();
  TransactionState& txn = state.file.txn;
  if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") {
    if (txn.open) {
      txn.nested_begin = true;
    } else {
      OpenTransaction(txn, stmt.begin, false);
    }
  } else if (kind == "TRANS_STMT_COMMIT" || kind == "TRANS_STMT_ROLLBACK") {
    // AND CHAIN starts the next transaction at once; the tool's COMMIT, if
    // it was the tool's, then commits that one.
    bool chain = stmt.body["chain"].is_true() && txn.open;
    bool assumed = txn.assumed;
    txn = TransactionState{};
    if (chain) OpenTransaction(txn, stmt.begin, assumed);
  } else if (kind == "TRANS_STMT_PREPARE") {
    txn = TransactionState{};
  }
}

void ApplyTimeouts(const Statement& stmt, LintState& state) {
  for (const TimeoutChange& change : TimeoutChanges(stmt)) {
    FileState& file = state.file;
    auto apply = [&](std::optional<int64_t>& session, std::optional<int64_t>& local) {
      std::optional<int64_t> value = change.reset ? std::nullopt : change.ms;
      // An unreadable value (a parameter, an expression) counts as set.
      if (!change.reset && !change.ms) value = 1;
      if (change.local) {
        if (file.txn.open) local = value;  // SET LOCAL outside a transaction does nothing
      } else {
        session = value;
        local.reset();
      }
    };
    if (change.name == "*" || change.name == "lock_timeout") {
      apply(file.lock_timeout_ms, file.txn.lock_timeout_ms);
    }
    if (change.name == "*" || change.name == "statement_timeout") {
      apply(file.statement_timeout_ms, file.txn.statement_timeout_ms);
    }
  }
}

// A CHECK constraint (a Constraint body) on `table`: which columns it proves
// NOT NULL, by name, and now if it is valid.
void LearnCheck(const std::string& table, JsonValue c, bool valid, LintState& state) {
  std::vector<std::string> columns = NotNullCheckColumns(c["raw_expr"]);
  if (columns.empty()) return;
  for (const std::string& column : columns) {
    if (valid) state.schema->not_null_proven.insert({table, column});
  }
  std::string name(c["conname"].str());
  if (!name.empty()) state.schema->not_null_checks[{table, name}] = std::move(columns);
}

// A column's own constraints. CHECKs of a new column are validated as it is
// added (and in CREATE TABLE even NOT VALID ones are marked valid).
void LearnColumnConstraints(const std::string& table, JsonValue column_def, bool create_table,
                            LintState& state) {
  for (JsonValue wrapped : column_def["constraints"]) {
    JsonValue c = wrapped.inner();
    if (c["contype"].str() != "CONSTR_CHECK") continue;
    LearnCheck(table, c, create_table || !c["skip_validation"].is_true(), state);
  }
}

void LearnCreateTable(const Statement& stmt, LintState& state) {
  RelationName rel = Relation(stmt.body["relation"]);
  state.file.created_tables.insert(rel.key());
  auto& columns = state.schema->tables[rel.key()];
  columns.clear();
  for (JsonValue element : stmt.body["tableElts"]) {
    if (element.type() == "ColumnDef") {
      ColumnDefFacts column = ReadColumnDef(element.inner());
      columns[column.name] = KnownColumn{column.type};
      if (column.not_null) state.schema->not_null_proven.insert({rel.key(), column.name});
      LearnColumnConstraints(rel.key(), element.inner(), /*create_table=*/true, state);
    } else if (element.type() == "Constraint") {
      JsonValue c = element.inner();
      std::string_view type = c["contype"].str();
      if (type == "CONSTR_PRIMARY") {
        for (std::string_view key : StringList(c["keys"])) {
          state.schema->not_null_proven.insert({rel.key(), std::string(key)});
        }
      } else if (type == "CONSTR_CHECK") {
        LearnCheck(rel.key(), c, /*valid=*/true, state);
      }
    }
  }
}

void LearnAddConstraint(const Statement& stmt, const std::string& table, JsonValue c,
                        LintState& state) {
  std::string name(c["conname"].str());
  bool not_valid = c["skip_validation"].is_true();
  if (not_valid && !name.empty() && state.file.txn.open) {
    state.file.txn.not_valid_added[{table, name}] = stmt.begin;
  }
  std::string_view type = c["contype"].str();
  if (type == "CONSTR_CHECK") {
    LearnCheck(table, c, !not_valid, state);
  } else if (type == "CONSTR_PRIMARY") {
    for (std::string_view key : StringList(c["keys"])) {
      state.schema->not_null_proven.insert({table, std::string(key)});
    }
  }
}

void LearnAlterTable(const Statement& stmt, LintState& state) {
  RelationName rel = Relation(stmt.body["relation"]);
  std::string table = rel.key();
  SchemaMemory& schema = *state.schema;
  for (JsonValue wrapped : stmt.body["cmds"]) {
    JsonValue cmd = wrapped.inner();
    std::string_view subtype = cmd["subtype"].str();
    std::string column(cmd["name"].str());
    if (subtype == "AT_AddColumn") {
      ColumnDefFacts facts = ReadColumnDef(cmd["def"].inner());
      schema.tables[table][facts.name] = KnownColumn{facts.type};
      if (facts.not_null) schema.not_null_proven.insert({table, facts.name});
      LearnColumnConstraints(table, cmd["def"].inner(), /*create_table=*/false, state);
    } else if (subtype == "AT_DropColumn") {
      auto it = schema.tables.find(table);
      if (it != schema.tables.end()) it->second.erase(column);
      schema.not_null_proven.erase({table, column});
    } else if (subtype == "AT_AlterColumnType") {
      schema.tables[table][column] = KnownColumn{TypeFromNode(cmd["def"].inner()["typeName"])};
    } else if (subtype == "AT_SetNotNull") {
      schema.not_null_proven.insert({table, column});
    } else if (subtype == "AT_DropNotNull") {
      schema.not_null_proven.erase({table, column});
    } else if (subtype == "AT_AddConstraint") {
      LearnAddConstraint(stmt, table, cmd["def"].inner(), state);
    } else if (subtype == "AT_ValidateConstraint") {
      auto it = schema.not_null_checks.find({table, column});
      if (it == schema.not_null_checks.end()) continue;
      for (const std::string& proven : it->second) schema.not_null_proven.insert({table, proven});
    } else if (subtype == "AT_DropConstraint") {
      schema.not_null_checks.erase({table, column});
    }
  }
}

// What is known about a table's columns and CHECKs follows it to its new name.
void MoveTableFacts(SchemaMemory& schema, const std::string& from, const std::string& to) {
  std::set<TableColumn> proven;
  for (const TableColumn& key : schema.not_null_proven) {
    proven.insert(key.first == from ? TableColumn{to, key.second} : key);
  }
  schema.not_null_proven = std::move(proven);
  std::map<TableColumn, std::vector<std::string>> checks;
  for (auto& [key, columns] : schema.not_null_checks) {
    checks[key.first == from ? TableColumn{to, key.second} : key] = std::move(columns);
  }
  schema.not_null_checks = std::move(checks);
}

void LearnRename(const Statement& stmt, LintState& state) {
  std::string_view type = stmt.body["renameType"].str();
  RelationName rel = Relation(stmt.body["relation"]);
  std::string to(stmt.body["newname"].str());
  SchemaMemory& schema = *state.schema;
  if (type == "OBJECT_COLUMN") {
    auto table = schema.tables.find(rel.key());
    std::string from(stmt.body["subname"].str());
    if (table != schema.tables.end()) {
      auto column = table->second.find(from);
      if (column != table->second.end()) {
        KnownColumn known = column->second;
        table->second.erase(column);
        table->second[to] = known;
      }
    }
    if (schema.not_null_proven.erase({rel.key(), from})) {
      schema.not_null_proven.insert({rel.key(), to});
    }
    // A CHECK follows its column's new name, as the server's does.
    for (auto& [key, columns] : schema.not_null_checks) {
      if (key.first != rel.key()) continue;
      std::replace(columns.begin(), columns.end(), from, to);
    }
  } else if (type == "OBJECT_TABCONSTRAINT") {
    auto check =
        schema.not_null_checks.extract({rel.key(), std::string(stmt.body["subname"].str())});
    if (check) {
      check.key() = {rel.key(), to};
      schema.not_null_checks.insert(std::move(check));
    }
  } else if (type == "OBJECT_TABLE") {
    auto table = schema.tables.find(rel.key());
    if (table != schema.tables.end()) {
      auto columns = std::move(table->second);
      schema.tables.erase(table);
      schema.tables[to] = std::move(columns);
    }
    if (state.file.created_tables.erase(rel.key())) state.file.created_tables.insert(to);
    MoveTableFacts(schema, rel.key(), to);
  }
}

void LearnDrop(const Statement& stmt, LintState& state) {
  std::string_view type = stmt.body["removeType"].str();
  for (JsonValue object : stmt.body["objects"]) {
    std::vector<std::string_view> names = StringList(object.inner()["items"]);
    if (names.empty()) continue;
    std::string name(names.back());
    if (type == "OBJECT_TABLE") {
      state.schema->tables.erase(name);
      state.file.created_tables.erase(name);
    } else if (type == "OBJECT_INDEX") {
      state.schema->index_tables.erase(name);
      state.file.created_indexes.erase(name);
    }
  }
}

Volatility DeclaredVolatility(JsonValue options) {
  JsonValue volatility = FindDefElem(options, "volatility");
  std::string_view value = StringNode(volatility["arg"]);
  if (value == "immutable") return Volatility::kImmutable;
  if (value == "stable") return Volatility::kStable;
  return Volatility::kVolatile;
}

void LearnSchema(const Statement& stmt, LintState& state) {
  std::string_view type = stmt.type;
  if (type == "CreateStmt") {
    LearnCreateTable(stmt, state);
  } else if (type == "CreateTableAsStmt") {
    JsonValue into = stmt.body["into"]["rel"];
    state.file.created_tables.insert(Relation(into).key());
  } else if (type == "AlterTableStmt") {
    LearnAlterTable(stmt, state);
  } else if (type == "RenameStmt") {
    LearnRename(stmt, state);
  } else if (type == "DropStmt") {
    LearnDrop(stmt, state);
  } else if (type == "IndexStmt") {
    std::string name(stmt.body["idxname"].str());
    if (!name.empty()) {
      state.schema->index_tables[name] = Relation(stmt.body["relation"]).key();
      state.file.created_indexes.insert(name);
    }
  } else if (type == "CreateFunctionStmt") {
    std::vector<std::string_view> names = StringList(stmt.body["funcname"]);
    if (!names.empty()) {
      state.schema->functions[std::string(names.back())] = DeclaredVolatility(stmt.body["options"]);
    }
  }
}

void ApplyLocks(const Statement& stmt, const Effect& effect, LintState& state) {
  TransactionState& txn = state.file.txn;
  if (!txn.open) return;  // autocommit: the statement's locks went with its own commit
  for (const TableLock& lock : effect.locks) {
    HeldLock& held = txn.held[lock.table];
    if (lock.mode > held.mode) {
      held = HeldLock{lock.mode, stmt.begin, lock.display, Snippet(stmt.text)};
    }
  }
}

}  // namespace

void ApplyStatement(const Statement& stmt, const Effect& effect, LintState& state) {
  if (stmt.type == "TransactionStmt") {
    ApplyTransaction(stmt, state);
    return;
  }
  ApplyTimeouts(stmt, state);
  ApplyLocks(stmt, effect, state);
  LearnSchema(stmt, state);
}

}  // namespace zs::lint

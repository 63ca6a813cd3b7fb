#include "lint/classify.h"

#include <algorithm>
#include <string_view>

#include "lint/analysis.h"
#include "lint/tree.h"

namespace zs::lint {
namespace {

void AddLock(Effect& effect, const RelationName& rel, LockMode mode) {
  if (rel.name.empty() || mode == LockMode::kNone) return;
  for (TableLock& lock : effect.locks) {
    if (lock.table == rel.key()) {
      lock.mode = std::max(lock.mode, mode);
      return;
    }
  }
  effect.locks.push_back({rel.key(), rel.Display(), mode});
}

void Raise(Effect& effect, Cost cost) { effect.cost = std::max(effect.cost, cost); }

// Every table a query reads (RangeVars anywhere under `node`).
void AddReadTables(Effect& effect, JsonValue node, LockMode mode) {
  node.ForEachDescendant([&](JsonValue value) {
    if (value.key() == "RangeVar" && value.is_object()) AddLock(effect, Relation(value), mode);
  });
}

Cost AddColumnCost(const Statement& stmt, JsonValue def, const LintState& state,
                   const Catalog& catalog, Effect& effect) {
  ColumnDefFacts column = ReadColumnDef(def);
  if (column.foreign_key.exists()) {
    AddLock(effect, Relation(column.foreign_key["pktable"]), LockMode::kShareRowExclusive);
  }
  if (AddColumnRewriteReason(stmt, column, state, catalog)) return Cost::kRewrite;
  bool scans = column.check_constraint.exists() || column.foreign_key.exists() ||
               column.unique_constraint.exists() ||
               (column.not_null && !column.default_expr.exists());
  return scans ? Cost::kScan : Cost::kInstant;
}

// One ALTER TABLE subcommand: its lock on the table, and its cost.
LockMode AlterCommand(const Statement& stmt, const RelationName& rel, JsonValue cmd,
                      const LintState& state, const Catalog& catalog, Effect& effect) {
  std::string_view subtype = cmd["subtype"].str();
  if (subtype == "AT_AddColumn") {
    Raise(effect, AddColumnCost(stmt, cmd["def"].inner(), state, catalog, effect));
    return LockMode::kAccessExclusive;
  }
  if (subtype == "AT_AlterColumnType") {
    TypeChange change = AlterTypeVerdict(cmd, rel.key(), state, catalog);
    Raise(effect, change.rewrite == Rewrite::kNo ? Cost::kInstant : Cost::kRewrite);
    return LockMode::kAccessExclusive;
  }
  if (subtype == "AT_SetNotNull") {
    bool proven = state.schema->not_null_proven.count({rel.key(), std::string(cmd["name"].str())});
    Raise(effect, proven ? Cost::kInstant : Cost::kScan);
    return LockMode::kAccessExclusive;
  }
  if (subtype == "AT_AddConstraint") {
    JsonValue c = cmd["def"].inner();
    std::string_view type = c["contype"].str();
    bool validates = !c["skip_validation"].is_true();
    if (type == "CONSTR_FOREIGN") {
      AddLock(effect, Relation(c["pktable"]), LockMode::kShareRowExclusive);
      Raise(effect, validates ? Cost::kScan : Cost::kInstant);
      return LockMode::kShareRowExclusive;
    }
    if (type == "CONSTR_CHECK") {
      Raise(effect, validates ? Cost::kScan : Cost::kInstant);
    } else if (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") {
      Raise(effect, c["indexname"].exists() ? Cost::kInstant : Cost::kScan);
    } else if (type == "CONSTR_EXCLUSION") {
      Raise(effect, Cost::kScan);
    } else {
      Raise(effect, Cost::kInstant);
    }
    return LockMode::kAccessExclusive;
  }
  if (subtype == "AT_ValidateConstraint") {
    Raise(effect, Cost::kScan);
    return LockMode::kShareUpdateExclusive;
  }
  if (subtype == "AT_SetTableSpace" || subtype == "AT_SetLogged" || subtype == "AT_SetUnLogged" ||
      subtype == "AT_SetAccessMethod") {
    Raise(effect, Cost::kRewrite);
    return LockMode::kAccessExclusive;
  }
  if (subtype == "AT_AttachPartition") {
    JsonValue partition = cmd["def"].inner()["name"];
    AddLock(effect, Relation(partition), LockMode::kAccessExclusive);
    Raise(effect, Cost::kScan);
    return LockMode::kShareUpdateExclusive;
  }
  if (subtype == "AT_DetachPartition") {
    bool concurrent = cmd["def"].inner()["concurrent"].is_true();
    if (concurrent) effect.non_transactional = true;
    AddLock(effect, Relation(cmd["def"].inner()["name"]), LockMode::kAccessExclusive);
    Raise(effect, Cost::kInstant);
    return concurrent ? LockMode::kShareUpdateExclusive : LockMode::kAccessExclusive;
  }
  Raise(effect, Cost::kInstant);
  if (subtype == "AT_DetachPartitionFinalize" || subtype == "AT_SetStatistics" ||
      subtype == "AT_SetOptions" || subtype == "AT_ResetOptions" || subtype == "AT_ClusterOn" ||
      subtype == "AT_DropCluster" || subtype == "AT_SetRelOptions" ||
      subtype == "AT_ResetRelOptions") {
    return LockMode::kShareUpdateExclusive;
  }
  if (subtype.starts_with("AT_EnableTrig") || subtype.starts_with("AT_DisableTrig") ||
      subtype.starts_with("AT_EnableAlwaysTrig") || subtype.starts_with("AT_EnableReplicaTrig")) {
    return LockMode::kShareRowExclusive;
  }
  return LockMode::kAccessExclusive;
}

void ClassifyAlterTable(const Statement& stmt, const LintState& state, const Catalog& catalog,
                        Effect& effect) {
  RelationName rel = Relation(stmt.body["relation"]);
  LockMode mode = LockMode::kNone;
  for (JsonValue cmd : stmt.body["cmds"]) {
    mode = std::max(mode, AlterCommand(stmt, rel, cmd.inner(), state, catalog, effect));
  }
  // ALTER INDEX locks the index's table.
  if (stmt.body["objtype"].str() == "OBJECT_INDEX") {
    auto it = state.schema->index_tables.find(rel.key());
    if (it != state.schema->index_tables.end()) rel = RelationName{"", it->second, -1};
  }
  AddLock(effect, rel, mode);
}

void ClassifyDrop(const Statement& stmt, const LintState& state, Effect& effect) {
  std::string_view type = stmt.body["removeType"].str();
  bool concurrent = stmt.body["concurrent"].is_true();
  Raise(effect, Cost::kInstant);
  for (JsonValue object : stmt.body["objects"]) {
    std::vector<std::string_view> names = StringList(object.inner()["items"]);
    if (names.empty()) continue;
    RelationName rel{names.size() > 1 ? std::string(names[names.size() - 2]) : "",
                     std::string(names.back()), -1};
    if (type == "OBJECT_TABLE" || type == "OBJECT_MATVIEW" || type == "OBJECT_VIEW") {
      AddLock(effect, rel, LockMode::kAccessExclusive);
    } else if (type == "OBJECT_INDEX") {
      if (concurrent) effect.non_transactional = true;
      auto it = state.schema->index_tables.find(rel.key());
      RelationName table =
          it != state.schema->index_tables.end() ? RelationName{"", it->second, -1} : rel;
      AddLock(effect, table,
              concurrent ? LockMode::kShareUpdateExclusive : LockMode::kAccessExclusive);
    } else if (type == "OBJECT_TRIGGER" || type == "OBJECT_RULE" || type == "OBJECT_POLICY") {
      // DROP TRIGGER t ON table: the table is every name but the last.
      if (names.size() >= 2) {
        RelationName table{names.size() > 2 ? std::string(names[names.size() - 3]) : "",
                           std::string(names[names.size() - 2]), -1};
        AddLock(effect, table, LockMode::kAccessExclusive);
      }
    }
  }
}

void ClassifyReindex(const Statement& stmt, const LintState& state, Effect& effect) {
  bool concurrent = OptionIsOn(stmt.body["params"], "concurrently");
  if (concurrent) effect.non_transactional = true;
  Raise(effect, Cost::kScan);
  RelationName rel = Relation(stmt.body["relation"]);
  if (stmt.body["kind"].str() == "REINDEX_OBJECT_INDEX") {
    auto it = state.schema->index_tables.find(rel.key());
    if (it != state.schema->index_tables.end()) rel = RelationName{"", it->second, -1};
  }
  AddLock(effect, rel, concurrent ? LockMode::kShareUpdateExclusive : LockMode::kShare);
}

void ClassifyVacuum(const Statement& stmt, Effect& effect) {
  bool vacuum = stmt.body["is_vacuumcmd"].is_true();
  bool is_full = OptionIsOn(stmt.body["options"], "full");
  if (vacuum) effect.non_transactional = true;
  Raise(effect, is_full ? Cost::kRewrite : Cost::kScan);
  for (JsonValue rel : stmt.body["rels"]) {
    AddLock(effect, Relation(rel.inner()["relation"]),
            is_full ? LockMode::kAccessExclusive : LockMode::kShareUpdateExclusive);
  }
}

void ClassifySelect(const Statement& stmt, Effect& effect) {
  bool any_table = false;
  stmt.body.ForEachDescendant([&](JsonValue value) {
    if (value.key() == "RangeVar" && value.is_object()) any_table = true;
    if (value.type() == "FuncCall" && FuncName(value.inner()) == "set_config") {
      effect.session_setting = true;
    }
  });
  if (!any_table) {
    Raise(effect, effect.session_setting ? Cost::kNone : Cost::kInstant);
    return;
  }
  AddReadTables(effect, stmt.body, LockMode::kAccessShare);
  Raise(effect, Cost::kData);
}

// The statement an EXPLAIN explains, as a statement of its own.
Statement Explained(const Statement& explain) {
  Statement inner = explain;
  inner.node = explain.body["query"];
  inner.type = inner.node.type();
  inner.body = inner.node.inner();
  return inner;
}

}  // namespace

Effect Classify(const Statement& stmt, const LintState& state, const Catalog& catalog) {
  Effect effect;
  if (!stmt.parsed()) return effect;
  std::string_view type = stmt.type;
  JsonValue body = stmt.body;
  if (type == "TransactionStmt") {
    effect.transaction_control = true;
    std::string_view kind = body["kind"].str();
    // Like VACUUM, these refuse to run inside a transaction block.
    effect.non_transactional =
        kind == "TRANS_STMT_COMMIT_PREPARED" || kind == "TRANS_STMT_ROLLBACK_PREPARED";
  } else if (type == "ExplainStmt") {
    // EXPLAIN (ANALYZE) runs the statement it explains, with all its locks
    // and writes; EXPLAIN alone, or (ANALYZE false), only plans it.
    if (OptionIsOn(body["options"], "analyze")) return Classify(Explained(stmt), state, catalog);
    Raise(effect, Cost::kInstant);
  } else if (type == "VariableSetStmt" || type == "VariableShowStmt") {
    effect.session_setting = true;
  } else if (type == "AlterTableStmt") {
    ClassifyAlterTable(stmt, state, catalog, effect);
  } else if (type == "RenameStmt") {
    Raise(effect, Cost::kInstant);
    bool index = body["renameType"].str() == "OBJECT_INDEX";
    AddLock(effect, Relation(body["relation"]),
            index ? LockMode::kShareUpdateExclusive : LockMode::kAccessExclusive);
  } else if (type == "IndexStmt") {
    bool concurrent = body["concurrent"].is_true();
    if (concurrent) effect.non_transactional = true;
    Raise(effect, Cost::kScan);
    AddLock(effect, Relation(body["relation"]),
            concurrent ? LockMode::kShareUpdateExclusive : LockMode::kShare);
  } else if (type == "DropStmt") {
    ClassifyDrop(stmt, state, effect);
  } else if (type == "ReindexStmt") {
    ClassifyReindex(stmt, state, effect);
  } else if (type == "VacuumStmt") {
    ClassifyVacuum(stmt, effect);
  } else if (type == "ClusterStmt") {
    Raise(effect, Cost::kRewrite);
    AddLock(effect, Relation(body["relation"]), LockMode::kAccessExclusive);
  } else if (type == "UpdateStmt" || type == "DeleteStmt" || type == "MergeStmt") {
    effect.dml = true;
    Raise(effect, Cost::kData);
    AddReadTables(effect, body, LockMode::kAccessShare);
    AddLock(effect, Relation(body["relation"]), LockMode::kRowExclusive);
  } else if (type == "InsertStmt") {
    effect.dml = true;
    JsonValue select = body["selectStmt"];
    bool reads = false;
    select.ForEachDescendant([&](JsonValue v) { reads |= v.key() == "RangeVar"; });
    Raise(effect, reads ? Cost::kData : Cost::kInstant);
    AddReadTables(effect, select, LockMode::kAccessShare);
    AddLock(effect, Relation(body["relation"]), LockMode::kRowExclusive);
  } else if (type == "CopyStmt") {
    bool from = body["is_from"].is_true();
    effect.dml = from;
    Raise(effect, Cost::kData);
    AddLock(effect, Relation(body["relation"]),
            from ? LockMode::kRowExclusive : LockMode::kAccessShare);
  } else if (type == "SelectStmt") {
    ClassifySelect(stmt, effect);
  } else if (type == "CreateTableAsStmt") {
    Raise(effect, Cost::kData);
    AddReadTables(effect, body["query"], LockMode::kAccessShare);
  } else if (type == "RefreshMatViewStmt") {
    Raise(effect, Cost::kData);
    AddLock(effect, Relation(body["relation"]),
            body["concurrent"].is_true() ? LockMode::kExclusive : LockMode::kAccessExclusive);
  } else if (type == "LockStmt") {
    Raise(effect, Cost::kInstant);
    int64_t mode = body["mode"].int_or(8);
    LockMode lock =
        mode >= 1 && mode <= 8 ? static_cast<LockMode>(mode) : LockMode::kAccessExclusive;
    for (JsonValue rel : body["relations"]) AddLock(effect, Relation(rel.inner()), lock);
  } else if (type == "TruncateStmt") {
    Raise(effect, Cost::kInstant);
    for (JsonValue rel : body["relations"]) {
      AddLock(effect, Relation(rel.inner()), LockMode::kAccessExclusive);
    }
  } else if (type == "CreateTrigStmt") {
    Raise(effect, Cost::kInstant);
    AddLock(effect, Relation(body["relation"]), LockMode::kShareRowExclusive);
  } else if (type == "CreateStmt") {
    Raise(effect, Cost::kInstant);
    body.ForEachDescendant([&](JsonValue v) {
      if (v.key() == "pktable" && v.is_object()) {
        AddLock(effect, Relation(v), LockMode::kShareRowExclusive);
      }
    });
  } else if (type == "DoStmt" || type == "CallStmt") {
    Raise(effect, Cost::kUnknown);
  } else if (type == "AlterDomainStmt") {
    JsonValue c = body["def"].inner();
    bool validates = c["contype"].str() == "CONSTR_CHECK" && !c["skip_validation"].is_true();
    Raise(effect, validates ? Cost::kScan : Cost::kInstant);
  } else if (type == "CreatedbStmt" || type == "DropdbStmt" || type == "AlterSystemStmt") {
    effect.non_transactional = true;
    Raise(effect, Cost::kInstant);
  } else {
    Raise(effect, Cost::kInstant);
  }
  return effect;
}

}  // namespace zs::lint

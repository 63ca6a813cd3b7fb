#include "ops/set_replica_identity/set_replica_identity.h"

#include "ops/operation_sql.h"
#include "ops/set_replica_identity/mariadb_set_replica_identity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "pg/quote.h"

namespace zs::ops {

namespace {

// ALTER TABLE ... REPLICA IDENTITY for relreplident `code` (and its index).
Action IdentityAction(const std::string& id, const std::string& schema, const std::string& table,
                      const std::string& code, const std::string& index) {
  std::string identity = code == "f"     ? "FULL"
                         : code == "n"   ? "NOTHING"
                         : code == "d"   ? "DEFAULT"
                         : index.empty() ? "NOTHING"  // "i" whose index is gone acts as NOTHING
                                         : "USING INDEX " + pg::QuoteIdent(index);
  return {.id = id,
          .sql = fmt::format("ALTER TABLE {} REPLICA IDENTITY {};",
                             pg::QualifiedName(schema, table), identity),
          .lock = Lock::kAccessExclusive,
          .table = table};
}

}  // namespace

std::string SetReplicaIdentity::Code() const {
  std::string type = op_.identity_type;
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (type == "default") return "d";
  if (type == "full") return "f";
  if (type == "nothing") return "n";
  if (type == "index") return "i";
  return "";
}

Status SetReplicaIdentity::ValidateIndex(const OpContext& ctx, const schema::Table& table) const {
  std::string what = fmt::format("{}: index \"{}\" cannot be the replica identity of table \"{}\"",
                                 ctx.where, op_.index, op_.table);
  if (op_.index.empty()) {
    return InvalidInput(ctx.where +
                        ": identity type index needs `index`: the name of a unique "
                        "index on table \"" +
                        op_.table + "\"");
  }
  auto index = std::find_if(table.indexes.begin(), table.indexes.end(),
                            [&](const schema::Index& i) { return i.name == op_.index; });
  if (index == table.indexes.end()) {
    return NotFound(fmt::format("{}: table \"{}\" has no index \"{}\"; name a unique index of it",
                                ctx.where, op_.table, op_.index));
  }
  if (!index->unique || !index->valid) {
    return InvalidInput(what + ": it must be a valid unique index");
  }
  if (index->columns.empty() || index->definition.find(" WHERE ") != std::string::npos) {
    return InvalidInput(what + ": it must not be partial nor on expressions");
  }
  for (const auto& physical : index->columns) {
    const schema::Column* column = table.FindPhysicalColumn(physical);
    if (column == nullptr || column->nullable) {
      return InvalidInput(fmt::format("{}: its column \"{}\" must be NOT NULL", what, physical));
    }
  }
  for (const auto& constraint : table.constraints) {
    if (constraint.name == op_.index &&
        constraint.definition.find("DEFERRABLE") != std::string::npos) {
      return InvalidInput(what + ": its constraint is DEFERRABLE");
    }
  }
  return Status::Ok();
}

Status SetReplicaIdentity::CheckIntent(const OpContext& ctx) const {
  ZS_ASSIGN_OR_RETURN(const schema::Table* table, RequireTable(ctx, op_.table));
  std::string code = Code();
  if (code.empty()) {
    return InvalidInput(
        fmt::format("{}: replica identity type \"{}\" is not one of default, full, nothing, index",
                    ctx.where, op_.identity_type));
  }
  if (code == "i") return ValidateIndex(ctx, *table);
  return Status::Ok();  // `index` is ignored for the other types, as pgroll does
}

void SetReplicaIdentity::Apply(const OpContext&, schema::Schema& schema) const {
  schema::Table& table = *schema.FindTable(op_.table);
  table.replica_identity = Code();
  table.replica_identity_index = table.replica_identity == "i" ? op_.index : "";
}

Result<std::vector<Action>> SetReplicaIdentity::PostgresStart(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  return std::vector<Action>{IdentityAction("set_replica_identity:" + op_.table, ctx.before->name,
                                            table.physical_name, Code(), op_.index)};
}

Result<std::vector<Action>> SetReplicaIdentity::PostgresComplete(const OpContext&) const {
  return std::vector<Action>{};
}

Result<std::vector<Action>> SetReplicaIdentity::PostgresRollback(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  return std::vector<Action>{IdentityAction("set_replica_identity:" + op_.table + ":restore",
                                            ctx.before->name, table.physical_name,
                                            table.replica_identity, table.replica_identity_index)};
}

// The checks of the operation's intent, then what the database refuses.
Status SetReplicaIdentity::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbSetReplicaIdentitySql()).Supports(*this, ctx);
}

Result<std::vector<Action>> SetReplicaIdentity::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbSetReplicaIdentitySql()).Start(*this, ctx);
}

Result<std::vector<Action>> SetReplicaIdentity::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbSetReplicaIdentitySql()).Complete(*this, ctx);
}

Result<std::vector<Action>> SetReplicaIdentity::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbSetReplicaIdentitySql()).Rollback(*this, ctx);
}

}  // namespace zs::ops

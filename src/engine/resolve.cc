#include "engine/resolve.h"

#include <fmt/format.h>

#include "backend/postgres_backend.h"
#include "pg/connection.h"
#include "pg/quote.h"
#include "pg/session.h"

namespace zs::engine {

namespace {

constexpr const char* kRow = "zs_row";

// serial types exist only in CREATE TABLE; a variable holds the integer.
std::string StorageType(const std::string& type) {
  if (type == "serial" || type == "serial4") return "integer";
  if (type == "bigserial" || type == "serial8") return "bigint";
  if (type == "smallserial" || type == "serial2") return "smallint";
  return type;
}

// Every function, operator (and the function behind it) and domain the
// probe view depends on whose owner is neither a superuser nor the table's
// owner (nor, for a table this migration creates, the role running it).
constexpr const char* kUntrustedSql = R"(
WITH deps AS (
  SELECT DISTINCT d.refclassid, d.refobjid
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_rewrite rw
    ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = rw.oid
  WHERE rw.ev_class = 'pg_temp.zs_probe_view'::pg_catalog.regclass
), objects AS (
  SELECT 'function ' || p.oid::pg_catalog.regprocedure::text AS what, p.proowner AS owner
  FROM deps JOIN pg_catalog.pg_proc p
    ON deps.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = deps.refobjid
  UNION ALL
  SELECT 'operator ' || o.oid::pg_catalog.regoperator::text, o.oprowner
  FROM deps JOIN pg_catalog.pg_operator o
    ON deps.refclassid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND o.oid = deps.refobjid
  UNION ALL
  SELECT 'function ' || p.oid::pg_catalog.regprocedure::text || ' (behind operator ' ||
         o.oid::pg_catalog.regoperator::text || ')', p.proowner
  FROM deps JOIN pg_catalog.pg_operator o
    ON deps.refclassid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND o.oid = deps.refobjid
  JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode::pg_catalog.oid
  UNION ALL
  SELECT 'domain ' || pg_catalog.format_type(t.oid, NULL), t.typowner
  FROM deps JOIN pg_catalog.pg_type t
    ON deps.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = deps.refobjid
  WHERE t.typtype = 'd'
)
SELECT o.what, r.rolname
FROM objects o JOIN pg_catalog.pg_roles r ON r.oid = o.owner
WHERE NOT r.rolsuper
  AND o.owner <> coalesce(
        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1)),
        (SELECT u.oid FROM pg_catalog.pg_roles u WHERE u.rolname = CURRENT_USER))
ORDER BY 1)";

// The expression out of "SELECT <expr> AS zs_expr FROM pg_temp_N.zs_probe zs_row;".
Result<std::string> ExpressionOfViewDef(const std::string& viewdef, const std::string& what) {
  // The deparser may break the line after SELECT (a CASE does): any white space.
  size_t begin = viewdef.find("SELECT");
  if (begin != std::string::npos) begin = viewdef.find_first_not_of(" \t\n", begin + 6);
  size_t end = viewdef.rfind(" AS zs_expr");
  if (begin == std::string::npos || end == std::string::npos || end <= begin ||
      viewdef.find("FROM", end) == std::string::npos) {
    return Internal(
        fmt::format("{}: unexpected deparsed form of the expression: {}", what, viewdef));
  }
  return "(" + viewdef.substr(begin, end - begin) + ")";
}

Result<std::string> ResolveInTransaction(pg::Connection& conn, const ExpressionToResolve& e) {
  ZS_RETURN_IF_ERROR(conn.RunParams("SELECT pg_catalog.set_config('search_path', $1, true)",
                                    {pg::PinnedSearchPath(e.schema)}));
  std::string columns;
  for (const auto& [name, type] : e.variables) {
    columns += (columns.empty() ? "" : ", ") + pg::QuoteIdent(name) + " " + StorageType(type);
  }
  ZS_RETURN_IF_ERROR(
      conn.Run("CREATE TEMP TABLE zs_probe (" + columns + ") ON COMMIT DROP")
          .WithContext(fmt::format("{}: the types of the columns it reads", e.what)));
  ZS_RETURN_IF_ERROR(conn.Run(fmt::format(
      "CREATE TEMP VIEW zs_probe_view AS SELECT ({}) AS zs_expr FROM pg_temp.zs_probe AS {}",
      e.expression, kRow)));
  // From here names print qualified: in the message, and in the expression.
  ZS_RETURN_IF_ERROR(conn.Run("SET LOCAL search_path = ''"));
  ZS_ASSIGN_OR_RETURN(pg::Rows untrusted,
                      conn.ExecParams(kUntrustedSql, {pg::QualifiedName(e.schema, e.table)}));
  if (!untrusted.empty()) {
    std::string list;
    for (int i = 0; i < untrusted.size(); ++i) {
      list += fmt::format("{}{}, owned by role \"{}\"", i == 0 ? "" : "; ", untrusted.Get(i, 0),
                          untrusted.Get(i, 1));
    }
    return Status(
        Code::kInvalidInput,
        fmt::format(
            "{}: `{}` calls {}, whose owner is neither a superuser nor the owner of table "
            "\"{}\".\"{}\": it would run as every role that writes the table and as zeroshift. "
            "Qualify the call with the schema of the function you mean (e.g. pg_catalog), or have "
            "a trusted role own it (ALTER FUNCTION ... OWNER TO ...)",
            e.what, e.expression, list, e.schema, e.table),
        "42501");
  }
  ZS_ASSIGN_OR_RETURN(pg::Rows viewdef, conn.Exec("SELECT pg_catalog.pg_get_viewdef("
                                                  "'pg_temp.zs_probe_view'::pg_catalog.regclass)"));
  return ExpressionOfViewDef(viewdef.Get(0, 0), e.what);
}

}  // namespace

Result<std::string> ResolveExpression(pg::Connection& conn, const ExpressionToResolve& e) {
  ZS_RETURN_IF_ERROR(conn.Run("BEGIN"));
  Result<std::string> resolved = ResolveInTransaction(conn, e);
  Status end = conn.Run("ROLLBACK");
  if (!resolved.ok()) return resolved;
  ZS_RETURN_IF_ERROR(end);
  return resolved;
}

Result<std::vector<std::pair<std::string, std::string>>> VariableTypes(
    const triggers::TriggerSpec& spec, const std::vector<schema::Schema>& snapshots) {
  std::vector<std::pair<std::string, std::string>> typed;
  for (const auto& [variable, physical] : spec.variables) {
    const schema::Column* found = nullptr;
    for (auto it = snapshots.rbegin(); it != snapshots.rend() && found == nullptr; ++it) {
      const schema::Table* table = it->FindPhysicalTable(spec.table);
      if (table != nullptr) found = table->FindPhysicalColumn(physical);
    }
    if (found == nullptr) {
      return Internal(fmt::format("trigger {}: no snapshot has column \"{}\" of table \"{}\"",
                                  spec.name, physical, spec.table));
    }
    typed.emplace_back(variable, found->type);
  }
  return typed;
}

namespace {

std::vector<std::pair<std::string, std::string>> ColumnsOf(const schema::Table& table) {
  std::vector<std::pair<std::string, std::string>> columns;
  for (const auto& column : table.columns) columns.emplace_back(column.name, column.type);
  return columns;
}

// Collects the stored expressions of one operation into `out`.
class StoredExpressionCollector {
 public:
  StoredExpressionCollector(const migration::Operation& op, const schema::Schema& before,
                            const schema::Schema& after, std::vector<ExpressionToResolve>& out)
      : where_(op.location.ToString() + " " + op.kind), before_(before), after_(after), out_(out) {}

  void Collect(const migration::OperationBody& body) {
    if (const auto* op = std::get_if<migration::OpCreateTable>(&body)) {
      for (const auto& column : op->columns) Column(op->name, column);
      for (const auto& constraint : op->constraints) {
        Add(after_, op->name, constraint.check, "constraint " + constraint.name + " check");
        if (constraint.exclude) {
          Add(after_, op->name, constraint.exclude->predicate,
              "constraint " + constraint.name + " where");
        }
      }
    } else if (const auto* op = std::get_if<migration::OpAddColumn>(&body)) {
      Column(op->table, op->column);
    } else if (const auto* op = std::get_if<migration::OpAlterColumn>(&body)) {
      if (op->default_value && !op->default_value->is_null) {
        Add(after_, op->table, op->default_value->value, op->column + " default");
      }
      if (op->check) Add(after_, op->table, op->check->constraint, op->column + " check");
    } else if (const auto* op = std::get_if<migration::OpCreateIndex>(&body)) {
      Add(before_, op->table, op->predicate, "index " + op->name + " predicate");
    } else if (const auto* op = std::get_if<migration::OpCreateConstraint>(&body)) {
      Add(before_, op->table, op->check, "constraint " + op->name + " check");
    }
  }

 private:
  void Column(const std::string& table, const migration::Column& column) {
    if (column.default_value) Add(after_, table, *column.default_value, column.name + " default");
    if (column.check) Add(after_, table, column.check->constraint, column.name + " check");
    if (column.generated) {
      Add(after_, table, column.generated->expression, column.name + " generated");
    }
  }

  void Add(const schema::Schema& shape, const std::string& table, const std::string& expression,
           const std::string& field) {
    if (expression.empty()) return;
    const schema::Table* found = shape.FindTable(table);
    if (found == nullptr) return;  // the operation's validation says why
    out_.push_back({.schema = shape.name,
                    .table = found->physical_name,
                    .variables = ColumnsOf(*found),
                    .expression = expression,
                    .what = fmt::format("{} {}.{}", where_, table, field)});
  }

  std::string where_;
  const schema::Schema& before_;
  const schema::Schema& after_;
  std::vector<ExpressionToResolve>& out_;
};

}  // namespace

std::vector<ExpressionToResolve> StoredExpressions(const migration::Migration& migration,
                                                   const std::vector<schema::Schema>& snapshots,
                                                   size_t count) {
  std::vector<ExpressionToResolve> out;
  for (size_t i = 0; i < count && i < migration.operations.size() && i + 1 < snapshots.size();
       ++i) {
    const migration::Operation& op = migration.operations[i];
    StoredExpressionCollector(op, snapshots[i], snapshots[i + 1], out).Collect(op.body);
  }
  return out;
}

Resolvers MakeResolvers(backend::Session& session, const std::string& schema) {
  if (session.backend().kind() != backend::Kind::kPostgres) {
    Status refused =
        Conflict(fmt::format("the resolution of up/down expressions is not implemented on {} yet",
                             session.backend().Name()));
    return Resolvers{
        .resolve = [refused](const triggers::TriggerSpec&, const std::vector<schema::Schema>&)
            -> Result<std::string> { return refused; },
        .check_stored = [refused](const ExpressionToResolve&) { return refused; }};
  }
  pg::Connection& conn = backend::PostgresConnection(session);
  auto own = std::make_shared<std::unique_ptr<pg::Connection>>();
  pg::Connection* parent = &conn;
  auto connection = [own, parent, schema]() -> Result<pg::Connection*> {
    if (!*own) {
      ZS_ASSIGN_OR_RETURN(pg::Connection opened, pg::OpenSibling(*parent, "zeroshift-resolve",
                                                                 pg::PinnedSearchPath(schema)));
      *own = std::make_unique<pg::Connection>(std::move(opened));
    }
    return own->get();
  };
  Resolvers resolvers;
  resolvers.resolve = [connection](
                          const triggers::TriggerSpec& spec,
                          const std::vector<schema::Schema>& snapshots) -> Result<std::string> {
    ZS_ASSIGN_OR_RETURN(pg::Connection * conn, connection());
    ZS_ASSIGN_OR_RETURN(auto variables, VariableTypes(spec, snapshots));
    ExpressionToResolve e{.schema = spec.schema,
                          .table = spec.table,
                          .variables = std::move(variables),
                          .expression = spec.expression,
                          .what = fmt::format("trigger expression {} on \"{}\".\"{}\"", spec.name,
                                              spec.schema, spec.table)};
    Result<std::string> resolved = ResolveExpression(*conn, e);
    // A `down` may name a column its version lacks (accepted with a warning,
    // as pgroll does): it keeps its text and fails only the writes through
    // that version.
    if (!resolved.ok() &&
        backend::Postgres().Classify(resolved.status()) == backend::ErrorClass::kUndefinedColumn &&
        !spec.warnings.empty()) {
      return spec.expression;
    }
    return resolved;
  };
  resolvers.check_stored = [connection](const ExpressionToResolve& e) -> Status {
    ZS_ASSIGN_OR_RETURN(pg::Connection * conn, connection());
    Result<std::string> resolved = ResolveExpression(*conn, e);
    if (!resolved.ok() && backend::Postgres().Classify(resolved.status()) ==
                              backend::ErrorClass::kInsufficientPrivilege) {
      return resolved.status();
    }
    return Status::Ok();
  };
  return resolvers;
}

}  // namespace zs::engine

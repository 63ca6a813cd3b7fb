#include "engine/resolve_mariadb.h"

#include <fmt/format.h>

#include <optional>

#include "backend/mariadb_backend.h"
#include "sqlcheck/mariadb_lexer.h"

namespace zs::engine {

namespace {

// A function the expression calls: `name(` or `qualifier.name(`.
struct MariadbCalledFunction {
  std::string qualifier;  // "" when unqualified
  std::string name;
};

Result<std::vector<MariadbCalledFunction>> MariadbCalledFunctions(const std::string& expression) {
  ZS_ASSIGN_OR_RETURN(auto tokens, sqlcheck::LexMariadb(expression));
  std::vector<sqlcheck::MariadbToken> code;
  for (auto& token : tokens) {
    if (token.kind != sqlcheck::MariadbTokenKind::kComment) code.push_back(std::move(token));
  }
  auto is_name = [](const sqlcheck::MariadbToken& t) {
    return t.kind == sqlcheck::MariadbTokenKind::kWord ||
           t.kind == sqlcheck::MariadbTokenKind::kQuotedName;
  };
  auto is = [](const sqlcheck::MariadbToken& t, const char* symbol) {
    return t.kind == sqlcheck::MariadbTokenKind::kSymbol && t.text == symbol;
  };
  std::vector<MariadbCalledFunction> out;
  for (size_t i = 0; i + 1 < code.size(); ++i) {
    if (!is_name(code[i]) || !is(code[i + 1], "(")) continue;
    MariadbCalledFunction call{.name = code[i].text};
    if (i >= 2 && is(code[i - 1], ".") && is_name(code[i - 2])) call.qualifier = code[i - 2].text;
    out.push_back(std::move(call));
  }
  return out;
}

// Refuses a SQL SECURITY INVOKER function that another user defined.
Status MariadbCheckFunctionTrust(mysql::Connection& conn, const ExpressionToResolve& e) {
  ZS_ASSIGN_OR_RETURN(auto calls, MariadbCalledFunctions(e.expression));
  for (const auto& call : calls) {
    std::string database = call.qualifier.empty() ? e.schema : call.qualifier;
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows rows,
        conn.Exec(fmt::format(
            "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, DEFINER FROM information_schema.ROUTINES WHERE "
            "ROUTINE_TYPE = 'FUNCTION' AND ROUTINE_SCHEMA = {} AND ROUTINE_NAME = {} AND "
            "SECURITY_TYPE = 'INVOKER' AND DEFINER <> CURRENT_USER()",
            mysql::QuoteLiteral(database), mysql::QuoteLiteral(call.name))));
    if (rows.empty()) continue;
    return InvalidInput(
        fmt::format("{}: function {}.{} is SQL SECURITY INVOKER and was defined by {}, not by the "
                    "user zeroshift runs as: the dual-write trigger runs as zeroshift's user, so "
                    "that function would run with zeroshift's privileges for every write; "
                    "recreate it with SQL SECURITY DEFINER, or have zeroshift's user define it",
                    e.what, mysql::QuoteIdentifier(rows.Get(0, 0)),
                    mysql::QuoteIdentifier(rows.Get(0, 1)), rows.Get(0, 2)));
  }
  return Status::Ok();
}

// Switches the session to `database` and back.
class MariadbResolveDatabase {
 public:
  explicit MariadbResolveDatabase(mysql::Connection& conn) : conn_(conn) {}
  ~MariadbResolveDatabase() {
    if (switched_ && previous_) (void)conn_.Run("USE " + mysql::QuoteIdentifier(*previous_));
  }
  MariadbResolveDatabase(const MariadbResolveDatabase&) = delete;
  MariadbResolveDatabase& operator=(const MariadbResolveDatabase&) = delete;

  Status Use(const std::string& database) {
    ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn_.Exec("SELECT DATABASE()"));
    previous_ = rows.GetOptional(0, 0);
    if (previous_ == database) return Status::Ok();
    ZS_RETURN_IF_ERROR(conn_.Run("USE " + mysql::QuoteIdentifier(database)));
    switched_ = true;
    return Status::Ok();
  }

 private:
  mysql::Connection& conn_;
  bool switched_ = false;
  std::optional<std::string> previous_;
};

}  // namespace

Result<std::string> MariadbResolveExpression(mysql::Connection& conn,
                                             const ExpressionToResolve& e) {
  ZS_RETURN_IF_ERROR(MariadbCheckFunctionTrust(conn, e));
  MariadbResolveDatabase database(conn);
  ZS_RETURN_IF_ERROR(database.Use(e.schema));
  std::string row = "SELECT NULL AS `zs_no_variable`";
  if (!e.variables.empty()) {
    row = "SELECT ";
    for (size_t i = 0; i < e.variables.size(); ++i) {
      row += fmt::format("{}NULL AS {}", i == 0 ? "" : ", ",
                         mysql::QuoteIdentifier(e.variables[i].first));
    }
  }
  std::string probe = fmt::format("SELECT ({}\n) FROM ({}) AS zs_row", e.expression, row);
  Status prepared = conn.Run("PREPARE zs_resolve FROM " + mysql::QuoteLiteral(probe));
  if (!prepared.ok()) {
    if (mysql::ErrorNumber(prepared) == 1305) {  // ER_SP_DOES_NOT_EXIST
      return Status(
          prepared.code(),
          fmt::format("{}: {}; on MariaDB a function in an expression is looked up in the "
                      "migration's database {} only (a trigger runs there, and MariaDB has no "
                      "search_path): create it there, or write it schema-qualified "
                      "(other_database.function(...))",
                      e.what, prepared.message(), mysql::QuoteIdentifier(e.schema)),
          prepared.sqlstate());
    }
    return prepared.WithContext(e.what);
  }
  (void)conn.Run("DEALLOCATE PREPARE zs_resolve");
  return e.expression;
}

Resolvers MakeMariadbResolvers(backend::Session& session, const std::string& /*schema*/) {
  mysql::Connection* conn = &backend::MariadbConnection(session);
  Resolvers resolvers;
  resolvers.resolve = [conn](const triggers::TriggerSpec& spec,
                             const std::vector<schema::Schema>& snapshots) -> Result<std::string> {
    ZS_ASSIGN_OR_RETURN(auto variables, VariableTypes(spec, snapshots));
    ExpressionToResolve e{.schema = spec.schema,
                          .table = spec.table,
                          .variables = std::move(variables),
                          .expression = spec.expression,
                          .what = fmt::format("trigger expression {} on {}.{}", spec.name,
                                              mysql::QuoteIdentifier(spec.schema),
                                              mysql::QuoteIdentifier(spec.table))};
    Result<std::string> resolved = MariadbResolveExpression(*conn, e);
    // A `down` may name a column its version lacks (accepted with a warning):
    // it keeps its text, as on PostgreSQL.
    if (!resolved.ok() && mysql::ErrorNumber(resolved.status()) == mysql::errors::kBadField &&
        !spec.warnings.empty()) {
      return spec.expression;
    }
    return resolved;
  };
  // Stored expressions cannot call stored functions on MariaDB (see the header).
  resolvers.check_stored = [](const ExpressionToResolve&) { return Status::Ok(); };
  return resolvers;
}

}  // namespace zs::engine

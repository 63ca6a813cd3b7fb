#include "ops/column_sql.h"

#include <fmt/format.h>

#include <cctype>

#include "ops/mariadb_sql.h"
#include "sqlcheck/expression.h"
#include "sqlcheck/function_calls.h"
#include "sqlcheck/mariadb_lexer.h"

namespace zs::ops {

namespace {

Status ValidateGenerated(const OpContext& ctx, const sqlcheck::VisibleTable& table,
                         const migration::Column& column, const std::string& where) {
  const migration::GeneratedColumn& generated = *column.generated;
  if (generated.identity && !generated.expression.empty()) {
    return InvalidInput(where +
                        ": generated has both `expression` and `identity`; a column is either "
                        "a stored generated column or an identity column, keep one");
  }
  if (!generated.identity && generated.expression.empty()) {
    return InvalidInput(where +
                        ": generated needs `expression` (a stored generated column) or "
                        "`identity` (an identity column)");
  }
  if (column.default_value) {
    return InvalidInput(where + ": a generated column cannot have a `default`; remove it");
  }
  if (generated.identity) {
    const auto& identity = *generated.identity;
    if (identity.user_specified_values != "ALWAYS" &&
        identity.user_specified_values != "BY DEFAULT") {
      return InvalidInput(
          fmt::format("{}: identity user_specified_values \"{}\" is not ALWAYS or BY DEFAULT",
                      where, identity.user_specified_values));
    }
    if (identity.sequence_options.empty()) return Status::Ok();
    return sqlcheck::ValidateSequenceOptions(identity.sequence_options,
                                             where + " identity sequence_options");
  }
  return CheckStoredExpression(ctx, table, generated.expression, where + " generated").status();
}

Status ValidateReferenceNames(sqlcheck::ExpressionChecker& checker,
                              const migration::ForeignKeyReference& ref, const std::string& where) {
  ZS_RETURN_IF_ERROR(checker.CheckIdentifier(ref.name, where + " references name"));
  ZS_RETURN_IF_ERROR(checker.CheckIdentifier(ref.table, where + " references table"));
  ZS_RETURN_IF_ERROR(checker.CheckIdentifier(ref.column, where + " references column"));
  if (ref.match_type == "PARTIAL") {
    return InvalidInput(where +
                        ": MATCH PARTIAL is not implemented by PostgreSQL; use SIMPLE or "
                        "FULL");
  }
  return Status::Ok();
}

}  // namespace

std::string EmbedExpression(const OpContext& ctx, const std::string& expression) {
  if (ctx.backend->kind() == backend::Kind::kMariadb) {
    std::string body = sqlcheck::MariadbWithoutFinalSemicolon(expression);
    while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())) != 0) {
      body.pop_back();
    }
    return "(" + body + ")";  // as MariadbExpressionChecker embeds it
  }
  Result<std::string> validated = sqlcheck::ValidateExpression(expression, "");
  if (!validated.ok()) return "(" + expression + "\n)";
  std::string embedded = std::move(validated).value();
  // ValidateExpression's form is "(...\n)"; the newline only matters after a line comment.
  if (expression.find("--") == std::string::npos && embedded.size() >= 2 &&
      embedded.compare(embedded.size() - 2, 2, "\n)") == 0) {
    embedded.erase(embedded.size() - 2, 1);
  }
  return embedded;
}

std::string ColumnTypeAndDefaultSql(const OpContext& ctx, const migration::Column& column) {
  std::string sql = QuoteIdent(ctx, column.name) + " " + column.type;
  if (column.generated) {
    if (column.generated->identity) {
      const auto& identity = *column.generated->identity;
      sql += fmt::format(" GENERATED {} AS IDENTITY", identity.user_specified_values);
      if (!identity.sequence_options.empty()) sql += " (" + identity.sequence_options + ")";
    } else if (!column.generated->expression.empty()) {
      sql +=
          " GENERATED ALWAYS AS " + EmbedExpression(ctx, column.generated->expression) + " STORED";
    }
  }
  if (column.default_value) sql += " DEFAULT " + EmbedExpression(ctx, *column.default_value);
  return sql;
}

std::string CheckSql(const OpContext& ctx, const migration::CheckConstraint& check) {
  return fmt::format("CONSTRAINT {} CHECK {}{}", QuoteIdent(ctx, check.name),
                     EmbedExpression(ctx, check.constraint), check.no_inherit ? " NO INHERIT" : "");
}

std::string ReferencesSql(const OpContext& ctx, const std::string& schema,
                          const migration::ForeignKeyReference& ref) {
  std::string sql = fmt::format("REFERENCES {} ({})", QualifiedName(ctx, schema, ref.table),
                                QuoteIdent(ctx, ref.column));
  if (ref.match_type != "SIMPLE") sql += " MATCH " + ref.match_type;
  sql += " ON DELETE " + ref.on_delete + " ON UPDATE " + ref.on_update;
  if (ref.deferrable) sql += " DEFERRABLE";
  if (ref.initially_deferred) sql += " INITIALLY DEFERRED";
  return sql;
}

Status ValidateColumnDefinition(const OpContext& ctx, const sqlcheck::VisibleTable& table,
                                const migration::Column& column, const std::string& what) {
  sqlcheck::ExpressionChecker& checker = CheckerFor(ctx);
  std::string where = fmt::format("{} column \"{}\"", what, column.name);
  ZS_RETURN_IF_ERROR(checker.CheckIdentifier(column.name, what + " column name"));
  ZS_RETURN_IF_ERROR(checker.CheckType(column.type, where + " type"));
  if (column.default_value) {
    ZS_RETURN_IF_ERROR(
        CheckStoredExpression(ctx, table, *column.default_value, where + " default").status());
  }
  if (column.check) {
    ZS_RETURN_IF_ERROR(checker.CheckIdentifier(column.check->name, where + " check name"));
    ZS_RETURN_IF_ERROR(
        CheckStoredExpression(ctx, table, column.check->constraint, where + " check").status());
  }
  if (column.generated) ZS_RETURN_IF_ERROR(ValidateGenerated(ctx, table, column, where));
  if (column.references) {
    ZS_RETURN_IF_ERROR(ValidateReferenceNames(checker, *column.references, where));
  }
  return Status::Ok();
}

bool HasVolatileDefault(const OpContext& ctx, const migration::Column& column) {
  if (!column.default_value) return false;
  if (ctx.backend->kind() == backend::Kind::kMariadb) {
    return !MariadbInstantDefault(*column.default_value);
  }
  auto tree = sqlcheck::ParseSql("SELECT " + EmbedExpression(ctx, *column.default_value));
  return !tree.ok() || sqlcheck::CallsVolatileFunction(tree->root());
}

schema::Column ToSchemaColumn(const OpContext& ctx, const migration::Column& column) {
  schema::Column out;
  out.name = column.name;
  out.physical_name = column.name;
  out.type = column.type;
  out.nullable = column.nullable && !column.pk && !(column.generated && column.generated->identity);
  // Embedded form: the version views copy it into SQL of their own.
  if (column.default_value) out.default_expr = EmbedExpression(ctx, *column.default_value);
  out.comment = column.comment;
  if (column.generated) {
    out.generated = !column.generated->expression.empty() && !column.generated->identity;
    // As ReadSchema reports it: the generation expression is the "default".
    if (out.generated) out.default_expr = EmbedExpression(ctx, column.generated->expression);
    if (column.generated->identity) {
      bool always = column.generated->identity->user_specified_values == "ALWAYS";
      out.identity = std::string(1, always ? 'a' : 'd');
    }
  }
  return out;
}

char ConstraintTypeCode(const std::string& type) {
  if (type == "check") return 'c';
  if (type == "primary_key") return 'p';
  if (type == "foreign_key") return 'f';
  if (type == "exclude") return 'x';
  return 'u';
}

}  // namespace zs::ops

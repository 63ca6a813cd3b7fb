#include "ops/create_index/create_index.h"

#include "ops/create_index/mariadb_create_index.h"
#include "ops/operation_sql.h"

#include <fmt/format.h>

#include <algorithm>

#include "ops/column_sql.h"
#include "pg/quote.h"
#include "sqlcheck/expression.h"

namespace zs::ops {

namespace {

constexpr const char* kMethods[] = {"btree", "hash", "gist", "spgist", "gin", "brin"};

std::string Join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

// `"column" [COLLATE "c"] ["opclass" [(params)]] [ASC|DESC] [NULLS FIRST|LAST]`
std::string FieldSql(const OpContext& ctx, const schema::Table& table,
                     const migration::IndexField& field) {
  std::string sql = QuoteIdent(ctx, table.FindColumn(field.column)->physical_name);
  if (!field.collate.empty()) sql += " COLLATE " + QuoteIdent(ctx, field.collate);
  if (field.opclass && !field.opclass->name.empty()) {
    sql += " " + QuoteIdent(ctx, field.opclass->name);
    if (!field.opclass->params.empty()) sql += " (" + Join(field.opclass->params, ", ") + ")";
  }
  if (!field.sort.empty()) sql += " " + field.sort;
  if (!field.nulls.empty()) sql += " NULLS " + field.nulls;
  return sql;
}

}  // namespace

std::string IndexValidCheckSql(const std::string& schema, const std::string& index,
                               const std::string& table) {
  std::string qualified = pg::QualifiedName(schema, index);
  std::string message = fmt::format(
      "index {} on table {} is missing or INVALID after CREATE INDEX CONCURRENTLY (a build that "
      "failed part-way leaves an INVALID index); drop it with DROP INDEX CONCURRENTLY IF EXISTS "
      "{}; (`zeroshift rollback` does), then start the migration again",
      qualified, pg::QuoteIdent(table), qualified);
  // The body is one literal, so no name can end it early.
  std::string body = fmt::format(
      "BEGIN\n"
      "  IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass({}) AND "
      "indisvalid) THEN\n"
      "    RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state', MESSAGE = {};\n"
      "  END IF;\n"
      "END",
      pg::QuoteLiteral(qualified), pg::QuoteLiteral(message));
  return "DO " + pg::QuoteLiteral(body) + ";";
}

std::string DropIndexConcurrentlySql(const std::string& schema, const std::string& index) {
  return "DROP INDEX CONCURRENTLY IF EXISTS " + pg::QualifiedName(schema, index) + ";";
}

Status CreateIndex::ValidateField(const OpContext& ctx, const schema::Table& table,
                                  const migration::IndexField& field) const {
  ZS_RETURN_IF_ERROR(RequireColumn(ctx, table, field.column).status());
  std::string what =
      fmt::format("{} index \"{}\" column \"{}\"", ctx.where, op_.name, field.column);
  if (!field.sort.empty() && field.sort != "ASC" && field.sort != "DESC") {
    return InvalidInput(
        fmt::format("{}: sort \"{}\" is not ASC or DESC; write one of them", what, field.sort));
  }
  if (!field.nulls.empty() && field.nulls != "FIRST" && field.nulls != "LAST") {
    return InvalidInput(
        fmt::format("{}: nulls \"{}\" is not FIRST or LAST; write one of them", what, field.nulls));
  }
  if ((!field.sort.empty() || !field.nulls.empty()) && op_.method != "btree") {
    return InvalidInput(fmt::format(
        "{}: sort and nulls order need a btree index; method {} has no order, remove them", what,
        op_.method));
  }
  if (!field.collate.empty()) {
    ZS_RETURN_IF_ERROR(CheckerFor(ctx).CheckIdentifier(field.collate, what + " collate"));
  }
  if (!field.opclass) return Status::Ok();
  if (field.opclass->name.empty()) {
    return InvalidInput(what + ": opclass needs a name, e.g. `opclass: {name: text_pattern_ops}`");
  }
  ZS_RETURN_IF_ERROR(CheckerFor(ctx).CheckIdentifier(field.opclass->name, what + " opclass name"));
  if (!field.opclass->params.empty()) {
    ZS_RETURN_IF_ERROR(
        sqlcheck::ValidateOptionList(Join(field.opclass->params, ", "), what + " opclass params"));
  }
  return Status::Ok();
}

Status CreateIndex::ValidatePredicate(const OpContext& ctx, const schema::Table& table) const {
  std::string what = fmt::format("{} index \"{}\" predicate", ctx.where, op_.name);
  ZS_ASSIGN_OR_RETURN(sqlcheck::CheckedExpression checked,
                      CheckStoredExpression(ctx, VisibleTableOf(table), op_.predicate, what));
  if (!checked.unknown_columns.empty()) {
    return NotFound(
        fmt::format("{}: `{}` refers to column \"{}\", which table \"{}\" does not have", what,
                    op_.predicate, checked.unknown_columns.front(), op_.table));
  }
  for (const auto& name : checked.columns) {
    const schema::Column* column = table.FindColumn(name);
    if (column == nullptr) continue;  // the checker names only the table's columns
    if (column->physical_name != column->name) {
      // The predicate runs against the table, where the column has another name until complete.
      return InvalidInput(fmt::format(
          "{}: `{}` refers to column \"{}\", which this migration renames or rewrites (it is "
          "\"{}\" in the table until complete); create the index in a later migration",
          what, op_.predicate, name, column->physical_name));
    }
  }
  return Status::Ok();
}

Status CreateIndex::CheckIntent(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(RequireNewIdentifier(ctx, op_.name, "index name"));
  ZS_ASSIGN_OR_RETURN(const schema::Table* table, RequireTable(ctx, op_.table));
  // Indexes and tables share one namespace per schema.
  if (ctx.before->FindIndex(op_.name) != nullptr || ctx.before->FindTable(op_.name) != nullptr ||
      ctx.before->FindPhysicalTable(op_.name) != nullptr) {
    return Conflict(fmt::format(
        "{}: a relation named \"{}\" already exists in schema \"{}\"; choose another index name",
        ctx.where, op_.name, ctx.before->name));
  }
  if (table->partitioned) {
    return InvalidInput(fmt::format(
        "{}: table \"{}\" is partitioned, and PostgreSQL cannot build an index on a partitioned "
        "table CONCURRENTLY; create the index on each partition with an `sql` operation "
        "(CREATE INDEX CONCURRENTLY), then attach them to one created ON ONLY the parent",
        ctx.where, op_.table));
  }
  if (std::find(std::begin(kMethods), std::end(kMethods), op_.method) == std::end(kMethods)) {
    return InvalidInput(
        fmt::format("{}: index method \"{}\" is not one of btree, hash, gist, spgist, gin, brin",
                    ctx.where, op_.method));
  }
  if (op_.unique && op_.method != "btree") {
    return InvalidInput(fmt::format(
        "{}: index \"{}\" is unique, but only btree indexes can be unique (method is {})",
        ctx.where, op_.name, op_.method));
  }
  if (op_.columns.empty()) {
    return InvalidInput(
        fmt::format("{}: index \"{}\" has no columns; list at least one", ctx.where, op_.name));
  }
  for (const auto& field : op_.columns) ZS_RETURN_IF_ERROR(ValidateField(ctx, *table, field));
  if (!op_.storage_parameters.empty()) {
    ZS_RETURN_IF_ERROR(sqlcheck::ValidateOptionList(
        op_.storage_parameters,
        fmt::format("{} index \"{}\" storage_parameters", ctx.where, op_.name)));
  }
  if (!op_.predicate.empty()) ZS_RETURN_IF_ERROR(ValidatePredicate(ctx, *table));
  return Status::Ok();
}

namespace {

// "(<predicate>\n)" on PostgreSQL (ValidateExpression's form). MariaDB
// refuses predicates (no partial indexes) before this runs, and past raw SQL
// in a dry run the predicate may not have been validated: read by
// ctx.backend's rules, it never fails and never aborts.
std::string PredicateSql(const OpContext& ctx, const std::string& predicate) {
  if (ctx.backend->kind() == backend::Kind::kMariadb) return EmbedExpression(ctx, predicate);
  Result<std::string> embedded = sqlcheck::ValidateExpression(predicate, "");
  return embedded.ok() ? *embedded : "(" + predicate + "\n)";
}

}  // namespace

std::string CreateIndex::CreateSql(const OpContext& ctx, const schema::Schema& before,
                                   bool concurrently) const {
  const schema::Table& table = *before.FindTable(op_.table);
  std::vector<std::string> fields;
  for (const auto& field : op_.columns) fields.push_back(FieldSql(ctx, table, field));
  std::string sql = fmt::format(
      "CREATE {}INDEX {}{} ON {} USING {} ({})", op_.unique ? "UNIQUE " : "",
      concurrently ? "CONCURRENTLY " : "", QuoteIdent(ctx, op_.name),
      QualifiedName(ctx, before.name, table.physical_name), op_.method, Join(fields, ", "));
  if (!op_.storage_parameters.empty()) sql += " WITH (" + op_.storage_parameters + ")";
  if (!op_.predicate.empty()) sql += " WHERE " + PredicateSql(ctx, op_.predicate);
  return sql + ";";
}

void CreateIndex::Apply(const OpContext& ctx, schema::Schema& schema) const {
  std::string definition = CreateSql(ctx, schema, /*concurrently=*/false);
  schema::Table& table = *schema.FindTable(op_.table);
  schema::Index index{.name = op_.name, .unique = op_.unique, .definition = definition};
  for (const auto& field : op_.columns) {
    index.columns.push_back(table.FindColumn(field.column)->physical_name);
  }
  table.indexes.push_back(std::move(index));
}

Result<std::vector<Action>> CreateIndex::PostgresStart(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  const std::string& schema = ctx.before->name;
  return std::vector<Action>{{.id = "create_index:" + op_.name,
                              .sql = CreateSql(ctx, *ctx.before, /*concurrently=*/true),
                              .lock = Lock::kShareUpdateExclusive,
                              .table = table.physical_name,
                              .transactional = false,
                              .before_retry_sql = DropIndexConcurrentlySql(schema, op_.name)},
                             {.id = "create_index:" + op_.name + ":check_valid",
                              .sql = IndexValidCheckSql(schema, op_.name, table.physical_name),
                              .lock = Lock::kNone}};
}

Result<std::vector<Action>> CreateIndex::PostgresComplete(const OpContext&) const {
  return std::vector<Action>{};
}

Result<std::vector<Action>> CreateIndex::PostgresRollback(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  return std::vector<Action>{{.id = "create_index:" + op_.name + ":drop",
                              .sql = DropIndexConcurrentlySql(ctx.before->name, op_.name),
                              .lock = Lock::kShareUpdateExclusive,
                              .table = table.physical_name,
                              .transactional = false}};
}

// The checks of the operation's intent, then what the database refuses.
Status CreateIndex::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbCreateIndexSql()).Supports(*this, ctx);
}

Result<std::vector<Action>> CreateIndex::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbCreateIndexSql()).Start(*this, ctx);
}

Result<std::vector<Action>> CreateIndex::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbCreateIndexSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> CreateIndex::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbCreateIndexSql()).Rollback(*this, ctx);
}

}  // namespace zs::ops

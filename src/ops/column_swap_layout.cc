#include "ops/column_swap_layout.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace zs::ops::swap {

namespace {

constexpr char kDuplicatePrefix[] = "_zs_dup_";

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// A physical column that is the temporary column of a swap of this migration.
bool IsTemporary(const std::string& physical) {
  return physical.rfind(TemporaryColumnName(""), 0) == 0;
}

bool AnyTemporary(const std::vector<std::string>& columns) {
  return std::any_of(columns.begin(), columns.end(), IsTemporary);
}

bool Involves(const std::vector<std::string>& columns, const sqlcheck::ColumnRenames& renames) {
  return std::any_of(columns.begin(), columns.end(),
                     [&](const std::string& c) { return renames.count(c) != 0; });
}

// Names of relations and of the table's constraints, so that made-up names
// collide with nothing.
class Names {
 public:
  Names(const schema::Schema& schema, const schema::Table& table) {
    for (const auto& t : schema.tables) {
      taken_.insert(t.name);
      taken_.insert(t.physical_name);
      for (const auto& index : t.indexes) taken_.insert(index.name);
    }
    for (const auto& constraint : table.constraints) taken_.insert(constraint.name);
  }
  bool Taken(const std::string& name) const { return taken_.count(name) != 0; }
  void Take(const std::string& name) { taken_.insert(name); }
  std::string Reserve(const std::string& base) {
    std::string name = FitIdentifier(base);
    for (int n = 2; Taken(name); ++n) name = FitIdentifier(fmt::format("{}_{}", base, n));
    Take(name);
    return name;
  }

 private:
  std::set<std::string> taken_;
};

class LayoutBuilder {
 public:
  LayoutBuilder(const OpContext& ctx, const SwapSpec& spec, bool in_place)
      : ctx_(ctx), spec_(spec), in_place_(in_place) {}

  Result<Layout> Build() {
    ZS_ASSIGN_OR_RETURN(layout_.table, RequireTable(ctx_, spec_.table));
    layout_.qualified = QualifiedName(ctx_, ctx_.before->name, layout_.table->physical_name);
    names_.emplace(*ctx_.before, *layout_.table);
    ZS_RETURN_IF_ERROR(AddColumns());
    if (!in_place_) {
      ZS_RETURN_IF_ERROR(RefuseReferencedColumns());
      ZS_RETURN_IF_ERROR(AddDuplicateIndexes());
      ZS_RETURN_IF_ERROR(AddDuplicateConstraints());
    }
    for (const AddedConstraint& added : spec_.added) ZS_RETURN_IF_ERROR(AddConstraint(added));
    return std::move(layout_);
  }

 private:
  const schema::Table& table() const { return *layout_.table; }
  bool OnMariadb() const { return ctx_.backend->kind() == backend::Kind::kMariadb; }

  Status Refuse(const std::string& subject, const std::string& problem) const {
    return InvalidInput(
        fmt::format("{}: {} of table \"{}\" {}", ctx_.where, subject, table().name, problem));
  }

  Result<std::vector<SwapColumn>> Columns() const {
    if (spec_.columns_of) return spec_.columns_of(ctx_, table());
    return spec_.columns;
  }

  // The new column: the old one with the changes of `column`.
  static schema::Column NewShape(const schema::Column& old, const SwapColumn& column) {
    schema::Column shape = old;
    if (column.type) shape.type = *column.type;
    if (column.nullable) shape.nullable = *column.nullable;
    if (column.default_value) {
      shape.default_expr =
          column.default_value->is_null ? std::nullopt : std::optional(column.default_value->value);
    }
    if (column.comment) {
      shape.comment = column.comment->is_null ? std::nullopt : std::optional(column.comment->value);
    }
    return shape;
  }

  Status AddColumns() {
    ZS_ASSIGN_OR_RETURN(std::vector<SwapColumn> columns, Columns());
    for (SwapColumn& column : columns) {
      ZS_ASSIGN_OR_RETURN(const schema::Column* old, RequireColumn(ctx_, table(), column.name));
      ZS_RETURN_IF_ERROR(CheckSwappable(*old));
      TempColumn temp;
      temp.name = column.name;
      temp.old = old;
      temp.old_physical = old->physical_name;
      temp.temp = in_place_ ? old->physical_name : TemporaryColumnName(old->physical_name);
      temp.shape = NewShape(*old, column);
      temp.shape.physical_name = temp.temp;
      if (!temp.shape.nullable && !in_place_) {
        temp.not_null_check = FitIdentifier(NotNullCheckName(temp.temp));
      }
      if (Contains(table().primary_key, old->physical_name) && temp.shape.nullable) {
        return Refuse(fmt::format("column \"{}\"", column.name),
                      "is part of the primary key, which cannot hold NULL; keep it NOT NULL");
      }
      // A serial's sequence: PostgreSQL only (MariaDB's AUTO_INCREMENT is no
      // default, and its defaults are not PostgreSQL's SQL to parse).
      if (temp.shape.default_expr && temp.shape.default_expr == old->default_expr && !OnMariadb()) {
        ZS_ASSIGN_OR_RETURN(temp.sequence, sqlcheck::SequenceOfDefault(*temp.shape.default_expr));
      }
      temp.up = std::move(column.up);
      temp.down = std::move(column.down);
      if (!in_place_) layout_.renames.emplace(temp.old_physical, temp.temp);
      layout_.columns.push_back(std::move(temp));
    }
    if (layout_.columns.empty()) {
      return InvalidInput(
          fmt::format("{}: no column of table \"{}\" to change", ctx_.where, table().name));
    }
    return Status::Ok();
  }

  Status CheckSwappable(const schema::Column& old) const {
    std::string subject = fmt::format("column \"{}\"", old.name);
    for (const TempColumn& seen : layout_.columns) {
      if (seen.name == old.name) return Refuse(subject, "is listed twice; list it once");
    }
    if (in_place_) return Status::Ok();
    if (IsTemporary(old.physical_name)) {
      return Refuse(subject,
                    "is already changed by an earlier operation of this migration; make both "
                    "changes in one operation, or in two migrations");
    }
    if (old.generated || !old.identity.empty()) {
      return Refuse(subject,
                    "is a generated or identity column, which zeroshift cannot duplicate; change "
                    "it with an `sql` operation");
    }
    // The database's limit (MariaDB refuses a longer name; PostgreSQL would
    // cut it, and two long columns would share one temporary column).
    const size_t limit = ctx_.backend->MaxIdentifierBytes();
    if (TemporaryColumnName(old.physical_name).size() > limit) {
      return Refuse(subject,
                    fmt::format("has a name too long for its temporary column \"{}\" ({} bytes at "
                                "most); rename the column first",
                                TemporaryColumnName(old.physical_name), limit));
    }
    return Status::Ok();
  }

  // Dropping the old column at complete would drop foreign keys that point at it.
  Status RefuseReferencedColumns() const {
    // MariaDB: a referenced column is always in an index (InnoDB needs one),
    // which MariadbSwapColumnAlone refuses first; its FOREIGN KEY definitions
    // are not PostgreSQL's SQL to parse.
    if (OnMariadb()) return Status::Ok();
    for (const schema::Table& other : ctx_.before->tables) {
      for (const schema::Constraint& constraint : other.constraints) {
        if (constraint.type != 'f') continue;
        auto fk = sqlcheck::ParseForeignKey(constraint.definition);
        if (!fk.ok() || fk->referenced_table != table().physical_name) continue;
        if (!fk->referenced_schema.empty() && fk->referenced_schema != ctx_.before->name) continue;
        auto column =
            std::find_if(fk->referenced_columns.begin(), fk->referenced_columns.end(),
                         [&](const std::string& c) { return layout_.renames.count(c) != 0; });
        if (column == fk->referenced_columns.end()) continue;
        return Refuse(
            fmt::format("column \"{}\"", *column),
            fmt::format("is referenced by foreign key \"{}\" of table \"{}\"; dropping the old "
                        "column at complete would drop that foreign key: drop the foreign key "
                        "first (drop_constraint), then change the column and create it again",
                        constraint.name, other.name));
      }
    }
    return Status::Ok();
  }

  Status CannotCarryOver(const std::string& subject, const Status& why) const {
    return Refuse(subject, "cannot be carried over to the new column (" + why.message() +
                               "); drop it first, or change the column with an `sql` operation");
  }

  const schema::Constraint* FindConstraint(const std::string& name) const {
    for (const auto& constraint : table().constraints) {
      if (constraint.name == name) return &constraint;
    }
    return nullptr;
  }

  Status AddDuplicateIndexes() {
    for (const schema::Index& index : table().indexes) {
      if (index.name == spec_.dropped || !index.valid) continue;
      std::string subject = fmt::format("index \"{}\"", index.name);
      // MariaDB's index definitions are not PostgreSQL's SQL: the catalog's
      // column list says whether the index is involved.
      if (OnMariadb() && !Involves(index.columns, layout_.renames)) continue;
      auto columns = sqlcheck::IndexColumns(index.definition);
      if (!columns.ok()) {
        // Not PostgreSQL's CREATE INDEX (MariaDB's catalog writes its own
        // form): the catalog's column list says whether the index is involved.
        if (!index.columns.empty() && !Involves(index.columns, layout_.renames)) continue;
        return CannotCarryOver(subject, columns.status());
      }
      if (!Involves(*columns, layout_.renames)) continue;
      if (AnyTemporary(*columns)) {
        return Refuse(subject,
                      "involves a column an earlier operation of this migration changes; make "
                      "these changes in two migrations");
      }
      if (table().partitioned) {
        return Refuse(subject,
                      "would have to be rebuilt on the new column with CREATE INDEX "
                      "CONCURRENTLY, which PostgreSQL does not support on a partitioned table; "
                      "change the column with an `sql` operation");
      }
      IndexBuild build{.name = index.name,
                       .build_name = names_->Reserve(kDuplicatePrefix + index.name)};
      auto sql = sqlcheck::DuplicateIndexSql(index.definition, build.build_name, layout_.renames);
      if (!sql.ok()) return CannotCarryOver(subject, sql.status());
      build.sql = *sql;
      build.columns = Mapped(index.columns, layout_.renames);
      auto plain = sqlcheck::IndexPlainColumns(build.sql);
      if (!plain.ok()) return CannotCarryOver(subject, plain.status());
      build.plain_columns = *plain;
      const schema::Constraint* constraint = FindConstraint(index.name);
      if (constraint != nullptr && (constraint->type == 'u' || constraint->type == 'p')) {
        build.constraint = constraint->type;
        auto deferral = sqlcheck::ConstraintDeferral(constraint->definition);
        if (!deferral.ok()) return CannotCarryOver(subject, deferral.status());
        build.deferral = *deferral;
      }
      layout_.indexes.push_back(std::move(build));
    }
    return Status::Ok();
  }

  Status AddDuplicateConstraints() {
    for (const schema::Constraint& constraint : table().constraints) {
      if (constraint.name == spec_.dropped || !Involves(constraint.columns, layout_.renames)) {
        continue;
      }
      std::string subject = fmt::format("constraint \"{}\"", constraint.name);
      if (constraint.type == 'u' || constraint.type == 'p') {
        bool rebuilt = std::any_of(layout_.indexes.begin(), layout_.indexes.end(),
                                   [&](const IndexBuild& b) { return b.name == constraint.name; });
        if (!rebuilt) return CannotCarryOver(subject, InvalidInput("its index was not found"));
        continue;
      }
      if (constraint.type != 'c' && constraint.type != 'f') {
        return Refuse(subject,
                      "is an exclusion or trigger constraint, which cannot be rebuilt without a "
                      "long lock; drop it first, or change the column with an `sql` operation");
      }
      if (AnyTemporary(constraint.columns)) {
        return Refuse(subject,
                      "involves a column an earlier operation of this migration changes; make "
                      "these changes in two migrations");
      }
      ConstraintBuild build{.name = constraint.name,
                            .build_name = names_->Reserve(kDuplicatePrefix + constraint.name),
                            .type = constraint.type,
                            .columns = Mapped(constraint.columns, layout_.renames)};
      auto body = constraint.type == 'c' ? CheckBody(constraint) : ForeignKeyBody(constraint);
      if (!body.ok()) return CannotCarryOver(subject, body.status());
      build.body = *body;
      layout_.constraints.push_back(std::move(build));
    }
    return Status::Ok();
  }

  Result<std::string> CheckBody(const schema::Constraint& constraint) const {
    return sqlcheck::RenameColumnsInCheck(constraint.definition, layout_.renames);
  }

  Result<std::string> ForeignKeyBody(const schema::Constraint& constraint) const {
    ZS_ASSIGN_OR_RETURN(auto fk, sqlcheck::ParseForeignKey(constraint.definition));
    if (Involves(fk.set_columns, layout_.renames)) {
      return InvalidInput("its ON DELETE SET ... (columns) names a changed column");
    }
    return "FOREIGN KEY (" + QuoteIdentList(ctx_, Mapped(fk.columns, layout_.renames)) + ") " +
           fk.references_clause;
  }

  // A column of the new shape by its name in ctx.before: its physical name then.
  Result<std::string> NewPhysical(const std::string& name) const {
    ZS_ASSIGN_OR_RETURN(const schema::Column* column, RequireColumn(ctx_, table(), name));
    auto it = layout_.renames.find(column->physical_name);
    return it == layout_.renames.end() ? column->physical_name : it->second;
  }

  Result<std::vector<std::string>> NewPhysical(const std::vector<std::string>& names) const {
    std::vector<std::string> out;
    for (const auto& name : names) {
      ZS_ASSIGN_OR_RETURN(std::string physical, NewPhysical(name));
      out.push_back(std::move(physical));
    }
    return out;
  }

  Status AddConstraint(const AddedConstraint& added) {
    std::string what = fmt::format("{} constraint \"{}\"", ctx_.where, added.name);
    ZS_RETURN_IF_ERROR(CheckerFor(ctx_).CheckIdentifier(added.name, what + " name"));
    if (table().HasConstraint(added.name)) {
      return Conflict(
          fmt::format("{}: table \"{}\" already has a constraint \"{}\"; choose another "
                      "name",
                      ctx_.where, table().name, added.name));
    }
    bool indexed = added.type == 'u' || added.type == 'p';
    if (indexed && names_->Taken(added.name)) {
      return Conflict(fmt::format(
          "{}: \"{}\" already names a table or index in schema \"{}\", and the constraint's index "
          "would take that name; choose another name",
          ctx_.where, added.name, ctx_.before->name));
    }
    names_->Take(added.name);
    if (indexed) return AddIndexedConstraint(added);
    if (added.type == 'c') return AddCheck(added, what);
    return AddForeignKey(added, what);
  }

  Status AddIndexedConstraint(const AddedConstraint& added) {
    if (added.columns.empty()) {
      return InvalidInput(
          fmt::format("{}: constraint \"{}\" needs `columns`", ctx_.where, added.name));
    }
    ZS_ASSIGN_OR_RETURN(std::vector<std::string> columns, NewPhysical(added.columns));
    if (added.type == 'p') ZS_RETURN_IF_ERROR(CheckPrimaryKey(added));
    IndexBuild build{.name = added.name, .build_name = added.name, .constraint = added.type};
    build.added = true;
    build.columns = columns;
    build.plain_columns = columns;
    std::string include, with, tablespace;
    if (const auto& params = added.index_parameters) {
      ZS_ASSIGN_OR_RETURN(std::vector<std::string> included, NewPhysical(params->include_columns));
      build.plain_columns.insert(build.plain_columns.end(), included.begin(), included.end());
      if (!included.empty()) include = " INCLUDE (" + QuoteIdentList(ctx_, included) + ")";
      if (!params->storage_parameters.empty()) {
        ZS_RETURN_IF_ERROR(sqlcheck::ValidateOptionList(
            params->storage_parameters,
            fmt::format("{} constraint \"{}\" index_parameters.storage_parameters", ctx_.where,
                        added.name)));
        with = " WITH (" + params->storage_parameters + ")";
      }
      if (!params->tablespace.empty()) tablespace = QuoteIdent(ctx_, params->tablespace);
    }
    std::string keys = "(" + QuoteIdentList(ctx_, columns) + ")";
    build.sql = fmt::format("CREATE UNIQUE INDEX CONCURRENTLY {} ON {} {}{}{}{}",
                            QuoteIdent(ctx_, added.name), layout_.qualified, keys, include, with,
                            tablespace.empty() ? "" : " TABLESPACE " + tablespace);
    build.inline_sql =
        fmt::format("{} {}{}{}{}", added.type == 'p' ? "PRIMARY KEY" : "UNIQUE", keys, include,
                    with, tablespace.empty() ? "" : " USING INDEX TABLESPACE " + tablespace);
    layout_.indexes.push_back(std::move(build));
    return Status::Ok();
  }

  Status CheckPrimaryKey(const AddedConstraint& added) const {
    if (!table().primary_key.empty()) {
      return Conflict(fmt::format("{}: table \"{}\" already has a primary key ({}); drop it first",
                                  ctx_.where, table().name, fmt::join(table().primary_key, ", ")));
    }
    for (const auto& name : added.columns) {
      auto swapped = std::find_if(layout_.columns.begin(), layout_.columns.end(),
                                  [&](const TempColumn& c) { return c.name == name; });
      if (swapped == layout_.columns.end() || swapped->shape.nullable) {
        return Refuse(fmt::format("column \"{}\"", name),
                      "must be NOT NULL in the new shape to be part of the primary key");
      }
    }
    return Status::Ok();
  }

  // Every column the table has: name in ctx.before -> physical name in the new shape.
  sqlcheck::ColumnRenames NewShapeNames() const {
    sqlcheck::ColumnRenames names;
    for (const auto& column : table().columns) {
      auto it = layout_.renames.find(column.physical_name);
      names[column.name] = it == layout_.renames.end() ? column.physical_name : it->second;
    }
    return names;
  }

  Status AddCheck(const AddedConstraint& added, const std::string& what) {
    ZS_ASSIGN_OR_RETURN(
        sqlcheck::CheckedExpression checked,
        CheckStoredExpression(ctx_, VisibleTableOf(table()), added.check, what + " check"));
    if (!checked.unknown_columns.empty()) {
      return InvalidInput(fmt::format(
          "{}: the check `{}` refers to column \"{}\", which table \"{}\" does not have", what,
          added.check, checked.unknown_columns.front(), table().name));
    }
    std::vector<std::string> columns;
    for (const auto& name : checked.columns) {
      ZS_ASSIGN_OR_RETURN(std::string physical, NewPhysical(name));
      columns.push_back(std::move(physical));
    }
    // MariaDB enforces the check with triggers built from the text as
    // written (ops/mariadb_swap_rules.h), column by column through aliases:
    // PostgreSQL's parser must not read (and could misread) MariaDB's SQL.
    std::string expression = added.check;
    if (!OnMariadb()) {
      ZS_ASSIGN_OR_RETURN(expression,
                          sqlcheck::RenameColumns(added.check, table().name, NewShapeNames()));
    }
    layout_.constraints.push_back(
        {.name = added.name,
         .build_name = added.name,
         .type = 'c',
         .body = "CHECK (" + expression + ")" + (added.no_inherit ? " NO INHERIT" : ""),
         .columns = std::move(columns),
         .added = true});
    return Status::Ok();
  }

  Status AddForeignKey(const AddedConstraint& added, const std::string& what) {
    if (!added.references) return InvalidInput(what + ": a foreign_key needs `references`");
    const auto& ref = *added.references;
    ZS_ASSIGN_OR_RETURN(const schema::Table* target, RequireTable(ctx_, ref.table));
    if (ref.columns.empty() || ref.columns.size() != added.columns.size()) {
      return InvalidInput(fmt::format(
          "{}: the foreign key has {} column(s) but references {} column(s) of \"{}\"; give as "
          "many of each",
          what, added.columns.size(), ref.columns.size(), ref.table));
    }
    std::vector<std::string> target_columns;
    for (const auto& name : ref.columns) {
      ZS_ASSIGN_OR_RETURN(const schema::Column* column, RequireColumn(ctx_, *target, name));
      if (target == layout_.table && layout_.renames.count(column->physical_name) != 0) {
        return InvalidInput(
            fmt::format("{}: the foreign key references column \"{}\", which this "
                        "operation replaces; reference another column",
                        what, name));
      }
      target_columns.push_back(column->physical_name);
    }
    ZS_RETURN_IF_ERROR(CheckReferencedKey(*target, target_columns, what));
    ZS_ASSIGN_OR_RETURN(std::vector<std::string> columns, NewPhysical(added.columns));
    std::string sql =
        fmt::format("FOREIGN KEY ({}) REFERENCES {} ({})", QuoteIdentList(ctx_, columns),
                    QualifiedName(ctx_, ctx_.before->name, target->physical_name),
                    QuoteIdentList(ctx_, target_columns));
    if (ref.match_type != "SIMPLE") sql += " MATCH " + ref.match_type;
    sql += " ON DELETE " + ref.on_delete;
    if (!ref.on_delete_set_columns.empty()) {
      for (const auto& name : ref.on_delete_set_columns) {
        if (!Contains(added.columns, name)) {
          return InvalidInput(fmt::format(
              "{}: on_delete_set_columns names \"{}\", which is not one of the foreign key's "
              "columns",
              what, name));
        }
      }
      ZS_ASSIGN_OR_RETURN(auto set_columns, NewPhysical(ref.on_delete_set_columns));
      sql += " (" + QuoteIdentList(ctx_, set_columns) + ")";
    }
    sql += " ON UPDATE " + ref.on_update;
    if (added.deferrable) sql += " DEFERRABLE";
    if (added.initially_deferred) sql += " INITIALLY DEFERRED";
    layout_.constraints.push_back({.name = added.name,
                                   .build_name = added.name,
                                   .type = 'f',
                                   .body = sql,
                                   .columns = std::move(columns),
                                   .added = true});
    return Status::Ok();
  }

  // PostgreSQL wants a unique or primary key over exactly the referenced
  // columns. Known only for tables read from the catalogs.
  Status CheckReferencedKey(const schema::Table& target, const std::vector<std::string>& columns,
                            const std::string& what) const {
    if (ctx_.base == nullptr || ctx_.base->FindPhysicalTable(target.physical_name) == nullptr) {
      return Status::Ok();
    }
    std::set<std::string> wanted(columns.begin(), columns.end());
    for (const auto& constraint : target.constraints) {
      if ((constraint.type == 'u' || constraint.type == 'p') &&
          std::set<std::string>(constraint.columns.begin(), constraint.columns.end()) == wanted) {
        return Status::Ok();
      }
    }
    for (const auto& index : target.indexes) {
      if (index.unique && index.valid && index.definition.find(" WHERE ") == std::string::npos &&
          std::set<std::string>(index.columns.begin(), index.columns.end()) == wanted) {
        return Status::Ok();
      }
    }
    return InvalidInput(fmt::format(
        "{}: the referenced column(s) {} of \"{}\" have no primary key or unique constraint, "
        "which a foreign key needs; create one first",
        what, fmt::join(columns, ", "), target.name));
  }

  const OpContext& ctx_;
  const SwapSpec& spec_;
  bool in_place_;
  Layout layout_;
  std::optional<Names> names_;
};

}  // namespace

std::vector<std::string> Mapped(const std::vector<std::string>& columns,
                                const sqlcheck::ColumnRenames& renames) {
  std::vector<std::string> out;
  for (const auto& column : columns) {
    auto it = renames.find(column);
    out.push_back(it == renames.end() ? column : it->second);
  }
  return out;
}

Result<Layout> MakeLayout(const OpContext& ctx, const SwapSpec& spec, bool in_place) {
  return LayoutBuilder(ctx, spec, in_place).Build();
}

}  // namespace zs::ops::swap

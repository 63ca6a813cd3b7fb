#include "ops/column_swap.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "pg/quote.h"
#include "sqlcheck/expression.h"
#include "sqlcheck/rewrite.h"

namespace zs::ops {

namespace {

constexpr size_t kMaxIdentifierBytes = 63;
constexpr char kDuplicatePrefix[] = "_zs_dup_";

// FNV-1a: stable across builds and platforms, unlike std::hash, because the
// names it shortens are computed again at complete, maybe by a newer binary.
uint32_t StableHash(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

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

std::vector<std::string> Mapped(const std::vector<std::string>& columns,
                                const sqlcheck::ColumnRenames& renames) {
  std::vector<std::string> out;
  for (const auto& column : columns) {
    auto it = renames.find(column);
    out.push_back(it == renames.end() ? column : it->second);
  }
  return out;
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

// An index built on the new columns at start: a duplicate of one of the
// table's indexes (build_name is temporary), or the index of an added
// UNIQUE / PRIMARY KEY (build_name == name).
struct IndexBuild {
  std::string name;
  std::string build_name;
  std::string sql;                   // CREATE ... INDEX CONCURRENTLY build_name ...
  std::string inline_sql;            // added only: "UNIQUE (...) ..." for ADD CONSTRAINT in place
  char constraint = 0;               // 'u' / 'p': becomes that constraint at complete
  std::string deferral;              // " DEFERRABLE ..." of that constraint
  std::vector<std::string> columns;  // physical, new shape
  // The index's bare key and INCLUDE columns (new shape, repeats kept): its
  // attributes are named after them, so after the swap they are renamed too.
  std::vector<std::string> plain_columns;
  bool added = false;
};

// A CHECK or FOREIGN KEY on the new columns, NOT VALID until complete.
struct ConstraintBuild {
  std::string name;
  std::string build_name;
  char type = 'c';
  std::string body;                  // "CHECK (...)" or "FOREIGN KEY (...) REFERENCES ..."
  std::vector<std::string> columns;  // physical, new shape
  bool added = false;
};

struct TempColumn {
  std::string name;          // in ctx.before
  std::string old_physical;  // the column the old version uses
  std::string temp;          // the new column (the old one itself when in place)
  schema::Column shape;      // name and physical_name set
  const schema::Column* old = nullptr;
  std::string not_null_check;                      // "" when the new shape is nullable
  std::optional<sqlcheck::SequenceName> sequence;  // serial: owned by the new column at complete
  std::string up;
  std::string down;
};

struct Layout {
  const schema::Table* table = nullptr;
  std::string qualified;
  std::vector<TempColumn> columns;
  sqlcheck::ColumnRenames renames;  // old physical -> new physical; empty in place
  std::vector<IndexBuild> indexes;
  std::vector<ConstraintBuild> constraints;
};

class LayoutBuilder {
 public:
  LayoutBuilder(const OpContext& ctx, const SwapSpec& spec, bool in_place)
      : ctx_(ctx), spec_(spec), in_place_(in_place) {}

  Result<Layout> Build() {
    ZS_ASSIGN_OR_RETURN(layout_.table, RequireTable(ctx_, spec_.table));
    layout_.qualified = pg::QualifiedName(ctx_.before->name, layout_.table->physical_name);
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
      if (temp.shape.default_expr && temp.shape.default_expr == old->default_expr) {
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
    if (TemporaryColumnName(old.physical_name).size() > kMaxIdentifierBytes) {
      return Refuse(subject,
                    fmt::format("has a name too long for its temporary column \"{}\" (63 bytes at "
                                "most); rename the column first",
                                TemporaryColumnName(old.physical_name)));
    }
    return Status::Ok();
  }

  // Dropping the old column at complete would drop foreign keys that point at it.
  Status RefuseReferencedColumns() const {
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
      auto columns = sqlcheck::IndexColumns(index.definition);
      if (!columns.ok()) return CannotCarryOver(subject, columns.status());
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
    return "FOREIGN KEY (" + pg::QuoteIdentList(Mapped(fk.columns, layout_.renames)) + ") " +
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
    ZS_RETURN_IF_ERROR(sqlcheck::ValidateIdentifier(added.name, what + " name"));
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
      if (!included.empty()) include = " INCLUDE (" + pg::QuoteIdentList(included) + ")";
      if (!params->storage_parameters.empty()) {
        ZS_RETURN_IF_ERROR(sqlcheck::ValidateOptionList(
            params->storage_parameters,
            fmt::format("{} constraint \"{}\" index_parameters.storage_parameters", ctx_.where,
                        added.name)));
        with = " WITH (" + params->storage_parameters + ")";
      }
      if (!params->tablespace.empty()) tablespace = pg::QuoteIdent(params->tablespace);
    }
    std::string keys = "(" + pg::QuoteIdentList(columns) + ")";
    build.sql = fmt::format("CREATE UNIQUE INDEX CONCURRENTLY {} ON {} {}{}{}{}",
                            pg::QuoteIdent(added.name), layout_.qualified, keys, include, with,
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
    ZS_RETURN_IF_ERROR(sqlcheck::ValidateExpression(added.check, what + " check").status());
    ZS_ASSIGN_OR_RETURN(auto referenced, sqlcheck::ReferencedColumns(added.check, table().name));
    std::vector<std::string> columns;
    for (const auto& name : referenced) {
      if (table().FindColumn(name) == nullptr) {
        return InvalidInput(fmt::format(
            "{}: the check `{}` refers to column \"{}\", which table \"{}\" does not have", what,
            added.check, name, table().name));
      }
      ZS_ASSIGN_OR_RETURN(std::string physical, NewPhysical(name));
      columns.push_back(std::move(physical));
    }
    ZS_ASSIGN_OR_RETURN(std::string expression,
                        sqlcheck::RenameColumns(added.check, table().name, NewShapeNames()));
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
        fmt::format("FOREIGN KEY ({}) REFERENCES {} ({})", pg::QuoteIdentList(columns),
                    pg::QualifiedName(ctx_.before->name, target->physical_name),
                    pg::QuoteIdentList(target_columns));
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
      sql += " (" + pg::QuoteIdentList(set_columns) + ")";
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

Result<Layout> MakeLayout(const OpContext& ctx, const SwapSpec& spec, bool in_place) {
  return LayoutBuilder(ctx, spec, in_place).Build();
}

// A dollar-quote tag that does not occur in `body`.
std::string DollarTag(const std::string& body) {
  std::string tag = "$zs$";
  for (int i = 0; body.find(tag) != std::string::npos; ++i) tag = fmt::format("$zs{}$", i);
  return tag;
}

// Fails, naming the index, unless the index exists and is valid. A CREATE
// INDEX CONCURRENTLY that fails part-way leaves an INVALID index behind.
std::string RequireValidIndexSql(const std::string& schema, const IndexBuild& build,
                                 const schema::Table& table) {
  std::string qualified = pg::QualifiedName(schema, build.build_name);
  std::string message = fmt::format(
      "index {} on \"{}\" is missing or INVALID after CREATE INDEX CONCURRENTLY; run zeroshift "
      "rollback (it drops the index), or DROP INDEX CONCURRENTLY {} and start again",
      qualified, table.name, qualified);
  std::string body = fmt::format(
      "\nBEGIN\n  IF NOT coalesce((SELECT indisvalid FROM pg_index WHERE indexrelid = "
      "to_regclass({})), false) THEN\n    RAISE EXCEPTION USING MESSAGE = {};\n  END IF;\nEND\n",
      pg::QuoteLiteral(qualified), pg::QuoteLiteral(message));
  std::string tag = DollarTag(body);
  return "DO " + tag + body + tag + ";";
}

std::string AlterTable(const Layout& layout, const std::string& action) {
  return "ALTER TABLE " + layout.qualified + " " + action + ";";
}

// ---------------------------------------------------------------------------
// User triggers with a column list (`AFTER UPDATE OF email`)
//
// A new-version client's UPDATE of `email` sets the temporary column (the view
// shows it under the old name); `email` itself is then set by the dual-write
// trigger, which `UPDATE OF` does not count. So each user trigger that lists
// swapped columns gets a copy, "_zs_of_<name>", listing their temporary
// columns instead: it fires exactly for the new version's writes of them. At
// complete the original goes and the copy takes its name (the temporary
// columns take the old names with it); at rollback the copy goes.

constexpr char kTriggerCopyPrefix[] = "_zs_of_";

// VALUES rows (old physical name, temporary name) of the swapped columns.
std::string SwapPairs(const Layout& layout) {
  std::string out;
  for (const TempColumn& column : layout.columns) {
    out += fmt::format("{}({}, {})", out.empty() ? "" : ", ", pg::QuoteLiteral(column.old_physical),
                       pg::QuoteLiteral(column.temp));
  }
  return out;
}

std::string DoBlock(const std::string& body) {
  std::string tag = DollarTag(body);
  return "DO " + tag + body + tag + ";";
}

std::string CopyColumnTriggersSql(const Layout& layout) {
  std::string body = fmt::format(R"sql(
DECLARE
  t record;
  def text;
  head text;
BEGIN
  FOR t IN
    SELECT tg.oid, tg.tgname, tg.tgconstraint <> 0 AS is_constraint,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
              FROM unnest(tg.tgattr::int2[]) WITH ORDINALITY k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = k.attnum) AS listed,
           (SELECT string_agg(quote_ident(m.col_temp), ', ' ORDER BY k.n)
              FROM unnest(tg.tgattr::int2[]) WITH ORDINALITY k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = k.attnum
              JOIN (VALUES {pairs}) m(col_old, col_temp) ON m.col_old = a.attname) AS copied,
           (SELECT count(*) FROM unnest(tg.tgattr::int2[]) k(attnum)
              JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = k.attnum
              WHERE a.attname NOT IN (SELECT m.col_old FROM (VALUES {pairs}) m(col_old, col_temp))) AS others
    FROM pg_trigger tg
    WHERE tg.tgrelid = to_regclass({table}) AND NOT tg.tgisinternal
      AND cardinality(tg.tgattr::int2[]) > 0 AND tg.tgname NOT LIKE '\_zs\_%'
  LOOP
    CONTINUE WHEN t.copied IS NULL;
    IF t.others > 0 THEN
      RAISE EXCEPTION USING MESSAGE = format('trigger %I on %s lists columns this migration changes '
        'together with columns it does not (UPDATE OF %s); a copy for the new version would fire '
        'twice for some writes. Split the trigger in two, or run `zeroshift rollback`', t.tgname,
        {table}, t.listed);
    END IF;
    IF octet_length({prefix} || t.tgname) > 63 THEN
      RAISE EXCEPTION USING MESSAGE = format('trigger %I on %s lists a column this migration changes, '
        'and its name is too long for its copy %L (63 bytes at most); rename it, or run '
        '`zeroshift rollback`', t.tgname, {table}, {prefix} || t.tgname);
    END IF;
    def := pg_get_triggerdef(t.oid);
    head := CASE WHEN t.is_constraint THEN 'CREATE CONSTRAINT TRIGGER ' ELSE 'CREATE TRIGGER ' END;
    def := head || quote_ident({prefix} || t.tgname)
           || substr(def, length(head || quote_ident(t.tgname)) + 1);
    def := replace(def, 'UPDATE OF ' || t.listed || ' ON ', 'UPDATE OF ' || t.copied || ' ON ');
    EXECUTE def;
  END LOOP;
END
)sql",
                                 fmt::arg("pairs", SwapPairs(layout)),
                                 fmt::arg("table", pg::QuoteLiteral(layout.qualified)),
                                 fmt::arg("prefix", pg::QuoteLiteral(kTriggerCopyPrefix)));
  return DoBlock(body);
}

// The copies of this swap: triggers named with the prefix whose columns are
// all among its temporary columns. `finish` is run for each, as a format()
// string with %1$I the copy's name and %2$I the original's.
std::string ForEachTriggerCopySql(const Layout& layout, const std::string& finish) {
  std::string body = fmt::format(R"sql(
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT tg.tgname FROM pg_trigger tg
    WHERE tg.tgrelid = to_regclass({table}) AND NOT tg.tgisinternal
      AND starts_with(tg.tgname, {prefix}) AND cardinality(tg.tgattr::int2[]) > 0
      AND NOT EXISTS (SELECT 1 FROM unnest(tg.tgattr::int2[]) k(attnum)
        JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = k.attnum
        WHERE a.attname NOT IN (SELECT m.col_temp FROM (VALUES {pairs}) m(col_old, col_temp)))
  LOOP
    EXECUTE format({finish}, t.tgname, substr(t.tgname, {skip}));
  END LOOP;
END
)sql",
                                 fmt::arg("table", pg::QuoteLiteral(layout.qualified)),
                                 fmt::arg("prefix", pg::QuoteLiteral(kTriggerCopyPrefix)),
                                 fmt::arg("pairs", SwapPairs(layout)),
                                 fmt::arg("finish", pg::QuoteLiteral(finish)),
                                 fmt::arg("skip", sizeof(kTriggerCopyPrefix)));
  return DoBlock(body);
}

// Complete: the original goes, the copy takes its name.
std::string PromoteTriggerCopiesSql(const Layout& layout) {
  return ForEachTriggerCopySql(
      layout, fmt::format("DROP TRIGGER IF EXISTS %2$I ON {0}; ALTER TRIGGER %1$I ON {0} RENAME TO "
                          "%2$I",
                          layout.qualified));
}

// Rollback: the copies go (before the temporary columns they list).
std::string DropTriggerCopiesSql(const Layout& layout) {
  return ForEachTriggerCopySql(layout,
                               fmt::format("DROP TRIGGER IF EXISTS %1$I ON {}", layout.qualified));
}

// ---------------------------------------------------------------------------
// Start

std::string AddColumnSql(const Layout& layout, const TempColumn& column) {
  std::string temp = pg::QuoteIdent(column.temp);
  std::string sql = AlterTable(layout, "ADD COLUMN " + temp + " " + column.shape.type);
  // SET DEFAULT after ADD COLUMN: existing rows are filled by the backfill,
  // and a volatile default (nextval) does not rewrite the table.
  if (column.shape.default_expr) {
    sql += "\n" + AlterTable(layout, fmt::format("ALTER COLUMN {} SET DEFAULT {}", temp,
                                                 *column.shape.default_expr));
  }
  if (column.shape.comment) {
    sql += fmt::format("\nCOMMENT ON COLUMN {}.{} IS {};", layout.qualified, temp,
                       pg::QuoteLiteral(*column.shape.comment));
  }
  return sql;
}

std::string AddConstraintSql(const Layout& layout, const ConstraintBuild& build, bool valid) {
  return AlterTable(layout, fmt::format("ADD CONSTRAINT {} {}{}", pg::QuoteIdent(build.build_name),
                                        build.body, valid ? "" : " NOT VALID"));
}

std::vector<Action> SwapStart(const OpContext& ctx, const SwapSpec& spec, const Layout& layout) {
  const std::string& table = layout.table->physical_name;
  std::string expand;
  for (const TempColumn& column : layout.columns) {
    expand += (expand.empty() ? "" : "\n") + AddColumnSql(layout, column);
  }
  for (const ConstraintBuild& build : layout.constraints) {
    if (build.type == 'c') expand += "\n" + AddConstraintSql(layout, build, false);
  }
  std::vector<Action> actions{{.id = spec.id + ":add_temporary",
                               .sql = expand,
                               .lock = Lock::kAccessExclusive,
                               .table = table}};
  for (const TempColumn& column : layout.columns) {
    if (column.not_null_check.empty()) continue;
    actions.push_back(
        {.id = spec.id + ":not_null_check:" + column.temp,
         .sql = AlterTable(layout, fmt::format("ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
                                               pg::QuoteIdent(column.not_null_check),
                                               pg::QuoteIdent(column.temp))),
         .lock = Lock::kAccessExclusive,
         .table = table,
         .after_triggers = true});
  }
  // With the dual-write trigger: a copy fires only for writes through the new
  // version, whose views exist from the same install phase on.
  actions.push_back({.id = spec.id + ":copy_column_triggers",
                     .sql = CopyColumnTriggersSql(layout),
                     .lock = Lock::kShareRowExclusive,
                     .table = table,
                     .after_triggers = true});
  for (const ConstraintBuild& build : layout.constraints) {
    if (build.type != 'f') continue;
    actions.push_back({.id = spec.id + ":foreign_key:" + build.build_name,
                       .sql = AddConstraintSql(layout, build, false),
                       .lock = Lock::kShareRowExclusive,
                       .table = table});
  }
  for (const IndexBuild& build : layout.indexes) {
    std::string index = pg::QualifiedName(ctx.before->name, build.build_name);
    actions.push_back({.id = spec.id + ":index:" + build.build_name,
                       .sql = build.sql + ";",
                       .lock = Lock::kShareUpdateExclusive,
                       .table = table,
                       .transactional = false,
                       .before_retry_sql = "DROP INDEX CONCURRENTLY IF EXISTS " + index + ";"});
    actions.push_back({.id = spec.id + ":index_valid:" + build.build_name,
                       .sql = RequireValidIndexSql(ctx.before->name, build, *layout.table),
                       .lock = Lock::kNone});
  }
  return actions;
}

// On a table this migration created: plain ALTER TABLE statements.
std::vector<Action> InPlaceStart(const SwapSpec& spec, const Layout& layout) {
  std::string sql;
  auto append = [&](const std::string& statement) { sql += (sql.empty() ? "" : "\n") + statement; };
  auto add = [&](const std::string& action) { append(AlterTable(layout, action)); };
  if (!spec.dropped.empty()) add("DROP CONSTRAINT " + pg::QuoteIdent(spec.dropped));
  for (const TempColumn& column : layout.columns) {
    const schema::Column& old = *column.old;
    const schema::Column& shape = column.shape;
    std::string name = pg::QuoteIdent(column.temp);
    if (shape.type != old.type) {
      add(fmt::format("ALTER COLUMN {0} TYPE {1} USING {0}::{1}", name, shape.type));
    }
    if (shape.default_expr != old.default_expr) {
      add("ALTER COLUMN " + name +
          (shape.default_expr ? " SET DEFAULT " + *shape.default_expr : " DROP DEFAULT"));
    }
    if (shape.nullable != old.nullable) {
      add("ALTER COLUMN " + name + (shape.nullable ? " DROP NOT NULL" : " SET NOT NULL"));
    }
    if (shape.comment != old.comment) {
      append(fmt::format("COMMENT ON COLUMN {}.{} IS {};", layout.qualified, name,
                         shape.comment ? pg::QuoteLiteral(*shape.comment) : "NULL"));
    }
  }
  for (const IndexBuild& build : layout.indexes) {
    add(fmt::format("ADD CONSTRAINT {} {}", pg::QuoteIdent(build.name), build.inline_sql));
  }
  for (const ConstraintBuild& build : layout.constraints) {
    append(AddConstraintSql(layout, build, true));
  }
  if (sql.empty()) return {};
  return {{.id = spec.id + ":in_place",
           .sql = sql,
           .lock = Lock::kAccessExclusive,
           .table = layout.table->physical_name}};
}

// ---------------------------------------------------------------------------
// Complete and rollback

std::vector<Action> ValidateActions(const SwapSpec& spec, const Layout& layout) {
  std::vector<std::string> checks;
  for (const TempColumn& column : layout.columns) {
    if (!column.not_null_check.empty()) checks.push_back(column.not_null_check);
  }
  for (const ConstraintBuild& build : layout.constraints) checks.push_back(build.build_name);
  std::vector<Action> actions;
  for (const auto& name : checks) {
    actions.push_back({.id = spec.id + ":validate:" + name,
                       .sql = AlterTable(layout, "VALIDATE CONSTRAINT " + pg::QuoteIdent(name)),
                       .lock = Lock::kShareUpdateExclusive,
                       .table = layout.table->physical_name,
                       .phase = CompletePhase::kPrepare});
  }
  return actions;
}

// As the column default names it: unqualified when it was in the search_path.
std::string SequenceSql(const sqlcheck::SequenceName& sequence) {
  return sequence.schema.empty() ? pg::QuoteIdent(sequence.name)
                                 : pg::QualifiedName(sequence.schema, sequence.name);
}

// The old columns go with everything that hangs on them; the new ones and
// their duplicates take the original names.
std::string FinalizeSql(const OpContext& ctx, const Layout& layout) {
  std::vector<std::string> sql{PromoteTriggerCopiesSql(layout)};
  for (const TempColumn& column : layout.columns) {
    if (!column.sequence) continue;
    sql.push_back(fmt::format("ALTER SEQUENCE {} OWNED BY {}.{};", SequenceSql(*column.sequence),
                              layout.qualified, pg::QuoteIdent(column.temp)));
  }
  for (const TempColumn& column : layout.columns) {
    sql.push_back(AlterTable(layout, "DROP COLUMN " + pg::QuoteIdent(column.old_physical)));
  }
  for (const TempColumn& column : layout.columns) {
    sql.push_back(
        AlterTable(layout, fmt::format("RENAME COLUMN {} TO {}", pg::QuoteIdent(column.temp),
                                       pg::QuoteIdent(column.old_physical))));
  }
  for (const TempColumn& column : layout.columns) {
    if (column.not_null_check.empty()) continue;
    // SET NOT NULL skips its table scan thanks to the validated check.
    sql.push_back(AlterTable(
        layout, fmt::format("ALTER COLUMN {} SET NOT NULL", pg::QuoteIdent(column.old_physical))));
    sql.push_back(AlterTable(layout, "DROP CONSTRAINT " + pg::QuoteIdent(column.not_null_check)));
  }
  for (const IndexBuild& build : layout.indexes) {
    if (build.constraint != 0) {
      sql.push_back(AlterTable(
          layout, fmt::format("ADD CONSTRAINT {} {} USING INDEX {}{}", pg::QuoteIdent(build.name),
                              build.constraint == 'p' ? "PRIMARY KEY" : "UNIQUE",
                              pg::QuoteIdent(build.build_name), build.deferral)));
    } else if (build.build_name != build.name) {
      sql.push_back(fmt::format("ALTER INDEX {} RENAME TO {};",
                                pg::QualifiedName(ctx.before->name, build.build_name),
                                pg::QuoteIdent(build.name)));
    }
  }
  for (const IndexBuild& build : layout.indexes) {
    for (const TempColumn& column : layout.columns) {
      // Index attributes keep the temporary column's name; a repeated one
      // was numbered by PostgreSQL and keeps it.
      if (std::count(build.plain_columns.begin(), build.plain_columns.end(), column.temp) != 1) {
        continue;
      }
      sql.push_back(fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {};",
                                pg::QualifiedName(ctx.before->name, build.name),
                                pg::QuoteIdent(column.temp), pg::QuoteIdent(column.old_physical)));
    }
  }
  const schema::Table& table = *layout.table;
  for (const IndexBuild& build : layout.indexes) {
    // Dropping the old column dropped the replica identity's index.
    if (!build.added && table.replica_identity == "i" &&
        table.replica_identity_index == build.name) {
      sql.push_back(
          AlterTable(layout, "REPLICA IDENTITY USING INDEX " + pg::QuoteIdent(build.name)));
    }
  }
  for (const ConstraintBuild& build : layout.constraints) {
    if (build.build_name == build.name) continue;
    sql.push_back(AlterTable(
        layout, fmt::format("RENAME CONSTRAINT {} TO {}", pg::QuoteIdent(build.build_name),
                            pg::QuoteIdent(build.name))));
  }
  return fmt::format("{}", fmt::join(sql, "\n"));
}

std::vector<Action> SwapRollback(const OpContext& ctx, const SwapSpec& spec, const Layout& layout) {
  std::vector<Action> actions;
  const std::string& table = layout.table->physical_name;
  for (auto build = layout.indexes.rbegin(); build != layout.indexes.rend(); ++build) {
    actions.push_back({.id = spec.id + ":drop_index:" + build->build_name,
                       .sql = "DROP INDEX CONCURRENTLY IF EXISTS " +
                              pg::QualifiedName(ctx.before->name, build->build_name) + ";",
                       .lock = Lock::kShareUpdateExclusive,
                       .table = table,
                       .transactional = false});
  }
  std::vector<std::string> drops;
  for (const ConstraintBuild& build : layout.constraints) {
    drops.push_back("DROP CONSTRAINT IF EXISTS " + pg::QuoteIdent(build.build_name));
  }
  for (const TempColumn& column : layout.columns) {
    drops.push_back("DROP COLUMN IF EXISTS " + pg::QuoteIdent(column.temp));
  }
  actions.push_back({.id = spec.id + ":drop_temporary",
                     .sql = DropTriggerCopiesSql(layout) + "\n" +
                            AlterTable(layout, fmt::format("{}", fmt::join(drops, ", "))),
                     .lock = Lock::kAccessExclusive,
                     .table = table});
  return actions;
}

std::vector<Action> InPlaceRollback(const SwapSpec& spec, const Layout& layout) {
  std::vector<std::string> drops;
  for (const IndexBuild& build : layout.indexes) {
    drops.push_back("DROP CONSTRAINT IF EXISTS " + pg::QuoteIdent(build.name));
  }
  for (const ConstraintBuild& build : layout.constraints) {
    drops.push_back("DROP CONSTRAINT IF EXISTS " + pg::QuoteIdent(build.name));
  }
  if (drops.empty()) return {};
  // The table goes with the rollback of the operation that created it; this
  // only matters when that one leaves it (an `sql` operation's down).
  return {{.id = spec.id + ":in_place_undo",
           .sql = "ALTER TABLE IF EXISTS " + layout.qualified + " " +
                  fmt::format("{}", fmt::join(drops, ", ")) + ";",
           .lock = Lock::kAccessExclusive,
           .table = layout.table->physical_name}};
}

// ---------------------------------------------------------------------------
// Apply

void ApplyToTable(const Layout& layout, const SwapSpec& spec, schema::Table& table) {
  for (const TempColumn& column : layout.columns) {
    schema::Column* target = table.FindColumn(column.name);
    if (target != nullptr) *target = column.shape;
  }
  std::erase_if(table.constraints,
                [&](const schema::Constraint& c) { return c.name == spec.dropped; });
  std::erase_if(table.indexes, [&](const schema::Index& i) { return i.name == spec.dropped; });
  for (auto& constraint : table.constraints) {
    constraint.columns = Mapped(constraint.columns, layout.renames);
  }
  for (auto& index : table.indexes) index.columns = Mapped(index.columns, layout.renames);
  table.primary_key = Mapped(table.primary_key, layout.renames);
  for (const IndexBuild& build : layout.indexes) {
    if (!build.added) {
      for (auto& index : table.indexes) {
        if (index.name == build.name) index.definition = build.sql;
      }
      continue;
    }
    table.indexes.push_back({.name = build.name,
                             .columns = build.columns,
                             .unique = true,
                             .primary = build.constraint == 'p',
                             .definition = build.sql});
    table.constraints.push_back({.name = build.name,
                                 .type = build.constraint,
                                 .columns = build.columns,
                                 .definition = build.inline_sql});
    if (build.constraint == 'p') table.primary_key = build.columns;
  }
  for (const ConstraintBuild& build : layout.constraints) {
    if (build.added) {
      table.constraints.push_back({.name = build.name,
                                   .type = build.type,
                                   .columns = build.columns,
                                   .definition = build.body,
                                   .validated = false});
      continue;
    }
    for (auto& constraint : table.constraints) {
      if (constraint.name != build.name) continue;
      constraint.definition = build.body;
      constraint.validated = false;
    }
  }
}

}  // namespace

bool CreatedByThisMigration(const OpContext& ctx, const std::string& table) {
  const schema::Table* found = ctx.before->FindTable(table);
  return ctx.base != nullptr && found != nullptr &&
         ctx.base->FindPhysicalTable(found->physical_name) == nullptr;
}

Result<const schema::Constraint*> RequireDroppableConstraint(const OpContext& ctx,
                                                             const schema::Table& table,
                                                             const std::string& name) {
  std::vector<std::string> names;
  for (const auto& constraint : table.constraints) {
    if (constraint.type != 'c' && constraint.type != 'f' && constraint.type != 'u') continue;
    if (constraint.name == name) return &constraint;
    names.push_back(constraint.name);
  }
  std::string also = table.HasConstraint(name)
                         ? " (\"" + name +
                               "\" is a primary key or exclusion constraint, which "
                               "this operation does not drop)"
                         : "";
  return NotFound(fmt::format(
      "{}: table \"{}\" has no check, foreign key or unique constraint \"{}\"{}; its constraints "
      "of those kinds: {}",
      ctx.where, table.name, name, also,
      names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
}

std::string FitIdentifier(const std::string& name) {
  if (name.size() <= kMaxIdentifierBytes) return name;
  std::string hash = fmt::format("_{:08x}", StableHash(name));
  size_t keep = kMaxIdentifierBytes - hash.size();
  // Never cut a UTF-8 character in two.
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
  return name.substr(0, keep) + hash;
}

Status ColumnSwap::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(RequireTable(ctx, spec_.table).status());
  in_place_ = CreatedByThisMigration(ctx, spec_.table);
  return MakeLayout(ctx, spec_, in_place_).status();
}

std::vector<Action> ColumnSwap::Start(const OpContext& ctx) const {
  in_place_ = CreatedByThisMigration(ctx, spec_.table);
  auto layout = MakeLayout(ctx, spec_, in_place_);
  if (!layout.ok()) return {};  // not validated (after raw SQL in a dry run)
  return in_place_ ? InPlaceStart(spec_, *layout) : SwapStart(ctx, spec_, *layout);
}

void ColumnSwap::Apply(schema::Schema& schema) const {
  OpContext local{.before = &schema, .where = spec_.id};
  auto layout = MakeLayout(local, spec_, in_place_);
  if (!layout.ok()) return;
  schema::Table* table = schema.FindTable(spec_.table);
  Layout computed = std::move(*layout);
  ApplyToTable(computed, spec_, *table);
}

Result<std::vector<triggers::TriggerSpec>> ColumnSwap::Triggers(const OpContext& ctx) const {
  std::vector<triggers::TriggerSpec> specs;
  if (CreatedByThisMigration(ctx, spec_.table)) return specs;
  ZS_ASSIGN_OR_RETURN(Layout layout, MakeLayout(ctx, spec_, false));
  const schema::Table* after = ctx.after->FindTable(spec_.table);
  if (after == nullptr) return Internal(spec_.id + ": the table is missing after the operation");
  for (const TempColumn& column : layout.columns) {
    std::string same = pg::QuoteIdent(column.name);
    ZS_ASSIGN_OR_RETURN(
        auto up, MakeTrigger(ctx, *layout.table, column.temp, column.name,
                             column.up.empty() ? same : column.up, triggers::Direction::kUp));
    ZS_ASSIGN_OR_RETURN(auto down, MakeTrigger(ctx, *after, column.old_physical, column.name,
                                               column.down.empty() ? same : column.down,
                                               triggers::Direction::kDown));
    specs.push_back(std::move(up));
    specs.push_back(std::move(down));
  }
  return specs;
}

std::vector<BackfillTask> ColumnSwap::Backfill(const OpContext& ctx) const {
  if (CreatedByThisMigration(ctx, spec_.table)) return {};
  auto layout = MakeLayout(ctx, spec_, false);
  if (!layout.ok()) return {};
  // "alter_column users.email" for progress output.
  std::string reason = spec_.id;
  if (size_t colon = reason.find(':'); colon != std::string::npos) reason[colon] = ' ';
  return {{.table = layout->table->physical_name,
           .touch_column = layout->columns.front().temp,
           .reason = reason}};
}

std::vector<Action> ColumnSwap::Complete(const OpContext& ctx) const {
  bool in_place = CreatedByThisMigration(ctx, spec_.table);
  auto layout = MakeLayout(ctx, spec_, in_place);
  if (!layout.ok() || in_place) return {};
  std::vector<Action> actions = ValidateActions(spec_, *layout);
  actions.push_back({.id = spec_.id + ":replace",
                     .sql = FinalizeSql(ctx, *layout),
                     .lock = Lock::kAccessExclusive,
                     .table = layout->table->physical_name,
                     .phase = CompletePhase::kFinalize});
  return actions;
}

std::vector<Action> ColumnSwap::Rollback(const OpContext& ctx) const {
  bool in_place = CreatedByThisMigration(ctx, spec_.table);
  auto layout = MakeLayout(ctx, spec_, in_place);
  if (!layout.ok()) return {};
  return in_place ? InPlaceRollback(spec_, *layout) : SwapRollback(ctx, spec_, *layout);
}

}  // namespace zs::ops

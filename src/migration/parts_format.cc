#include "migration/parts_format.h"

namespace zs::migration {
namespace {

// The enums of pgroll-migration-schema.json. Comparison is case-sensitive, as
// JSON Schema validation is in pgroll.
const Keys kMatchTypes = {"SIMPLE", "FULL", "PARTIAL"};
const Keys kFkActions = {"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"};
const Keys kTableConstraintTypes = {"unique", "check", "primary_key", "foreign_key", "exclude"};
const Keys kIdentityValues = {"ALWAYS", "BY DEFAULT"};

const Keys kTableConstraintCommonKeys = {"name", "type"};
const TypeKeys kTableConstraintKeys[] = {
    {"unique",
     {"columns", "deferrable", "initially_deferred", "nulls_not_distinct", "index_parameters"}},
    {"check", {"check", "no_inherit", "columns"}},
    {"primary_key", {"columns", "deferrable", "initially_deferred", "index_parameters"}},
    {"foreign_key", {"columns", "references", "deferrable", "initially_deferred"}},
    {"exclude", {"exclude", "deferrable", "initially_deferred", "index_parameters"}},
};

Result<IdentityOptions> ParseIdentity(const Source& src, const YAML::Node& node,
                                      const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what, {"sequence_options", "user_specified_values"}));
  IdentityOptions identity;
  ZS_RETURN_IF_ERROR(m.Get("sequence_options", &identity.sequence_options));
  ZS_RETURN_IF_ERROR(
      m.GetEnum("user_specified_values", kIdentityValues, &identity.user_specified_values));
  return identity;
}

Result<GeneratedColumn> ParseGenerated(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"expression", "identity"}));
  GeneratedColumn generated;
  ZS_RETURN_IF_ERROR(m.Get("expression", &generated.expression));
  ZS_RETURN_IF_ERROR(m.GetObject("identity", ParseIdentity, &generated.identity));
  return generated;
}

Result<ExcludeConstraint> ParseExclude(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what, {"index_method", "elements", "predicate"}));
  ExcludeConstraint exclude;
  ZS_RETURN_IF_ERROR(m.Get("index_method", &exclude.index_method));
  ZS_RETURN_IF_ERROR(m.Get("elements", &exclude.elements));
  ZS_RETURN_IF_ERROR(m.Get("predicate", &exclude.predicate));
  return exclude;
}

}  // namespace

Result<CheckConstraint> ParseCheck(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what, {"name", "constraint", "no_inherit"},
                                      {"name", "constraint"}));
  CheckConstraint check;
  ZS_RETURN_IF_ERROR(m.Get("name", &check.name));
  ZS_RETURN_IF_ERROR(m.Get("constraint", &check.constraint));
  ZS_RETURN_IF_ERROR(m.Get("no_inherit", &check.no_inherit));
  return check;
}

Result<ForeignKeyReference> ParseForeignKey(const Source& src, const YAML::Node& node,
                                            const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what,
                                      {"name", "table", "column", "match_type", "on_delete",
                                       "on_update", "deferrable", "initially_deferred"},
                                      {"name", "table", "column"}));
  ForeignKeyReference ref;
  ZS_RETURN_IF_ERROR(m.Get("name", &ref.name));
  ZS_RETURN_IF_ERROR(m.Get("table", &ref.table));
  ZS_RETURN_IF_ERROR(m.Get("column", &ref.column));
  ZS_RETURN_IF_ERROR(m.GetEnum("match_type", kMatchTypes, &ref.match_type));
  ZS_RETURN_IF_ERROR(m.GetEnum("on_delete", kFkActions, &ref.on_delete));
  ZS_RETURN_IF_ERROR(m.GetEnum("on_update", kFkActions, &ref.on_update));
  ZS_RETURN_IF_ERROR(m.Get("deferrable", &ref.deferrable));
  ZS_RETURN_IF_ERROR(m.Get("initially_deferred", &ref.initially_deferred));
  return ref;
}

Result<Column> ParseColumn(const Source& src, const YAML::Node& node, const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what,
                                   {"name", "type", "nullable", "pk", "unique", "default", "check",
                                    "references", "comment", "generated"},
                                   {"name", "type"}));
  Column column;
  column.location = m.location();
  ZS_RETURN_IF_ERROR(m.Get("name", &column.name));
  ZS_RETURN_IF_ERROR(m.Get("type", &column.type));
  ZS_RETURN_IF_ERROR(m.Get("nullable", &column.nullable));
  ZS_RETURN_IF_ERROR(m.Get("pk", &column.pk));
  ZS_RETURN_IF_ERROR(m.Get("unique", &column.unique));
  ZS_RETURN_IF_ERROR(m.Get("default", &column.default_value));
  ZS_RETURN_IF_ERROR(m.GetObject("check", ParseCheck, &column.check));
  ZS_RETURN_IF_ERROR(m.GetObject("references", ParseForeignKey, &column.references));
  ZS_RETURN_IF_ERROR(m.Get("comment", &column.comment));
  ZS_RETURN_IF_ERROR(m.GetObject("generated", ParseGenerated, &column.generated));
  return column;
}

Result<TableForeignKeyReference> ParseTableForeignKey(const Source& src, const YAML::Node& node,
                                                      const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what,
                                                   {"table", "columns", "match_type", "on_update",
                                                    "on_delete", "on_delete_set_columns"},
                                                   {"table", "columns"}));
  TableForeignKeyReference ref;
  ZS_RETURN_IF_ERROR(m.Get("table", &ref.table));
  ZS_RETURN_IF_ERROR(m.Get("columns", &ref.columns));
  ZS_RETURN_IF_ERROR(m.GetEnum("match_type", kMatchTypes, &ref.match_type));
  ZS_RETURN_IF_ERROR(m.GetEnum("on_update", kFkActions, &ref.on_update));
  ZS_RETURN_IF_ERROR(m.GetEnum("on_delete", kFkActions, &ref.on_delete));
  ZS_RETURN_IF_ERROR(m.Get("on_delete_set_columns", &ref.on_delete_set_columns));
  return ref;
}

Result<IndexParameters> ParseIndexParameters(const Source& src, const YAML::Node& node,
                                             const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m,
      StrictMap::Open(src, node, what, {"tablespace", "storage_parameters", "include_columns"}));
  IndexParameters params;
  ZS_RETURN_IF_ERROR(m.Get("tablespace", &params.tablespace));
  ZS_RETURN_IF_ERROR(m.Get("storage_parameters", &params.storage_parameters));
  ZS_RETURN_IF_ERROR(m.Get("include_columns", &params.include_columns));
  return params;
}

bool IsEmptyValue(const YAML::Node& node) {
  if (node.IsSequence() || node.IsMap()) return node.size() == 0;
  if (!node.IsScalar()) return false;
  return node.Scalar().empty() || (node.Tag() != "!" && node.Scalar() == "false");
}

Result<Constraint> ParseConstraint(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what,
                                   {"name", "type", "columns", "deferrable", "initially_deferred",
                                    "nulls_not_distinct", "no_inherit", "check", "references",
                                    "exclude", "index_parameters"},
                                   {"name", "type"}));
  Constraint c;
  c.location = m.location();
  ZS_RETURN_IF_ERROR(m.Get("name", &c.name));
  ZS_RETURN_IF_ERROR(m.GetEnum("type", kTableConstraintTypes, &c.type));
  ZS_RETURN_IF_ERROR(m.Get("columns", &c.columns));
  ZS_RETURN_IF_ERROR(m.Get("deferrable", &c.deferrable));
  ZS_RETURN_IF_ERROR(m.Get("initially_deferred", &c.initially_deferred));
  ZS_RETURN_IF_ERROR(m.Get("nulls_not_distinct", &c.nulls_not_distinct));
  ZS_RETURN_IF_ERROR(m.Get("no_inherit", &c.no_inherit));
  ZS_RETURN_IF_ERROR(m.Get("check", &c.check));
  ZS_RETURN_IF_ERROR(m.GetObject("references", ParseTableForeignKey, &c.references));
  ZS_RETURN_IF_ERROR(m.GetObject("exclude", ParseExclude, &c.exclude));
  ZS_RETURN_IF_ERROR(m.GetObject("index_parameters", ParseIndexParameters, &c.index_parameters));
  ZS_RETURN_IF_ERROR(
      CheckKeysApply(src, m, c.type, kTableConstraintCommonKeys, kTableConstraintKeys));
  return c;
}

Json ToJsonValue(const CheckConstraint& check) {
  Json j = {{"name", check.name}, {"constraint", check.constraint}};
  PutIf(j, "no_inherit", check.no_inherit);
  return j;
}

Json ToJsonValue(const ForeignKeyReference& ref) {
  Json j = {{"name", ref.name}, {"table", ref.table}, {"column", ref.column}};
  PutIfNot(j, "match_type", ref.match_type, "SIMPLE");
  PutIfNot(j, "on_delete", ref.on_delete, "NO ACTION");
  PutIfNot(j, "on_update", ref.on_update, "NO ACTION");
  PutIf(j, "deferrable", ref.deferrable);
  PutIf(j, "initially_deferred", ref.initially_deferred);
  return j;
}

Json ToJsonValue(const IdentityOptions& identity) {
  Json j = Json::object();
  PutIf(j, "sequence_options", identity.sequence_options);
  PutIfNot(j, "user_specified_values", identity.user_specified_values, "ALWAYS");
  return j;
}

Json ToJsonValue(const GeneratedColumn& generated) {
  Json j = Json::object();
  PutIf(j, "expression", generated.expression);
  PutIf(j, "identity", generated.identity);
  return j;
}

Json ToJsonValue(const Column& column) {
  Json j = {{"name", column.name}, {"type", column.type}};
  PutIf(j, "nullable", column.nullable);
  PutIf(j, "pk", column.pk);
  PutIf(j, "unique", column.unique);
  PutIf(j, "default", column.default_value);
  PutIf(j, "check", column.check);
  PutIf(j, "references", column.references);
  PutIf(j, "comment", column.comment);
  PutIf(j, "generated", column.generated);
  return j;
}

Json ToJsonValue(const TableForeignKeyReference& ref) {
  Json j = {{"table", ref.table}, {"columns", ref.columns}};
  PutIfNot(j, "match_type", ref.match_type, "SIMPLE");
  PutIfNot(j, "on_update", ref.on_update, "NO ACTION");
  PutIfNot(j, "on_delete", ref.on_delete, "NO ACTION");
  PutIf(j, "on_delete_set_columns", ref.on_delete_set_columns);
  return j;
}

Json ToJsonValue(const IndexParameters& params) {
  Json j = Json::object();
  PutIf(j, "tablespace", params.tablespace);
  PutIf(j, "storage_parameters", params.storage_parameters);
  PutIf(j, "include_columns", params.include_columns);
  return j;
}

Json ToJsonValue(const ExcludeConstraint& exclude) {
  Json j = Json::object();
  PutIf(j, "index_method", exclude.index_method);
  PutIf(j, "elements", exclude.elements);
  PutIf(j, "predicate", exclude.predicate);
  return j;
}

Json ToJsonValue(const Constraint& c) {
  Json j = {{"name", c.name}, {"type", c.type}};
  PutIf(j, "columns", c.columns);
  PutIf(j, "deferrable", c.deferrable);
  PutIf(j, "initially_deferred", c.initially_deferred);
  PutIf(j, "nulls_not_distinct", c.nulls_not_distinct);
  PutIf(j, "no_inherit", c.no_inherit);
  PutIf(j, "check", c.check);
  PutIf(j, "references", c.references);
  PutIf(j, "exclude", c.exclude);
  PutIf(j, "index_parameters", c.index_parameters);
  return j;
}

}  // namespace zs::migration

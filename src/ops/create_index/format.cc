#include "ops/create_index/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {
namespace {

// The enums of pgroll-migration-schema.json (case-sensitive, as in pgroll).
const Keys kIndexMethods = {"btree", "hash", "gist", "spgist", "gin", "brin"};
const Keys kSortOrders = {"ASC", "DESC"};
const Keys kNullsOrders = {"FIRST", "LAST"};

Result<IndexOpclass> ParseOpclass(const Source& src, const YAML::Node& node,
                                  const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"name", "params"}));
  IndexOpclass opclass;
  ZS_RETURN_IF_ERROR(m.Get("name", &opclass.name));
  ZS_RETURN_IF_ERROR(m.Get("params", &opclass.params));
  return opclass;
}

Result<IndexField> ParseIndexField(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what,
                                   {"column", "collate", "sort", "opclass", "nulls"}, {"column"}));
  IndexField field;
  ZS_RETURN_IF_ERROR(m.Get("column", &field.column));
  ZS_RETURN_IF_ERROR(m.Get("collate", &field.collate));
  ZS_RETURN_IF_ERROR(m.GetEnum("sort", kSortOrders, &field.sort));
  ZS_RETURN_IF_ERROR(m.GetEnum("nulls", kNullsOrders, &field.nulls));
  ZS_RETURN_IF_ERROR(m.GetObject("opclass", ParseOpclass, &field.opclass));
  return field;
}

}  // namespace

Result<OpCreateIndex> ParseCreateIndex(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what,
                                                   {"name", "table", "columns", "predicate",
                                                    "method", "storage_parameters", "unique"},
                                                   {"name", "table", "columns"}));
  OpCreateIndex op;
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.GetList("columns", ParseIndexField, &op.columns));
  ZS_RETURN_IF_ERROR(m.Get("predicate", &op.predicate));
  ZS_RETURN_IF_ERROR(m.GetEnum("method", kIndexMethods, &op.method));
  ZS_RETURN_IF_ERROR(m.Get("storage_parameters", &op.storage_parameters));
  ZS_RETURN_IF_ERROR(m.Get("unique", &op.unique));
  return op;
}

Json ToJsonValue(const IndexOpclass& opclass) {
  Json j = Json::object();
  PutIf(j, "name", opclass.name);
  PutIf(j, "params", opclass.params);
  return j;
}

Json ToJsonValue(const IndexField& field) {
  Json j = {{"column", field.column}};
  PutIf(j, "collate", field.collate);
  PutIf(j, "sort", field.sort);
  PutIf(j, "nulls", field.nulls);
  PutIf(j, "opclass", field.opclass);
  return j;
}

Json ToJsonValue(const OpCreateIndex& op) {
  Json j = {{"name", op.name}, {"table", op.table}, {"columns", ListToJson(op.columns)}};
  PutIf(j, "predicate", op.predicate);
  PutIfNot(j, "method", op.method, "btree");
  PutIf(j, "storage_parameters", op.storage_parameters);
  PutIf(j, "unique", op.unique);
  return j;
}

}  // namespace zs::migration

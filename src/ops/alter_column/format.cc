#include "ops/alter_column/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {
namespace {

Result<UniqueConstraint> ParseUnique(const Source& src, const YAML::Node& node,
                                     const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"name"}, {"name"}));
  UniqueConstraint unique;
  ZS_RETURN_IF_ERROR(m.Get("name", &unique.name));
  return unique;
}

}  // namespace

Result<OpAlterColumn> ParseAlterColumn(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what,
                                      {"table", "column", "type", "nullable", "default", "comment",
                                       "check", "unique", "references", "up", "down"},
                                      {"table", "column"}));
  OpAlterColumn op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("column", &op.column));
  ZS_RETURN_IF_ERROR(m.Get("type", &op.type));
  ZS_RETURN_IF_ERROR(m.Get("nullable", &op.nullable));
  ZS_RETURN_IF_ERROR(m.Get("default", &op.default_value));
  ZS_RETURN_IF_ERROR(m.Get("comment", &op.comment));
  ZS_RETURN_IF_ERROR(m.GetObject("check", ParseCheck, &op.check));
  ZS_RETURN_IF_ERROR(m.GetObject("unique", ParseUnique, &op.unique));
  ZS_RETURN_IF_ERROR(m.GetObject("references", ParseForeignKey, &op.references));
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  return op;
}

Json ToJsonValue(const UniqueConstraint& unique) { return {{"name", unique.name}}; }

namespace {

Json NullableToJson(const NullableString& value) {
  return value.is_null ? Json(nullptr) : Json(value.value);
}

}  // namespace

Json ToJsonValue(const OpAlterColumn& op) {
  Json j = {{"table", op.table}, {"column", op.column}};
  PutIf(j, "type", op.type);
  PutIf(j, "nullable", op.nullable);
  if (op.default_value) j["default"] = NullableToJson(*op.default_value);
  if (op.comment) j["comment"] = NullableToJson(*op.comment);
  PutIf(j, "check", op.check);
  PutIf(j, "unique", op.unique);
  PutIf(j, "references", op.references);
  PutIf(j, "up", op.up);
  PutIf(j, "down", op.down);
  return j;
}

}  // namespace zs::migration

#include "ops/create_constraint/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {
namespace {

const Keys kCreateConstraintTypes = {"unique", "check", "foreign_key", "primary_key"};
const Keys kCreateConstraintCommonKeys = {"table", "name", "type", "up", "down"};
const TypeKeys kCreateConstraintKeys[] = {
    {"unique", {"columns", "index_parameters"}},
    {"check", {"columns", "check", "no_inherit"}},
    {"foreign_key", {"columns", "references"}},
    {"primary_key", {"columns", "index_parameters"}},
};

}  // namespace

Result<OpCreateConstraint> ParseCreateConstraint(const Source& src, const YAML::Node& node,
                                                 const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what,
                                      {"table", "name", "type", "columns", "check", "no_inherit",
                                       "index_parameters", "references", "up", "down"},
                                      {"table", "name", "type"}));
  OpCreateConstraint op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  ZS_RETURN_IF_ERROR(m.GetEnum("type", kCreateConstraintTypes, &op.type));
  ZS_RETURN_IF_ERROR(m.Get("columns", &op.columns));
  ZS_RETURN_IF_ERROR(m.Get("check", &op.check));
  ZS_RETURN_IF_ERROR(m.Get("no_inherit", &op.no_inherit));
  ZS_RETURN_IF_ERROR(m.GetObject("index_parameters", ParseIndexParameters, &op.index_parameters));
  ZS_RETURN_IF_ERROR(m.GetObject("references", ParseTableForeignKey, &op.references));
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  ZS_RETURN_IF_ERROR(
      CheckKeysApply(src, m, op.type, kCreateConstraintCommonKeys, kCreateConstraintKeys));
  return op;
}

Json ToJsonValue(const OpCreateConstraint& op) {
  Json j = {{"table", op.table}, {"name", op.name}, {"type", op.type}};
  PutIf(j, "columns", op.columns);
  PutIf(j, "check", op.check);
  PutIf(j, "no_inherit", op.no_inherit);
  PutIf(j, "index_parameters", op.index_parameters);
  PutIf(j, "references", op.references);
  PutIf(j, "up", op.up);
  PutIf(j, "down", op.down);
  return j;
}

}  // namespace zs::migration

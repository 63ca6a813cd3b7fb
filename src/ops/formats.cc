// The format half of the registry (registry.h): only the homes' format.h.
#include <utility>

#include "migration/parts_format.h"
#include "migration/reading.h"
#include "ops/formats.h"

namespace zs::ops {
namespace {

using migration::OperationBody;

template <typename Body, auto Parse>
Result<OperationBody> ParseBody(const migration::Source& src, const YAML::Node& node,
                                const std::string& what) {
  ZS_ASSIGN_OR_RETURN(Body op, Parse(src, node, what));
  return OperationBody(std::move(op));
}

template <typename Body>
migration::Json BodyToJson(const OperationBody& body) {
  return migration::ToJsonValue(std::get<Body>(body));
}

template <typename Body, auto Parse>
constexpr OperationFormat Format(std::string_view kind) {
  return {kind, BodyIndex<Body>(), &ParseBody<Body, Parse>, &BodyToJson<Body>};
}

using namespace migration;

constexpr OperationFormat kFormats[] = {
    Format<OpCreateTable, ParseCreateTable>("create_table"),
    Format<OpAddColumn, ParseAddColumn>("add_column"),
    Format<OpDropColumn, ParseDropColumn>("drop_column"),
    Format<OpRenameColumn, ParseRenameColumn>("rename_column"),
    Format<OpAlterColumn, ParseAlterColumn>("alter_column"),
    Format<OpDropTable, ParseDropTable>("drop_table"),
    Format<OpRenameTable, ParseRenameTable>("rename_table"),
    Format<OpRawSql, ParseRawSql>("sql"),
    Format<OpCreateIndex, ParseCreateIndex>("create_index"),
    Format<OpDropIndex, ParseDropIndex>("drop_index"),
    Format<OpDropConstraint, ParseDropConstraint>("drop_constraint"),
    Format<OpDropMultiColumnConstraint, ParseDropMultiColumnConstraint>(
        "drop_multicolumn_constraint"),
    Format<OpRenameConstraint, ParseRenameConstraint>("rename_constraint"),
    Format<OpSetReplicaIdentity, ParseSetReplicaIdentity>("set_replica_identity"),
    Format<OpCreateConstraint, ParseCreateConstraint>("create_constraint"),
};
static_assert(InBodyOrder(kFormats), "one row per OperationBody alternative, in its order");

}  // namespace

std::span<const OperationFormat> OperationFormats() { return kFormats; }

}  // namespace zs::ops

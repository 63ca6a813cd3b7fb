#include "engine/rehearsal_internal.h"

#include <fmt/format.h>

#include "ops/operation.h"

namespace zs::engine::rehearsal_internal {

const std::string& TemporaryPrefix() {
  static const std::string prefix = ops::TemporaryColumnName("");
  return prefix;
}

std::string Where(const migration::Migration& migration, size_t index) {
  if (index >= migration.operations.size()) return "migration \"" + migration.name + "\"";
  const auto& op = migration.operations[index];
  return fmt::format("{} {}", op.location.ToString(), op.kind);
}

Result<Plan> DryPlan(const PlanInput& input, const Operations& operations,
                     const schema::Schema& base) {
  for (size_t i = 0; i + 1 < operations.size(); ++i) {
    if (!operations[i]->ChangesSchemaOpaquely()) continue;
    migration::Migration head = *input.migration;
    head.operations.resize(i + 1);
    ZS_ASSIGN_OR_RETURN(Operations head_operations, MakeOperations(head));
    PlanInput head_input = input;
    head_input.migration = &head;
    return BuildPlan(head_input, head_operations, base);
  }
  return BuildPlan(input, operations, base);
}

std::string Bullets(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "\n  - " + line;
  return out;
}

}  // namespace zs::engine::rehearsal_internal

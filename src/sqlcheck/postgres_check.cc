#include "sqlcheck/postgres_check.h"

#include <algorithm>

namespace zs::sqlcheck {

Result<CheckedExpression> PostgresExpressionChecker::CheckExpression(const VisibleTable& table,
                                                                     const std::string& expression,
                                                                     const std::string& what,
                                                                     UnknownColumns unknown) {
  CheckedExpression checked;
  ZS_ASSIGN_OR_RETURN(checked.embedded, ValidateExpression(expression, what));
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> names, ReferencedColumns(expression, table.name));
  for (const std::string& name : names) {
    bool visible = std::any_of(table.columns.begin(), table.columns.end(),
                               [&](const VisibleColumn& c) { return c.name == name; });
    if (visible) {
      checked.columns.push_back(name);
    } else if (unknown == UnknownColumns::kRefuse) {
      return InvalidInput(UnknownColumnMessage(what, expression, name, table));
    } else {
      checked.unknown_columns.push_back(name);
    }
  }
  return checked;
}

Status PostgresExpressionChecker::CheckType(const std::string& type, const std::string& what) {
  return ValidateTypeName(type, what);
}

Status PostgresExpressionChecker::CheckIdentifier(const std::string& name,
                                                  const std::string& what) {
  return ValidateIdentifier(name, what);
}

Result<std::vector<Statement>> PostgresExpressionChecker::CheckStatements(const std::string& sql,
                                                                          const std::string& what) {
  return SplitStatements(sql, what);
}

}  // namespace zs::sqlcheck
